"""Input that fails on one or more fields at once: common's DomainError, naming every field."""

from __future__ import annotations

from typing import Any

from bridgework.common.errors import DomainError, ErrorKind

# One failing field: `loc` is its path (a tuple of names and indexes), `msg` says why.
FieldError = dict[str, Any]


def describe(errors: list[FieldError]) -> str:
    """`a.b: why; c: why`: every failing field on one line."""
    return "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in errors)


class InvalidFieldsError(DomainError):
    """A tool's payload, a CloudEvent or a mapped item that fails on `errors`, each field and why.

    A DomainError of kind INVALID (a 422); `field` is the first failing field, and HTTP entry
    points answer with every one of `errors`, as request validation does.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        first = ".".join(map(str, errors[0]["loc"])) if errors else ""
        super().__init__(
            "validation_failed", describe(errors), kind=ErrorKind.INVALID, field=first or "(body)"
        )
        self.errors = errors
