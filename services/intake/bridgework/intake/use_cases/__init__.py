"""Intake's use cases: named, keyword-only, one transaction each; the only callers of the repository."""
