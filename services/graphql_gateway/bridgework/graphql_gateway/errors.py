"""Errors a client may see. Anything else a resolver raises is masked as "Unexpected error."
(MaskErrors in schema.py), so no SQL, stack or internal detail leaks through GraphQL."""

from __future__ import annotations

from graphql import GraphQLError


class ClientError(GraphQLError):
    """An error meant for the client, with a machine-readable `extensions.code`."""

    code = "BAD_REQUEST"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class BadInputError(ClientError):
    code = "BAD_USER_INPUT"


class ForbiddenError(ClientError):
    code = "FORBIDDEN"


class UnauthenticatedError(ClientError):
    code = "UNAUTHENTICATED"


def should_mask(error: GraphQLError) -> bool:
    """Mask what a resolver raised unless it is a ClientError; validation and limit errors
    (no original error) stay readable."""
    original = error.original_error
    return original is not None and not isinstance(original, ClientError)
