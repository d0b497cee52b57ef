"""Input that fails on one or more fields at once, as common's DomainError names them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bridgework.common.errors import DomainError, FieldProblem

# One failing field as pydantic reports it: `loc` is its path (names and indexes), `msg` why.
FieldError = dict[str, Any]


def invalid_fields(errors: Iterable[FieldError]) -> DomainError:
    """A DomainError of kind INVALID naming every failing field of `errors`."""
    return DomainError.invalid_fields(
        [FieldProblem(".".join(map(str, error["loc"])), str(error["msg"])) for error in errors]
    )
