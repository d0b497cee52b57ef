"""How a tool's item becomes an incident: the per-department mapping and its defaults.

Adapters turn each tool's payload into a `ToolItem` (what the tool said, in its own
terms); `to_submission` turns that into an `IncidentSubmission` with the department's
`ToolMapping`: which labels, components, categories or services mean which category,
which priorities mean which severity, who the tool's users are, and which
departments were affected. A tool user the mapping does not name becomes a keyed
pseudonym (`domain/pseudonyms.py`); the tool's own id goes no further. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bridgework.common.contracts import (
    DepartmentSlug,
    IncidentCategory,
    ResponseMode,
    Severity,
)
from bridgework.intake.domain.answers import ANSWER_LIMIT, answers_from_text
from bridgework.intake.domain.change_refs import change_ref_of
from bridgework.intake.domain.errors import FieldError, invalid_fields
from bridgework.intake.domain.incidents import IncidentSubmission, PersonInput
from bridgework.intake.domain.pseudonyms import PseudonymKey

SUMMARY_LIMIT = 4000
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
MappingKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Tool(StrEnum):
    """The tools intake has webhook adapters for."""

    GITHUB = "github"
    JIRA = "jira"
    SERVICENOW = "servicenow"
    PAGERDUTY = "pagerduty"


@dataclass(frozen=True)
class ToolItem:
    """One item (issue, ticket, incident) as a tool described it, before mapping."""

    tool: Tool
    reference: str
    summary: str
    occurred_at: datetime
    url: str | None = None
    updated_at: datetime | None = None
    # Labels, components, categories, services, teams: in the tool's order.
    tags: tuple[str, ...] = ()
    # Priority, urgency, severity fields, most telling first; tags are tried after them.
    severity_hints: tuple[str, ...] = ()
    # The tool's own user ids.
    responsible: tuple[str, ...] = ()
    reporter: str | None = None
    affected: tuple[str, ...] = ()
    # Values the tool gives as department names (e.g. ServiceNow's caller department).
    department_names: tuple[str, ...] = ()
    # Free text that may hold answers under question headings.
    text: str | None = None
    # Answers the tool carries in fields of their own.
    answers: Mapping[str, str] = field(default_factory=dict)
    # The planned change the item came from, as the same tool references it (a tag
    # `change:<reference>` says so too): the incident's `change_ref`.
    change_reference: str | None = None


@dataclass(frozen=True)
class Ignored:
    """A delivery that is fine but is not an incident (a ping, a deletion, an untagged item)."""

    reason: str


class ToolMapping(BaseModel):
    """A department's mapping of one tool's fields; every field is optional.

    Keys of the `*_from` tables are matched case-insensitively, with spaces,
    hyphens and underscores treated alike (`Shadow IT` = `shadow-it`), and also
    after a `prefix:` (`severity: high` matches `high`). A department's table is
    laid over the tool's defaults: its keys win, the defaults' others remain.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    category_from: dict[MappingKey, IncidentCategory] = Field(
        default_factory=dict,
        max_length=2000,
        description="Tag (label, component, category, service) -> incident category.",
    )
    default_category: IncidentCategory | None = Field(
        default=None, description="When no tag names a category."
    )
    severity_from: dict[MappingKey, Severity] = Field(
        default_factory=dict,
        max_length=2000,
        description="Priority, urgency or severity label -> severity.",
    )
    default_severity: Severity | None = Field(
        default=None, description="When nothing names a severity."
    )
    affected_departments_from: dict[MappingKey, DepartmentSlug] = Field(
        default_factory=dict,
        max_length=2000,
        description="Tag or department name in the tool -> affected department.",
    )
    affected_department_prefix: MappingKey | None = Field(
        default=None,
        description="Tags starting with this name an affected department: `affects:finance`.",
    )
    response_mode_from: dict[MappingKey, ResponseMode] = Field(
        default_factory=dict, max_length=200, description="Tag -> response mode so far."
    )
    people: dict[MappingKey, PersonInput] = Field(
        default_factory=dict,
        max_length=100_000,
        description="The tool's user id (or the keyed pseudonym Bridgework shows for it) -> "
        "pseudonymous person. Others become keyed pseudonyms `u-<tool>-<digest>`.",
    )
    people_department: DepartmentSlug | None = Field(
        default=None,
        description="Department of tool users not in `people`; default: the reporting one.",
    )
    reporter_is_affected: bool | None = Field(
        default=None,
        description="Whether the person who opened the item counts as affected (default yes).",
    )
    require_tag: MappingKey | None = Field(
        default=None, description="Only items carrying this tag become incidents."
    )

    def over(self, defaults: ToolMapping) -> ToolMapping:
        """This mapping laid over `defaults`: tables merged (ours win), set scalars replace."""
        merged: dict[str, Any] = {}
        for name in type(self).model_fields:
            mine, theirs = getattr(self, name), getattr(defaults, name)
            if isinstance(mine, dict):
                merged[name] = {**theirs, **mine}
            else:
                merged[name] = mine if mine is not None else theirs
        return ToolMapping.model_validate(merged)


