"""The statements that write a batch's rows: each table's rows are COPYed into a staging
table of the connection's session, then upserted from it in one statement (the last row
of a key wins, as in a row-by-row upsert). jsonb travels as text through the staging table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

Row = tuple[Any, ...]


@dataclass(frozen=True)
class StagedUpsert:
    """One table's staged upsert: its statements, its key's cells, its JSON cells."""

    table: str
    create_staging: str
    upsert: str
    key: Callable[[Row], Any]
    json_cells: tuple[int, ...] = ()

    @property
    def staging_table(self) -> str:
        return f"{self.table}_staged"

    def encoded(self, rows: Iterable[Row]) -> list[Row]:
        """The rows with their JSON cells as text, ready for COPY."""
        if not self.json_cells:
            return list(rows)
        encoded = []
        for row in rows:
            cells = list(row)
            for n in self.json_cells:
                if cells[n] is not None:
                    cells[n] = json.dumps(cells[n])
            encoded.append(tuple(cells))
        return encoded


REPAIRS = StagedUpsert(
    table="repairs",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS repairs_staged (
            repair_id uuid, status text, opened_at timestamptz,
            departments text[], category text, agreement_due_by timestamptz,
            recurrence_of uuid[], response_mode text, decided_at timestamptz,
            first_reported_at timestamptz, first_reached_at timestamptz,
            confirmed_at timestamptz, imposed text, closed text,
            closed_at timestamptz, outcome text
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO repairs (
            repair_id, status, opened_at, departments, category,
            agreement_due_by, recurrence_of, response_mode, decided_at,
            first_reported_at, first_reached_at, confirmed_at, imposed, closed,
            closed_at, outcome
        )
        SELECT
            repair_id, status, opened_at, departments, category,
            agreement_due_by, recurrence_of, response_mode, decided_at,
            first_reported_at, first_reached_at, confirmed_at, imposed::jsonb,
            closed::jsonb, closed_at, outcome
        FROM repairs_staged
        ON CONFLICT (repair_id) DO UPDATE SET
            status = EXCLUDED.status, opened_at = EXCLUDED.opened_at,
            departments = EXCLUDED.departments, category = EXCLUDED.category,
            agreement_due_by = EXCLUDED.agreement_due_by,
            recurrence_of = EXCLUDED.recurrence_of,
            response_mode = EXCLUDED.response_mode,
            decided_at = EXCLUDED.decided_at,
            first_reported_at = EXCLUDED.first_reported_at,
            first_reached_at = EXCLUDED.first_reached_at,
            confirmed_at = EXCLUDED.confirmed_at, imposed = EXCLUDED.imposed,
            closed = EXCLUDED.closed, closed_at = EXCLUDED.closed_at,
            outcome = EXCLUDED.outcome""",
    key=itemgetter(0),
    json_cells=(12, 13),
)

