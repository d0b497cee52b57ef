"""Follow-up's rules and values, pure: no I/O, no clock, no framework."""
