"""The authorisation matrix: who may do what, one row per HTTP route and GraphQL operation.

The rows are the specification; tests/integration/test_authorization_matrix.py runs them
against the real services and fails when an operation has no row (docs/security.md).
"""
