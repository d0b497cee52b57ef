"""The rows of a repair's state, and which of them a batch writes: only those that differ
from what is stored, then one COPY and one upsert per table (statements.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.state import (
    AgreementState,
    CheckInState,
    CommitmentState,
    ConsentState,
    NudgeState,
    OfferState,
    Person,
    ProposalState,
    RepairState,
)
from bridgework.graphql_gateway.projection.repository.statements import (
    AGREEMENTS,
    CHECK_INS,
    COMMITMENTS,
    CONSENTS,
    FACILITATION_OFFERS,
    NUDGES,
    PARTICIPANTS,
    PROPOSALS,
    RECURRENCES,
    RELATIONSHIPS,
    REPAIR_INCIDENTS,
    REPAIRS,
    StagedUpsert,
)

Row = tuple[Any, ...]


def people_json(people: Iterable[Person]) -> list[dict[str, str]]:
    """People as the read model's JSON holds them."""
    return [{"person_id": p.person_id, "department": p.department} for p in people]


def sealed_json(sealed: Sealed | None) -> dict[str, Any] | None:
    """A confidential text as the read model keeps it: sealed, as it came (jsonb)."""
    return None if sealed is None else sealed.model_dump(mode="json")


def _repair_row(state: RepairState, first_reported_at: datetime | None) -> Row:
    decision = state.decision()
    imposed = state.imposed
    closed = state.closed
    # state.status and state.response_mode, without finding the decision again for each.
    response_mode: str | None
    if closed is not None:
        status, response_mode = "closed", closed.response_mode
    else:
        status = decision[1] if decision else "open"
        response_mode = decision[2] if decision else None
    return (
        state.repair_id,
        status,
        state.opened_at,
        list(state.departments),
        state.category,
        state.agreement_due_by,
        list(state.recurrence_of),
        response_mode,
        decision[0] if decision else None,
        first_reported_at,
        state.first_reached_at,
        state.confirmed_at,
        None
        if imposed is None
        else {
            "decided_by": people_json([imposed.decided_by])[0],
            "response_mode": imposed.response_mode,
            "reason": sealed_json(imposed.reason),
            "imposed_at": imposed.imposed_at.isoformat(),
        },
        None
        if closed is None
        else {
            "outcome": closed.outcome,
            "reason_code": closed.reason_code,
            "reason": sealed_json(closed.reason),
            "response_mode": closed.response_mode,
            "closed_at": closed.closed_at.isoformat(),
        },
        closed.closed_at if closed else None,
        closed.outcome if closed else None,
    )


def _has_repair_row(state: RepairState) -> bool:
    return state.opened_at is not None or state.imposed is not None or state.closed is not None


def _proposal_row(rid: UUID, p: ProposalState) -> Row:
    return (
        p.agreement_id,
        p.version,
        rid,
        people_json([p.proposed_by])[0],
        p.proposed_at,
        people_json(p.consent_required_from),
        [c.model_dump(mode="json") for c in p.commitments],
    )


def _consent_row(rid: UUID, c: ConsentState) -> Row:
    return (
        c.agreement_id,
        c.version,
        c.person.person_id,
        rid,
        c.person.department,
        c.role,
        c.decision,
        sealed_json(c.reason),
        c.decided_at,
    )


def _agreement_row(rid: UUID, a: AgreementState) -> Row:
    return (
        a.agreement_id,
        rid,
        a.version,
        a.reached_at,
        a.first_reached_at,
        a.response_mode,
        people_json(a.consented_by),
    )


def _commitment_row(rid: UUID, m: CommitmentState) -> Row:
    return (
        m.commitment_id,
        rid,
        m.agreement_id,
        m.terms_version,
        m.owner.person_id,
        m.owner.department,
        people_json(m.owed_to),
        list(m.owed_to_departments),
        sealed_json(m.action),
        m.due_at,
        m.in_force_at,
        sealed_json(m.renegotiation_reason),
        m.kept_at,
        m.kept_on_time,
        m.lapsed_terms_version,
        m.lapsed_at,
        m.lapse_count,
        m.released_at,
        sealed_json(m.release_reason),
        m.status,
    )


def _nudge_row(rid: UUID, n: NudgeState) -> Row:
    return (
        n.nudge_id,
        rid,
        n.kind,
        n.commitment_id,
        n.terms_version,
        n.recipient.person_id,
        n.recipient.department,
        list(n.channels),
        n.sent_at,
    )


def _check_in_row(rid: UUID, k: CheckInState) -> Row:
    return (
        k.check_in_id,
        rid,
        k.person.person_id,
        k.person.department,
        k.outcome,
        sealed_json(k.comment),
        k.recorded_at,
    )


