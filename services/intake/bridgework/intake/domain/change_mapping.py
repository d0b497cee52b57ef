"""How a tool's change item becomes a ChangeSubmission, with the department's ToolMapping.

The same mapping as the tool's incidents (`domain/mapping.py`): its `people` and
`people_department` say who the owner is (others become keyed pseudonyms), its
`affected_departments_from` and `affected_department_prefix` (`affects:finance`) which
departments a change affects. A change's kind comes from the tool's own field, else a tag
(`kind:control`, `control`, or a synonym below), else `rollout`. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bridgework.common.contracts import ChangeKind
from bridgework.intake.domain.changes import TITLE_LIMIT, ChangeSubmission
from bridgework.intake.domain.errors import FieldError, invalid_fields
from bridgework.intake.domain.mapping import Tool, ToolMapping, normalise, people_of, slugify
from bridgework.intake.domain.pseudonyms import PseudonymKey

_KINDS: dict[str, ChangeKind] = {
    **{kind.value: kind for kind in ChangeKind},
    "security": ChangeKind.CONTROL,
    "security_control": ChangeKind.CONTROL,
    "mfa": ChangeKind.CONTROL,
    "release": ChangeKind.ROLLOUT,
    "deployment": ChangeKind.ROLLOUT,
    "new_tool": ChangeKind.ROLLOUT,
    "decommission": ChangeKind.RETIREMENT,
    "sunset": ChangeKind.RETIREMENT,
    "retire": ChangeKind.RETIREMENT,
    "compliance": ChangeKind.POLICY,
    "permissions": ChangeKind.ACCESS,
    "iam": ChangeKind.ACCESS,
}
DEFAULT_KIND = ChangeKind.ROLLOUT


@dataclass(frozen=True)
class ChangeToolItem:
    """One change (change request, issue, pull request) as a tool described it."""

    tool: Tool
    reference: str
    title: str
    url: str | None = None
    updated_at: datetime | None = None
    planned_go_live: datetime | None = None
    went_live_at: datetime | None = None
    # Labels, components, categories, in the tool's order: kind and affected departments.
    tags: tuple[str, ...] = ()
    # The tool's own field naming the kind, when it has one (tried before the tags).
    kind_hint: str | None = None
    # The tool's user id of the owner, and their department's name in the tool.
    owner: str | None = None
    owner_department_name: str | None = None
    # Values the tool gives as affected departments' names.
    department_names: tuple[str, ...] = ()


def to_change_submission(
    item: ChangeToolItem, mapping: ToolMapping, *, department: str, pseudonyms: PseudonymKey
) -> ChangeSubmission:
    """The change `item` describes for `department`; a DomainError names each failing field
    (as `change.<field>`)."""
    errors: list[FieldError] = []
    owner: dict[str, str] | None = None
    if item.owner:
        [owner] = people_of(
            item.tool, [item.owner], mapping, department=department, pseudonyms=pseudonyms
        )
        if item.owner_department_name and item.owner not in mapping.people:
            named = _departments([item.owner_department_name], mapping, errors)
            owner["department"] = named[0] if named else owner["department"]
    body: dict[str, Any] = {
        "department": department,
        "title": _clip(item.title.strip(), TITLE_LIMIT),
        "kind": change_kind(item.kind_hint, item.tags),
        "owner": owner,
        "affected_departments": _affected(item, mapping, errors),
        "planned_go_live": item.planned_go_live,
        "went_live_at": item.went_live_at,
        "source": {"tool": item.tool.value, "reference": item.reference, "url": item.url},
        "source_updated_at": item.updated_at,
    }
    try:
        submission = ChangeSubmission.model_validate(body)
    except ValidationError as invalid:
        errors.extend(
            {"loc": ("change", *error["loc"]), "msg": error["msg"]} for error in invalid.errors()
        )
    if errors:
        raise invalid_fields(errors)
    return submission


def change_kind(hint: str | None, tags: tuple[str, ...]) -> ChangeKind:
    """The kind the tool's field or tags name (`kind:access`, `access`, `iam`), else rollout."""
    for value in (hint, *tags) if hint else tags:
        _, colon, after = value.rpartition(":")
        for candidate in (value, after) if colon else (value,):
            if (found := _KINDS.get(normalise(candidate))) is not None:
                return found
    return DEFAULT_KIND


def _affected(item: ChangeToolItem, mapping: ToolMapping, errors: list[FieldError]) -> list[str]:
    named = {normalise(key): slug for key, slug in mapping.affected_departments_from.items()}
    prefix = (mapping.affected_department_prefix or "").lower()
    found: list[str] = [named[normalise(tag)] for tag in item.tags if normalise(tag) in named]
    tagged = [tag.strip()[len(prefix) :] for tag in item.tags if prefix and _has(tag, prefix)]
    found += _departments([*tagged, *item.department_names], mapping, errors)
    return sorted(set(found))


def _has(tag: str, prefix: str) -> bool:
    return tag.strip().lower().startswith(prefix)


def _departments(names: list[str], mapping: ToolMapping, errors: list[FieldError]) -> list[str]:
    named = {normalise(key): slug for key, slug in mapping.affected_departments_from.items()}
    slugs: list[str] = []
    for name in names:
        slug = named.get(normalise(name)) or slugify(name)
        if slug and slug[0].isalpha():
            slugs.append(slug)
        else:
            errors.append(
                {
                    "loc": ("change", "affected_departments"),
                    "msg": f"{name!r} names no department; map it in affected_departments_from",
                }
            )
    return slugs


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
