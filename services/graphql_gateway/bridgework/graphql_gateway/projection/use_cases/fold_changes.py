"""Fold planned changes into the read model: intake's change facts, agreements' engagement
events (and who takes part in each), follow-up's check-ins after go-live, and the change each
incident names. Runs in the consumer's transaction, beside fold_events (which ignores these
facts but incidents)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import ChangeFacts, ChangeWentLiveV1, Contract, IncidentFacts
from bridgework.common.contracts.changes_followup import ChangeCheckInRecordedV1
from bridgework.common.contracts.engagements import (
    AdjustmentProposedV1,
    ChangeModeDecidedV1,
    DepartmentConsentedV1,
    DepartmentObjectedV1,
    EngagementAnsweredV1,
    EngagementRole,
    RepresentativeJoinedV1,
)
from bridgework.common.contracts.privacy import person_digest
from bridgework.common.events import Event
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.planned_changes import (
    change_incident_row,
    change_row,
)
from bridgework.graphql_gateway.projection.repository import planned_changes as rows
from bridgework.graphql_gateway.projection.repository import privacy as privacy_rows


async def fold_changes(*, connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Write the batch's change, engagement and incident-link facts."""
    facts = [e.data for e in events]
    changes = [change_row(f) for f in facts if isinstance(f, ChangeFacts)]
    links = [
        row
        for f in facts
        if isinstance(f, IncidentFacts) and (row := change_incident_row(f)) is not None
    ]
    go_lives = [(f.change_id, f.went_live_at) for f in facts if isinstance(f, ChangeWentLiveV1)]
    # Agreements' decision carries the go-live too: either fact alone marks the change live.
    go_lives += [(f.change_id, f.went_live_at) for f in facts if isinstance(f, ChangeModeDecidedV1)]
    modes = [
        (f.change_id, f.response_mode.value, f.went_live_at)
        for f in facts
        if isinstance(f, ChangeModeDecidedV1)
    ]
    engaged = [
        (f.change_id, f.department, f.joined_at)
        for f in facts
        if isinstance(f, RepresentativeJoinedV1) and f.role is EngagementRole.REPRESENTATIVE
    ] + [
        (f.change_id, f.department, f.answered_at)
        for f in facts
        if isinstance(f, EngagementAnsweredV1)
    ]
    decisions = [
        (f.change_id, f.department, "consented", f.version, f.consented_at)
        for f in facts
        if isinstance(f, DepartmentConsentedV1)
    ] + [
        (f.change_id, f.department, "objected", f.version, f.objected_at)
        for f in facts
        if isinstance(f, DepartmentObjectedV1)
    ]
    proposals = [(f.change_id, f.version) for f in facts if isinstance(f, AdjustmentProposedV1)]
    # Follow-up's check-in after go-live: the outcome only (the comment stays sealed, unread).
    check_ins = [
        (f.change_id, f.department, f.outcome.value, f.recorded_at)
        for f in facts
        if isinstance(f, ChangeCheckInRecordedV1)
    ]
    # Every role takes part (the owner's side too), each for the department they speak for.
    joined = [
        (f.change_id, f.participant.person_id, f.department, f.role.value, f.joined_at)
        for f in facts
        if isinstance(f, RepresentativeJoinedV1)
    ]
    if joined:
        joined = await _tombstoned(connection, joined)
    # Sorted by key, so two batches touching the same rows lock them in the same order.
    await rows.save_changes(connection, sorted(changes, key=lambda c: (c.change_id, c.revision)))
    await rows.save_go_lives(connection, sorted(go_lives))
    await rows.save_incidents(connection, sorted(links, key=lambda i: (i.incident_id, i.revision)))
    await rows.save_engaged(connection, sorted(engaged))
    await rows.save_decisions(connection, sorted(decisions))
    await rows.save_proposals(connection, sorted(proposals))
    await rows.save_modes(connection, sorted(modes))
    await rows.save_check_ins(connection, sorted(check_ins))
    await rows.save_participants(connection, sorted(joined))


async def _tombstoned(
    connection: Connection, joined: list[tuple[UUID, str, str, str, datetime]]
) -> list[tuple[UUID, str, str, str, datetime]]:
    """Erased people joined as their tombstone, so a replay that meets the erasure first ends
    as one that meets it last (its rewrite). Holds erasures out until the batch commits."""
    erased = await privacy_rows.hold_out_erasures(connection)
    return [
        (change, erased.get(person_digest(person), person), department, role, at)
        for change, person, department, role, at in joined
    ]
