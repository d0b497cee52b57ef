"""Follow-up's use cases: each one transaction, state change and outgoing events together."""
