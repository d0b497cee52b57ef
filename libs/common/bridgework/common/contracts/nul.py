"""U+0000 in a contract: which of a contract's fields can hold text, and the refusal.

Postgres text and jsonb cannot store U+0000, so a consumer writing such a string would fail on
it; the contract base refuses it in every string instead. The fields that can hold text are
found once per class, so the check on every consumer's hot path reads only those.
"""

from __future__ import annotations

from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

NUL = "\x00"
NUL_REFUSED = "must not hold the NUL character (U+0000)"


def _holds_text(annotation: Any) -> bool:
    """Whether `annotation` admits a str anywhere (in a container too)."""
    if annotation is str:
        return True
    return any(_holds_text(argument) for argument in get_args(annotation))


# What a string field is to the check: free text to read, or already free of U+0000.
TEXT, NUL_FREE = "text", "nul_free"


def _string_kind(annotation: Any, metadata: list[Any], nul_free: frozenset[str]) -> str | None:
    """TEXT for a plain string (maybe constrained or optional), NUL_FREE for one held to a
    pattern in `nul_free` (which no string holding U+0000 matches), None for anything else."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *more = get_args(annotation)
        return _string_kind(base, [*metadata, *more], nul_free)
    if origin in (Union, UnionType):
        arguments = [a for a in get_args(annotation) if a is not NoneType]
        return _string_kind(arguments[0], metadata, nul_free) if len(arguments) == 1 else None
    if annotation is not str:
        return None
    patterns = {getattr(item, "pattern", None) for item in metadata}
    return NUL_FREE if patterns & nul_free else TEXT


def _list_kind(annotation: Any, nul_free: frozenset[str]) -> str | None:
    """The kind of a list's strings (maybe an optional list), None for anything else."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        arguments = [a for a in get_args(annotation) if a is not NoneType]
        return _list_kind(arguments[0], nul_free) if len(arguments) == 1 else None
    if origin is not list:
        return None
    return _string_kind(get_args(annotation)[0], [], nul_free)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def text_fields(
    owner: str,
    fields: dict[str, FieldInfo],
    checked_model: type[BaseModel],
    nul_free: frozenset[str] = frozenset(),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the fields holding a string, and of those holding a list of strings, that
    the check must read: not those held to a pattern in `nul_free`.

    Any other shape that can hold a string (a dict, a tuple, a union with a list), or a nested
    model that is not a `checked_model` (one checks itself), is refused when the class is
    made: its strings would slip past the check.
    """
    texts: list[str] = []
    text_lists: list[str] = []
    for name, field in fields.items():
        annotation = field.annotation
        nested = [a for a in _walk(annotation) if _is_model(a)]
        unchecked = [m.__name__ for m in nested if not issubclass(m, checked_model)]
        if unchecked:
            raise TypeError(f"{owner}.{name}: {unchecked} is not checked for NUL")
        kind = _string_kind(annotation, list(field.metadata), nul_free)
        list_kind = None if kind else _list_kind(annotation, nul_free)
        if kind == TEXT:
            texts.append(name)
        elif list_kind == TEXT:
            text_lists.append(name)
        elif kind is None and list_kind is None and _holds_text(annotation):
            raise TypeError(f"{owner}.{name}: strings in this shape are not checked for NUL")
    return tuple(texts), tuple(text_lists)


def _walk(annotation: Any) -> list[Any]:
    """`annotation` and every type argument inside it."""
    found = [annotation]
    for argument in get_args(annotation):
        found.extend(_walk(argument))
    return found


def nul_refused(model: BaseModel, location: tuple[str | int, ...], value: str) -> ValidationError:
    """The validation error of a string holding U+0000 at `location` inside `model`."""
    # Raised in a validator, its locations go under the model's own, so the failing field is
    # named by its whole path (`commitments.0.action`), not only the model's.
    error = PydanticCustomError("nul_character", NUL_REFUSED)
    details = InitErrorDetails(type=error, loc=location, input=value)
    return ValidationError.from_exception_data(type(model).__name__, [details])
