"""Planned changes' rows in the read model. Each write is order-independent on its own: a
higher revision replaces a lower one, the earliest go-live and decision times win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.planned_changes import (
    ChangeIncidentRow,
    ChangeRow,
)

_SAVE_CHANGE = """
    INSERT INTO planned_changes (change_id, revision, department, owner_department, title, kind,
        affected_departments, planned_go_live, recorded_at, source_tool, source_reference)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (change_id) DO UPDATE SET
        revision = EXCLUDED.revision, department = EXCLUDED.department,
        owner_department = EXCLUDED.owner_department, title = EXCLUDED.title,
        kind = EXCLUDED.kind, affected_departments = EXCLUDED.affected_departments,
        planned_go_live = EXCLUDED.planned_go_live, recorded_at = EXCLUDED.recorded_at,
        source_tool = EXCLUDED.source_tool, source_reference = EXCLUDED.source_reference
    WHERE planned_changes.revision < EXCLUDED.revision
"""

_SAVE_GO_LIVE = """
    INSERT INTO planned_change_go_lives (change_id, went_live_at) VALUES ($1, $2)
    ON CONFLICT (change_id) DO UPDATE
        SET went_live_at = LEAST(planned_change_go_lives.went_live_at, EXCLUDED.went_live_at)
"""

_SAVE_INCIDENT = """
    INSERT INTO change_incidents (incident_id, revision, department, occurred_at, change_id,
        ref_tool, ref_reference, ref_department)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (incident_id) DO UPDATE SET
        revision = EXCLUDED.revision, department = EXCLUDED.department,
        occurred_at = EXCLUDED.occurred_at, change_id = EXCLUDED.change_id,
        ref_tool = EXCLUDED.ref_tool, ref_reference = EXCLUDED.ref_reference,
        ref_department = EXCLUDED.ref_department
    WHERE change_incidents.revision < EXCLUDED.revision
"""

_SAVE_ENGAGED = """
    INSERT INTO planned_change_engagements (change_id, department, engaged_at) VALUES ($1, $2, $3)
    ON CONFLICT (change_id, department) DO UPDATE SET engaged_at =
        LEAST(COALESCE(planned_change_engagements.engaged_at, EXCLUDED.engaged_at),
              EXCLUDED.engaged_at)
"""

# A decision also engages (the earliest time stands for "engaged"); the latest word is the one
# on the highest version, then the latest in time, whatever order they arrive in.
_SAVE_DECISION = """
    INSERT INTO planned_change_engagements AS e
        (change_id, department, engaged_at, decision, decision_version, decided_at)
    VALUES ($1, $2, $5, $3, $4, $5)
    ON CONFLICT (change_id, department) DO UPDATE SET
        engaged_at = LEAST(COALESCE(e.engaged_at, EXCLUDED.engaged_at), EXCLUDED.engaged_at),
        decision = CASE WHEN {newer} THEN EXCLUDED.decision ELSE e.decision END,
        decision_version =
            CASE WHEN {newer} THEN EXCLUDED.decision_version ELSE e.decision_version END,
        decided_at = CASE WHEN {newer} THEN EXCLUDED.decided_at ELSE e.decided_at END
""".format(
    newer="(e.decided_at IS NULL OR (e.decision_version, e.decided_at)"
    " <= (EXCLUDED.decision_version, EXCLUDED.decided_at))"
)

_SAVE_PROPOSAL = """
    INSERT INTO planned_change_proposals (change_id, version) VALUES ($1, $2)
    ON CONFLICT (change_id) DO UPDATE
        SET version = GREATEST(planned_change_proposals.version, EXCLUDED.version)
"""

_SAVE_MODE = """
    INSERT INTO planned_change_modes (change_id, response_mode, decided_at) VALUES ($1, $2, $3)
    ON CONFLICT (change_id) DO UPDATE SET
        response_mode = EXCLUDED.response_mode, decided_at = EXCLUDED.decided_at
    WHERE planned_change_modes.decided_at <= EXCLUDED.decided_at
"""

_SAVE_CHECK_IN = """
    INSERT INTO planned_change_check_ins AS c (change_id, department, outcome, recorded_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (change_id, department) DO UPDATE SET
        outcome = EXCLUDED.outcome, recorded_at = EXCLUDED.recorded_at
    WHERE EXCLUDED.recorded_at < c.recorded_at
"""

# Who takes part in a change's engagement: redelivered or replayed in any order, a join keeps
# the earliest time heard of.
_SAVE_PARTICIPANT = """
    INSERT INTO change_participants AS p (change_id, person_id, department, role, joined_at)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (change_id, person_id, department, role) DO UPDATE
        SET joined_at = LEAST(p.joined_at, EXCLUDED.joined_at)
"""


async def save_changes(connection: Connection, changes: Sequence[ChangeRow]) -> None:
    await connection.executemany(
        _SAVE_CHANGE,
        [
            (c.change_id, c.revision, c.department, c.owner_department, c.title, c.kind,
             list(c.affected_departments), c.planned_go_live, c.recorded_at, c.source_tool,
             c.source_reference)
            for c in changes
        ],
    )  # fmt: skip


async def save_go_lives(connection: Connection, go_lives: Sequence[tuple[UUID, datetime]]) -> None:
    await connection.executemany(_SAVE_GO_LIVE, list(go_lives))


async def save_incidents(connection: Connection, links: Sequence[ChangeIncidentRow]) -> None:
    await connection.executemany(
        _SAVE_INCIDENT,
        [
            (i.incident_id, i.revision, i.department, i.occurred_at, i.change_id, i.ref_tool,
             i.ref_reference, i.ref_department)
            for i in links
        ],
    )  # fmt: skip


async def save_engaged(
    connection: Connection, engaged: Sequence[tuple[UUID, str, datetime]]
) -> None:
    """(change, department, when) a department's engagement began."""
    await connection.executemany(_SAVE_ENGAGED, list(engaged))


async def save_decisions(
    connection: Connection, decisions: Sequence[tuple[UUID, str, str, int, datetime]]
) -> None:
    """(change, department, 'consented' | 'objected', version, when)."""
    await connection.executemany(_SAVE_DECISION, list(decisions))


async def save_proposals(connection: Connection, proposals: Sequence[tuple[UUID, int]]) -> None:
    """(change, version) of each proposal."""
    await connection.executemany(_SAVE_PROPOSAL, list(proposals))


async def save_modes(connection: Connection, modes: Sequence[tuple[UUID, str, datetime]]) -> None:
    """(change, response mode, when agreements decided it)."""
    await connection.executemany(_SAVE_MODE, list(modes))


async def save_check_ins(
    connection: Connection, check_ins: Sequence[tuple[UUID, str, str, datetime]]
) -> None:
    """(change, department, outcome, when) of follow-up's check-in after go-live."""
    await connection.executemany(_SAVE_CHECK_IN, list(check_ins))


async def save_participants(
    connection: Connection, joined: Sequence[tuple[UUID, str, str, str, datetime]]
) -> None:
    """(change, person id, department they speak for, role, when they joined)."""
    await connection.executemany(_SAVE_PARTICIPANT, list(joined))
