"""Intake's entry points: HTTP routes, the raw-topic subscriber, the background loop, the CLI."""