def _offer_row(rid: UUID, o: OfferState) -> Row:
    return (
        rid,
        o.person.person_id,
        o.offered_at,
        o.person.department,
        o.decision,
        o.answered_by,
        sealed_json(o.reason),
        o.answered_at,
    )


def _incident_link_row(rid: UUID, link: tuple[UUID, datetime | None]) -> Row:
    return (rid, *link)


def _participant_row(
    rid: UUID, participant: tuple[tuple[str, str], tuple[Person, datetime]]
) -> Row:
    (person_id, role), (person, joined_at) = participant
    return (rid, person_id, person.department, role, joined_at)


_MISSING: Any = object()


class RowWrites:
    """The rows a batch writes, by table and key (the last row of a key wins, as it would
    have in a row-by-row upsert), then one statement per table."""

    def __init__(self) -> None:
        self.tables: dict[StagedUpsert, dict[Any, Row]] = {}

    def put(self, table: StagedUpsert, row: Row) -> None:
        rows = self.tables.get(table)
        if rows is None:
            rows = self.tables[table] = {}
        rows[table.key(row)] = row

    def changed_items(
        self,
        table: StagedUpsert,
        rid: UUID,
        old: Mapping[Any, Any],
        new: Mapping[Any, Any],
        row_of: Callable[[UUID, Any], Row],
        *,
        with_key: bool = False,
    ) -> None:
        """Put the rows of `new` whose row differs from `old`'s. The states' values are
        immutable, so a value that is the very same object as before writes nothing."""
        if old is new:
            return
        for key, value in new.items():
            was = old.get(key, _MISSING)
            if was is value:
                continue
            row = row_of(rid, (key, value) if with_key else value)
            if was is not _MISSING and row_of(rid, (key, was) if with_key else was) == row:
                continue
            self.put(table, row)

    async def write(self, connection: Connection) -> None:
        tables = [(table, rows) for table, rows in self.tables.items() if rows]
        if not tables:
            return
        # Staging tables live as long as the connection (emptied at commit); creating them
        # if need be with every batch also survives a rolled-back creation.
        await connection.execute(";".join(table.create_staging for table, _ in tables))
        for table, rows in tables:
            await connection.copy_records_to_table(
                table.staging_table, records=table.encoded(rows.values())
            )
            await connection.execute(table.upsert)


def changed_rows(
    writes: RowWrites,
    before: RepairState | None,
    after: RepairState,
    first_reported_before: datetime | None,
    first_reported_after: datetime | None,
) -> None:
    """Put the rows of `after` that differ from those of `before` (None: nothing stored)."""
    rid = after.repair_id
    if _has_repair_row(after):
        row = _repair_row(after, first_reported_after)
        if (
            before is None
            or not _has_repair_row(before)
            or _repair_row(before, first_reported_before) != row
        ):
            writes.put(REPAIRS, row)
    if before is after:
        return  # only derived columns can change (a neighbour of the batch)
    old = before if before is not None else RepairState(repair_id=rid)
    writes.changed_items(
        REPAIR_INCIDENTS, rid, old.incidents, after.incidents, _incident_link_row, with_key=True
    )
    if after.recurrence_of != old.recurrence_of:
        earlier = set(old.recurrence_of)
        for earlier_id in after.recurrence_of:
            if earlier_id not in earlier:
                writes.put(RECURRENCES, (earlier_id, rid))
    if after.relationships != old.relationships:
        known = set(old.relationships)
        for department_a, department_b in after.relationships:
            if (department_a, department_b) not in known:
                writes.put(RELATIONSHIPS, (rid, department_a, department_b))
    writes.changed_items(
        PARTICIPANTS, rid, old.participants, after.participants, _participant_row, with_key=True
    )
    writes.changed_items(PROPOSALS, rid, old.proposals, after.proposals, _proposal_row)
    writes.changed_items(CONSENTS, rid, old.consents, after.consents, _consent_row)
    writes.changed_items(AGREEMENTS, rid, old.agreements, after.agreements, _agreement_row)
    writes.changed_items(COMMITMENTS, rid, old.commitments, after.commitments, _commitment_row)
    writes.changed_items(NUDGES, rid, old.nudges, after.nudges, _nudge_row)
    writes.changed_items(CHECK_INS, rid, old.check_ins, after.check_ins, _check_in_row)
    writes.changed_items(
        FACILITATION_OFFERS, rid, old.facilitation_offers, after.facilitation_offers, _offer_row
    )