REPAIR_INCIDENTS = StagedUpsert(
    table="repair_incidents",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS repair_incidents_staged (
            repair_id uuid, incident_id uuid, linked_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO repair_incidents (
            repair_id, incident_id, linked_at
        )
        SELECT
            repair_id, incident_id, linked_at
        FROM repair_incidents_staged
        ON CONFLICT (repair_id, incident_id) DO UPDATE SET
            linked_at = EXCLUDED.linked_at""",
    key=itemgetter(0, 1),
    json_cells=(),
)

RECURRENCES = StagedUpsert(
    table="repair_recurrences",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS repair_recurrences_staged (
            earlier_id uuid, repair_id uuid
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO repair_recurrences (
            earlier_id, repair_id
        )
        SELECT
            earlier_id, repair_id
        FROM repair_recurrences_staged
        ON CONFLICT (earlier_id, repair_id) DO NOTHING""",
    key=itemgetter(0, 1),
    json_cells=(),
)

RELATIONSHIPS = StagedUpsert(
    table="repair_relationships",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS repair_relationships_staged (
            repair_id uuid, department_a text, department_b text
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO repair_relationships (
            repair_id, department_a, department_b
        )
        SELECT
            repair_id, department_a, department_b
        FROM repair_relationships_staged
        ON CONFLICT (repair_id, department_a, department_b) DO NOTHING""",
    key=itemgetter(0, 1, 2),
    json_cells=(),
)

PARTICIPANTS = StagedUpsert(
    table="participants",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS participants_staged (
            repair_id uuid, person_id text, department text, role text,
            joined_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO participants (
            repair_id, person_id, department, role, joined_at
        )
        SELECT
            repair_id, person_id, department, role, joined_at
        FROM participants_staged
        ON CONFLICT (repair_id, person_id, role) DO UPDATE SET
            department = EXCLUDED.department, joined_at = EXCLUDED.joined_at""",
    key=itemgetter(0, 1, 3),
    json_cells=(),
)

PROPOSALS = StagedUpsert(
    table="proposals",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS proposals_staged (
            agreement_id uuid, version int, repair_id uuid, proposed_by text,
            proposed_at timestamptz, consent_required_from text,
            commitments text
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO proposals (
            agreement_id, version, repair_id, proposed_by, proposed_at,
            consent_required_from, commitments
        )
        SELECT
            agreement_id, version, repair_id, proposed_by::jsonb, proposed_at,
            consent_required_from::jsonb, commitments::jsonb
        FROM proposals_staged
        ON CONFLICT (agreement_id, version) DO UPDATE SET
            repair_id = EXCLUDED.repair_id, proposed_by = EXCLUDED.proposed_by,
            proposed_at = EXCLUDED.proposed_at,
            consent_required_from = EXCLUDED.consent_required_from,
            commitments = EXCLUDED.commitments""",
    key=itemgetter(0, 1),
    json_cells=(3, 5, 6),
)

CONSENTS = StagedUpsert(
    table="consents",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS consents_staged (
            agreement_id uuid, version int, person_id text, repair_id uuid,
            department text, role text, decision text, reason text,
            decided_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO consents (
            agreement_id, version, person_id, repair_id, department, role,
            decision, reason, decided_at
        )
        SELECT
            agreement_id, version, person_id, repair_id, department, role,
            decision, reason::jsonb, decided_at
        FROM consents_staged
        ON CONFLICT (agreement_id, version, person_id) DO UPDATE SET
            repair_id = EXCLUDED.repair_id, department = EXCLUDED.department,
            role = EXCLUDED.role, decision = EXCLUDED.decision,
            reason = EXCLUDED.reason, decided_at = EXCLUDED.decided_at""",
    key=itemgetter(0, 1, 2),
    json_cells=(7,),
)

AGREEMENTS = StagedUpsert(
    table="agreements",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS agreements_staged (
            agreement_id uuid, repair_id uuid, version int,
            reached_at timestamptz, first_reached_at timestamptz,
            response_mode text, consented_by text
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO agreements (
            agreement_id, repair_id, version, reached_at, first_reached_at,
            response_mode, consented_by
        )
        SELECT
            agreement_id, repair_id, version, reached_at, first_reached_at,
            response_mode, consented_by::jsonb
        FROM agreements_staged
        ON CONFLICT (agreement_id) DO UPDATE SET
            repair_id = EXCLUDED.repair_id, version = EXCLUDED.version,
            reached_at = EXCLUDED.reached_at,
            first_reached_at = EXCLUDED.first_reached_at,
            response_mode = EXCLUDED.response_mode,
            consented_by = EXCLUDED.consented_by""",
    key=itemgetter(0),
    json_cells=(6,),
)

COMMITMENTS = StagedUpsert(
    table="commitments",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS commitments_staged (
            commitment_id uuid, repair_id uuid, agreement_id uuid,
            terms_version int, owner_id text, owner_department text,
            owed_to text, owed_to_departments text[], action text,
            due_at timestamptz, in_force_at timestamptz,
            renegotiation_reason text, kept_at timestamptz, kept_on_time bool,
            lapsed_terms_version int, lapsed_at timestamptz, lapse_count int,
            released_at timestamptz, release_reason text, status text
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO commitments (
            commitment_id, repair_id, agreement_id, terms_version, owner_id,
            owner_department, owed_to, owed_to_departments, action, due_at,
            in_force_at, renegotiation_reason, kept_at, kept_on_time,
            lapsed_terms_version, lapsed_at, lapse_count, released_at,
            release_reason, status
        )
        SELECT
            commitment_id, repair_id, agreement_id, terms_version, owner_id,
            owner_department, owed_to::jsonb, owed_to_departments, action::jsonb,
            due_at, in_force_at, renegotiation_reason::jsonb, kept_at, kept_on_time,
            lapsed_terms_version, lapsed_at, lapse_count, released_at,
            release_reason::jsonb, status
        FROM commitments_staged
        ON CONFLICT (commitment_id) DO UPDATE SET
            repair_id = EXCLUDED.repair_id,
            agreement_id = EXCLUDED.agreement_id,
            terms_version = EXCLUDED.terms_version,
            owner_id = EXCLUDED.owner_id,
            owner_department = EXCLUDED.owner_department,
            owed_to = EXCLUDED.owed_to,
            owed_to_departments = EXCLUDED.owed_to_departments,
            action = EXCLUDED.action, due_at = EXCLUDED.due_at,
            in_force_at = EXCLUDED.in_force_at,
            renegotiation_reason = EXCLUDED.renegotiation_reason,
            kept_at = EXCLUDED.kept_at, kept_on_time = EXCLUDED.kept_on_time,
            lapsed_terms_version = EXCLUDED.lapsed_terms_version,
            lapsed_at = EXCLUDED.lapsed_at, lapse_count = EXCLUDED.lapse_count,
            released_at = EXCLUDED.released_at,
            release_reason = EXCLUDED.release_reason, status = EXCLUDED.status""",
    key=itemgetter(0),
    json_cells=(6, 8, 11, 18),
)

NUDGES = StagedUpsert(
    table="nudges",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS nudges_staged (
            nudge_id uuid, repair_id uuid, kind text, commitment_id uuid,
            terms_version int, recipient_id text, recipient_department text,
            channels text[], sent_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO nudges (
            nudge_id, repair_id, kind, commitment_id, terms_version,
            recipient_id, recipient_department, channels, sent_at
        )
        SELECT
            nudge_id, repair_id, kind, commitment_id, terms_version,
            recipient_id, recipient_department, channels, sent_at
        FROM nudges_staged
        ON CONFLICT (nudge_id) DO UPDATE SET
            repair_id = EXCLUDED.repair_id, kind = EXCLUDED.kind,
            commitment_id = EXCLUDED.commitment_id,
            terms_version = EXCLUDED.terms_version,
            recipient_id = EXCLUDED.recipient_id,
            recipient_department = EXCLUDED.recipient_department,
            channels = EXCLUDED.channels, sent_at = EXCLUDED.sent_at""",
    key=itemgetter(0),
    json_cells=(),
)

CHECK_INS = StagedUpsert(
    table="check_ins",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS check_ins_staged (
            check_in_id uuid, repair_id uuid, person_id text, department text,
            outcome text, comment text, recorded_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO check_ins (
            check_in_id, repair_id, person_id, department, outcome, comment,
            recorded_at
        )
        SELECT
            check_in_id, repair_id, person_id, department, outcome, comment::jsonb,
            recorded_at
        FROM check_ins_staged
        ON CONFLICT (check_in_id) DO UPDATE SET
            repair_id = EXCLUDED.repair_id, person_id = EXCLUDED.person_id,
            department = EXCLUDED.department, outcome = EXCLUDED.outcome,
            comment = EXCLUDED.comment, recorded_at = EXCLUDED.recorded_at""",
    key=itemgetter(0),
    json_cells=(5,),
)

FACILITATION_OFFERS = StagedUpsert(
    table="facilitation_offers",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS facilitation_offers_staged (
            repair_id uuid, person_id text, offered_at timestamptz, department text,
            decision text, answered_by text, reason text, answered_at timestamptz
        ) ON COMMIT DELETE ROWS""",
    upsert="""
        INSERT INTO facilitation_offers (
            repair_id, person_id, offered_at, department, decision, answered_by, reason,
            answered_at
        )
        SELECT
            repair_id, person_id, offered_at, department, decision, answered_by, reason::jsonb,
            answered_at
        FROM facilitation_offers_staged
        ON CONFLICT (repair_id, person_id, offered_at) DO UPDATE SET
            department = EXCLUDED.department, decision = EXCLUDED.decision,
            answered_by = EXCLUDED.answered_by, reason = EXCLUDED.reason,
            answered_at = EXCLUDED.answered_at""",
    key=itemgetter(0, 1, 2),
    json_cells=(6,),
)
