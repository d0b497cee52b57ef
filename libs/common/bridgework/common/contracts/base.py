"""What every contract shares: the base model and the value types events carry."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bridgework.common.contracts.nul import NUL, nul_refused, text_fields

SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
PSEUDONYM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
# Anchored, and no character class admits U+0000: strings held to these need no NUL check.
NUL_FREE_PATTERNS = frozenset({SLUG_PATTERN, PSEUDONYM_PATTERN})

DepartmentSlug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    Field(description="An organisational unit as a lower-case slug, e.g. `it`, `finance`."),
]
# Name-shaped: two or more alphabetic words, each capitalised (`Jane.Doe`, `Mary-Ann_Smith`,
# `J.Doe`, `JANE.DOE`) joined by `.`, `_`, `-` or a space, or lower-case joined by `.` or `_`
# (`jane.doe`, `jane_doe`). Lower-case words joined by `-` stay valid: that is how
# pseudonyms are written (`p-fin-lead`, `u-github-…`); digits anywhere make an id too.
_NAME_SHAPED = re.compile(r"[A-Z][A-Za-z]*(?:[._ -][A-Z][A-Za-z]*)+|[a-z]+(?:[._][a-z]+)+")


def pseudonymous_id_problem(value: str) -> str | None:
    """Why `value` cannot be a pseudonymous person id (an e-mail address, a name, or not the
    pattern's shape), or None when it can. For ids that arrive outside a model: a path, a
    token's `sub`, a command-line argument."""
    if "@" in value:
        return "must be a pseudonymous id, not an e-mail address (no `@`)"
    if _NAME_SHAPED.fullmatch(value):
        # The value itself is left out: it may be a real name, and errors reach logs.
        return "must be a pseudonymous id such as `p-it-001`, not a name (First.Last, first_last)"
    if not _PSEUDONYM.match(value):
        return f"must be a pseudonymous id matching {PSEUDONYM_PATTERN}"
    return None


def _not_a_name_nor_an_address(value: Any) -> Any:
    # Before the pattern, so an address gets this message rather than the pattern's.
    if isinstance(value, str) and ("@" in value or _NAME_SHAPED.fullmatch(value)):
        raise ValueError(pseudonymous_id_problem(value))
    return value


_PSEUDONYM = re.compile(PSEUDONYM_PATTERN)
PseudonymousId = Annotated[
    str,
    StringConstraints(pattern=PSEUDONYM_PATTERN),
    # Listed after the pattern, it still runs first (a before-validator wraps what is listed
    # above it), and the JSON Schema keeps the pattern.
    BeforeValidator(_not_a_name_nor_an_address),
    Field(description="A stable pseudonymous person id; never a name or an e-mail address."),
]
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

# Which topic a contract travels on: `<namespace>.<stream>`.
Stream = Literal["incidents", "repairs", "followups", "privacy", "changes", "engagements"]


class ResponseMode(StrEnum):
    """The social-discipline-window quadrant of a response.

    with: both the responsible and the affected consented (restorative);
    to: decided by an authority without the responsible party's consent (punitive);
    for: decided without the affected parties' voice (permissive);
    not: no agreement at all within the window set for it (neglectful).
    """

    WITH = "with"
    TO = "to"
    FOR = "for"
    NOT = "not"


class NulRefusing(BaseModel):
    """A model none of whose strings may hold U+0000, checked after validation.

    Postgres text and jsonb cannot store U+0000, so a consumer would fail on it; refused
    here, it is a clear invalid event naming the field. Every contract is one, and so are the
    input models a service reads events from outside with (intake's raw topic).
    """

    # The fields that can hold a string, found once per class (`__pydantic_init_subclass__`).
    _texts: ClassVar[tuple[str, ...]] = ()
    _text_lists: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        found = text_fields(cls.__name__, cls.model_fields, NulRefusing, NUL_FREE_PATTERNS)
        cls._texts, cls._text_lists = found

    @model_validator(mode="after")
    def _no_nul_characters(self) -> Self:
        # On every consumer's hot path: only this model's string fields are read (nested
        # models check themselves), with a C-speed `in` each.
        values = self.__dict__
        for name in self._texts:
            value = values[name]
            if value is not None and NUL in value:
                raise nul_refused(self, (name,), value)
        for name in self._text_lists:
            for index, item in enumerate(values[name] or ()):
                if NUL in item:
                    raise nul_refused(self, (name, index), item)
        return self


class Contract(NulRefusing):
    """Base of every event body: immutable; a tolerant reader of fields added later; no
    string holds U+0000 (`NulRefusing`).

    Unknown fields are ignored so that adding an optional field to a version
    does not break the consumers already running (event-schemas/ and its test
    hold every version to that).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    stream: ClassVar[Stream]

    def subject(self) -> str:
        """The aggregate id: the CloudEvents subject and the Kafka key."""
        raise NotImplementedError


class PersonRef(Contract):
    """A person as events carry them: pseudonymous id plus department."""

    person_id: PseudonymousId
    department: DepartmentSlug


class RelationshipPair(Contract):
    """An unordered pair of departments, written in sorted order so each pair has one spelling."""

    department_a: DepartmentSlug
    department_b: DepartmentSlug

    @model_validator(mode="after")
    def _sorted_and_distinct(self) -> RelationshipPair:
        if not self.department_a < self.department_b:
            raise ValueError("department_a must sort strictly before department_b")
        return self
