"""Webhook adapters: each turns one tool's payload, in the tool's own format, into a ToolItem.

Pure functions of the parsed JSON and the request headers; signatures are checked
before an adapter runs, mapping to an incident happens after.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bridgework.intake.domain.errors import invalid_fields

M = TypeVar("M", bound=BaseModel)


def parse_as(model: type[M], payload: Any, *, at: tuple[str | int, ...] = ()) -> M:
    """`payload` validated as `model`; a DomainError (fields prefixed with `at`) otherwise."""
    try:
        return model.model_validate(payload)
    except ValidationError as invalid:
        raise invalid_fields(
            [{"loc": (*at, *error["loc"]), "msg": error["msg"]} for error in invalid.errors()]
        ) from invalid


def delivery_key(value: str | None) -> str | None:
    """A tool's delivery id as intake keeps it: long ids are kept as their digest."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) <= 200:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()
