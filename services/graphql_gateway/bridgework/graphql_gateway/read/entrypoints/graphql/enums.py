"""The contracts' own enums as GraphQL enums, named by their wire values (`with`,
`shadow_it`), so a query reads the same words as the events and the docs.

Every module of the schema imports them from here, so each is registered once, before
any type or argument refers to it.
"""

from __future__ import annotations

import strawberry

from bridgework.common.contracts import (
    Channel,
    CheckInOutcome,
    IncidentCategory,
    NudgeKind,
    ParticipantRole,
    Question,
    RepairOutcome,
    ResponseMode,
    Severity,
)

for _enum in (
    IncidentCategory, Severity, ParticipantRole, Question, RepairOutcome, NudgeKind, Channel,
    CheckInOutcome,
):  # fmt: skip
    strawberry.enum(_enum, graphql_name_from="value")
strawberry.enum(
    ResponseMode,
    graphql_name_from="value",
    description="The social discipline window: with (restorative), to (punitive), "
    "for (permissive), not (neglectful).",
)

__all__ = [
    "Channel",
    "CheckInOutcome",
    "IncidentCategory",
    "NudgeKind",
    "ParticipantRole",
    "Question",
    "RepairOutcome",
    "ResponseMode",
    "Severity",
]