def normalise(value: str) -> str:
    """The form tags and table keys are compared in."""
    return re.sub(r"[\s_\-]+", "_", value.strip().lower()).strip("_")


_COMMON_CATEGORIES: dict[str, IncidentCategory] = {
    **{category.value: category for category in IncidentCategory},
    "shadow_it": IncidentCategory.SHADOW_IT,
    "unapproved_tool": IncidentCategory.SHADOW_IT,
    "access": IncidentCategory.ACCESS_RESTRICTION,
    "lockout": IncidentCategory.ACCESS_RESTRICTION,
    "data_breach": IncidentCategory.DATA_HANDLING,
    "privacy": IncidentCategory.DATA_HANDLING,
    "downtime": IncidentCategory.OUTAGE,
    "policy": IncidentCategory.POLICY_BREACH,
    "comms": IncidentCategory.COMMUNICATION,
}
_COMMON_SEVERITIES: dict[str, Severity] = {
    **{severity.value: severity for severity in Severity},
    "medium": Severity.MODERATE,
    "critical": Severity.SEVERE,
    "sev1": Severity.SEVERE,
    "sev2": Severity.HIGH,
    "sev3": Severity.MODERATE,
    "sev4": Severity.LOW,
    "sev5": Severity.LOW,
    "p1": Severity.SEVERE,
    "p2": Severity.HIGH,
    "p3": Severity.MODERATE,
    "p4": Severity.LOW,
    "p5": Severity.LOW,
}
DEFAULTS: dict[Tool, ToolMapping] = {
    Tool.GITHUB: ToolMapping(
        category_from=_COMMON_CATEGORIES,
        default_category=IncidentCategory.OTHER,
        severity_from=_COMMON_SEVERITIES,
        default_severity=Severity.MODERATE,
        affected_department_prefix="affects:",
        reporter_is_affected=True,
    ),
    Tool.JIRA: ToolMapping(
        category_from=_COMMON_CATEGORIES,
        default_category=IncidentCategory.OTHER,
        severity_from={
            **_COMMON_SEVERITIES,
            "highest": Severity.SEVERE,
            "blocker": Severity.SEVERE,
            "major": Severity.HIGH,
            "minor": Severity.LOW,
            "lowest": Severity.LOW,
            "trivial": Severity.LOW,
        },
        default_severity=Severity.MODERATE,
        affected_department_prefix="affects:",
        reporter_is_affected=True,
    ),
    Tool.SERVICENOW: ToolMapping(
        # An ITSM incident is an unplanned interruption; its stock categories name what broke.
        category_from={
            **_COMMON_CATEGORIES,
            "network": IncidentCategory.OUTAGE,
            "hardware": IncidentCategory.OUTAGE,
            "software": IncidentCategory.OUTAGE,
            "database": IncidentCategory.OUTAGE,
        },
        default_category=IncidentCategory.OTHER,
        severity_from={
            **_COMMON_SEVERITIES,
            "1": Severity.SEVERE,
            "2": Severity.HIGH,
            "3": Severity.MODERATE,
            "4": Severity.LOW,
            "5": Severity.LOW,
            "1_critical": Severity.SEVERE,
            "2_high": Severity.HIGH,
            "3_moderate": Severity.MODERATE,
            "4_low": Severity.LOW,
            "5_planning": Severity.LOW,
        },
        default_severity=Severity.MODERATE,
        affected_department_prefix="affects:",
        reporter_is_affected=True,
    ),
    Tool.PAGERDUTY: ToolMapping(
        category_from=_COMMON_CATEGORIES,
        # PagerDuty pages people when something is down.
        default_category=IncidentCategory.OUTAGE,
        severity_from=_COMMON_SEVERITIES,
        default_severity=Severity.MODERATE,
        affected_department_prefix="affects:",
        reporter_is_affected=False,
    ),
}


def effective_mapping(tool: Tool, configured: ToolMapping | None) -> ToolMapping:
    """The mapping in force for a department: its own laid over the tool's defaults."""
    defaults = DEFAULTS[tool]
    return configured.over(defaults) if configured is not None else defaults


