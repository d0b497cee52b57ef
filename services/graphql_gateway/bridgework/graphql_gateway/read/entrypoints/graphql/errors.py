"""The one place a DomainError becomes a GraphQL error, and the masking rule.

A DomainError keeps its detail as the message, with `extensions.code` from its kind;
validation and limit errors (no original error) stay readable; anything else a resolver
raised is a bug and answers "Unexpected error.", so no SQL, stack or internal detail leaks.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.http_errors import DATABASE_AWAY

CODE_OF_KIND: dict[ErrorKind, str] = {
    ErrorKind.INVALID: "BAD_USER_INPUT",
    ErrorKind.BAD_REQUEST: "BAD_REQUEST",
    ErrorKind.UNAUTHENTICATED: "UNAUTHENTICATED",
    ErrorKind.FORBIDDEN: "FORBIDDEN",
    ErrorKind.NOT_FOUND: "NOT_FOUND",
    ErrorKind.CONFLICT: "CONFLICT",
    ErrorKind.GONE: "GONE",
    ErrorKind.TOO_LARGE: "BAD_USER_INPUT",
    ErrorKind.UNSUPPORTED: "BAD_REQUEST",
}
# Postgres away: the router answers such a result 503 with Retry-After (router.py).
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


def should_mask(error: GraphQLError) -> bool:
    """Whether an error is ours to hide: raised by a resolver, and not a DomainError.

    A variable that is not of its type (a UUID that is not one) is the client's mistake: its
    message names the variable and why, so it is kept, and it is not logged."""
    original = error.original_error
    return original is not None and not isinstance(
        original, DomainError | StrawberryInputCoercionError
    )


def client_error(error: GraphQLError, domain_error: DomainError) -> GraphQLError:
    """A DomainError as the client sees it: its detail, and a code for programs."""
    return GraphQLError(
        message=domain_error.detail,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=domain_error,
        extensions={"code": CODE_OF_KIND[domain_error.kind]},
    )


def database_unavailable(error: GraphQLError) -> GraphQLError:
    """The database being away, said as such (no SQL or detail), with a code for programs."""
    return GraphQLError(
        message="the database is not reachable right now; retry shortly",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": DATABASE_UNAVAILABLE},
    )


class DomainErrors(MaskErrors):
    """strawberry's MaskErrors, translating DomainErrors instead of masking them."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed: list[GraphQLError] = []
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError):
                processed.append(client_error(error, original))
            elif isinstance(original, DATABASE_AWAY):
                processed.append(database_unavailable(error))
            elif should_mask(error):
                processed.append(self.anonymise_error(error))
            else:
                processed.append(error)
        return processed
