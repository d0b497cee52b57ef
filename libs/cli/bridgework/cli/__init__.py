"""`bridgework`: the operators' command line (docs/operations.md, "Command line").

An entry point over every service: it may import services' entry points, use cases,
schemas, domain values and settings (tests/architecture.py); nothing imports it.
"""