def to_submission(
    item: ToolItem, mapping: ToolMapping, *, department: str, pseudonyms: PseudonymKey
) -> IncidentSubmission:
    """The incident `item` describes for `department`, its unmapped users as `pseudonyms`
    makes them; a DomainError names what cannot be."""
    categories = _table(mapping.category_from)
    severities = _table(mapping.severity_from)
    modes = _table(mapping.response_mode_from)
    errors: list[FieldError] = []
    affected_departments = _affected_departments(item, mapping, errors)
    affected = list(item.affected)
    if mapping.reporter_is_affected and item.reporter:
        affected.append(item.reporter)
    answers = {
        **answers_from_text(item.text),
        **{k: _clip(v.strip(), ANSWER_LIMIT) for k, v in item.answers.items() if v.strip()},
    }
    body: dict[str, Any] = {
        "department": department,
        "category": _first_match(item.tags, categories) or mapping.default_category,
        "severity": _first_match((*item.severity_hints, *item.tags), severities)
        or mapping.default_severity,
        "summary": _clip(item.summary.strip(), SUMMARY_LIMIT),
        "occurred_at": item.occurred_at,
        "responsible": people_of(
            item.tool, item.responsible, mapping, department=department, pseudonyms=pseudonyms
        ),
        "affected_people": people_of(
            item.tool, affected, mapping, department=department, pseudonyms=pseudonyms
        ),
        "affected_departments": affected_departments,
        "response_mode": _first_match(item.tags, modes),
        "answers": answers or None,
        "source": {"tool": item.tool.value, "reference": item.reference, "url": item.url},
        "source_updated_at": item.updated_at,
        "change_ref": change_ref_of(item.tool.value, item.change_reference, item.tags),
    }
    try:
        submission = IncidentSubmission.model_validate(body)
    except ValidationError as invalid:
        errors.extend(
            {"loc": ("incident", *error["loc"]), "msg": error["msg"]} for error in invalid.errors()
        )
    if errors:
        raise invalid_fields(errors)
    return submission


def carries_required_tag(item: ToolItem, mapping: ToolMapping) -> bool:
    """False when the mapping wants a tag the item lacks (then it is not an incident)."""
    if mapping.require_tag is None:
        return True
    wanted = normalise(mapping.require_tag)
    return any(normalise(tag) == wanted for tag in item.tags)


def people_of(
    tool: Tool,
    user_ids: Iterable[str],
    mapping: ToolMapping,
    *,
    department: str,
    pseudonyms: PseudonymKey,
) -> list[dict[str, str]]:
    """The people behind a tool's user ids: as the mapping's `people` names them (by raw id,
    or by the pseudonym a department saw in Bridgework), else as keyed pseudonyms placed in
    `people_department` (default: `department`). No raw id is in the result."""
    unmapped_department = mapping.people_department or department
    people: list[dict[str, str]] = []
    for user_id in user_ids:
        pseudonym = pseudonyms.person_id(tool.value, user_id)
        known = mapping.people.get(user_id) or mapping.people.get(pseudonym)
        if known is not None:
            people.append({"person_id": known.person_id, "department": known.department})
        else:
            people.append({"person_id": pseudonym, "department": unmapped_department})
    return people


def slugify(name: str) -> str:
    """A department name as a slug: `Finance & Payroll` -> `finance-payroll`."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")[:40].rstrip("-")


def _table(table: Mapping[str, Any]) -> dict[str, Any]:
    return {normalise(key): value for key, value in table.items()}


def _first_match(values: Iterable[str], table: Mapping[str, Any]) -> Any:
    for value in values:
        key = normalise(value)
        if key in table:
            return table[key]
        _, colon, after = value.rpartition(":")
        if colon and normalise(after) in table:
            return table[normalise(after)]
    return None


def _affected_departments(
    item: ToolItem, mapping: ToolMapping, errors: list[FieldError]
) -> list[str]:
    named = _table(mapping.affected_departments_from)
    prefix = (
        mapping.affected_department_prefix.lower() if mapping.affected_department_prefix else None
    )
    found: list[str] = []
    for tag in item.tags:
        if normalise(tag) in named:
            found.append(named[normalise(tag)])
        elif prefix and tag.strip().lower().startswith(prefix):
            found.append(_department_slug(tag.strip()[len(prefix) :], errors, source=tag))
    for name in item.department_names:
        found.append(named.get(normalise(name)) or _department_slug(name, errors, source=name))
    return sorted({slug for slug in found if slug})


def _department_slug(name: str, errors: list[FieldError], *, source: str) -> str:
    slug = slugify(name)
    if not _SLUG.match(slug):
        errors.append(
            {
                "loc": ("incident", "affected_departments"),
                "msg": f"{source!r} names no department slug; map it in affected_departments_from",
            }
        )
        return ""
    return slug


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
