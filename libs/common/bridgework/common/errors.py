"""The one error type a rule, a use case or an entry point raises when a request cannot be honoured.

It knows nothing of HTTP or GraphQL: `bridgework.common.http_errors` turns it into an HTTP
problem answer, and the gateway's read side turns it into a typed GraphQL error, each in one
place. Anything else that escapes is a bug and answers as an internal error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """What went wrong, in words both HTTP and GraphQL can translate."""

    INVALID = "invalid"  # a field is wrong: `field` names it
    BAD_REQUEST = "bad_request"  # the request as a whole cannot be understood
    UNAUTHENTICATED = "unauthenticated"  # no credential, or one that proves nothing
    FORBIDDEN = "forbidden"  # a known caller who may not do this
    NOT_FOUND = "not_found"  # what the request names does not exist (for this caller)
    CONFLICT = "conflict"  # does not fit the state the thing is in
    GONE = "gone"  # existed once, no longer usable (an expired link)
    TOO_LARGE = "too_large"  # the request is over a limit
    UNSUPPORTED = "unsupported"  # a media type or format not accepted here


@dataclass(frozen=True)
class FieldProblem:
    """One failing field: its dotted path (empty for the whole input) and why it fails."""

    field: str
    reason: str


class DomainError(Exception):
    """A request that cannot be honoured: a stable `code` for programs, a `detail` for people.

    `field` is the dotted path of the failing field where there is one
    (`commitments.0.due_on`); an `INVALID` error should always name it. Input that fails on
    several fields at once lists every one in `fields` (`field` is then the first).
    """

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        kind: ErrorKind = ErrorKind.BAD_REQUEST,
        field: str | None = None,
        fields: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.kind = kind
        self.fields = tuple(fields)
        self.field = field if field is not None or not fields else fields[0].field

    @classmethod
    def invalid(cls, field: str, reason: str, *, code: str = "validation_failed") -> DomainError:
        """A field that is wrong, and why."""
        return cls(code, f"{field}: {reason}", kind=ErrorKind.INVALID, field=field)

    @classmethod
    def invalid_fields(cls, problems: Sequence[FieldProblem]) -> DomainError:
        """Input that fails on every one of `problems` (at least one)."""
        detail = "; ".join(f"{p.field or '(body)'}: {p.reason}" for p in problems)
        return cls("validation_failed", detail, kind=ErrorKind.INVALID, fields=problems)

    def problems(self) -> tuple[FieldProblem, ...]:
        """Every failing field, for per-field error lists; empty when no field is named."""
        if self.fields:
            return self.fields
        return (FieldProblem(self.field, self.reason),) if self.field is not None else ()

    @property
    def reason(self) -> str:
        """The detail without the field's name in front, for per-field error lists."""
        prefix = f"{self.field}: "
        return self.detail.removeprefix(prefix) if self.field else self.detail

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, kind={self.kind.value}, field={self.field!r})"
