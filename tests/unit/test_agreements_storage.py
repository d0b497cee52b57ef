"""A repair survives its trip through the stored workflow document unchanged."""

from __future__ import annotations

import json
from datetime import timedelta

from bridgework.agreements.domain.closing import close_repair
from bridgework.agreements.domain.consent import decline_consent, give_consent
from bridgework.agreements.domain.followup_news import record_check_in, record_lapse
from bridgework.agreements.domain.imposition import impose_outcome
from bridgework.agreements.domain.proposals import propose_renegotiation
from bridgework.agreements.domain.repair import CloseReason, Repair
from bridgework.agreements.repository.repairs import repair_from_row, workflow_document
from bridgework.common.contracts import RepairOutcome
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    check_in,
    draft,
    lapse,
    new_ids,
    only_commitment,
    reached,
    with_people,
)
from tests.factories import sealed


def stored_and_loaded(repair: Repair) -> Repair:
    # Through JSON text, as Postgres's jsonb would hand it back.
    document = json.loads(json.dumps(workflow_document(repair)))
    row = {
        "repair_id": repair.repair_id,
        "incident_ids": list(repair.incident_ids),
        "category": repair.category.value,
        "opened_at": repair.opened_at,
        "agreement_due_by": repair.agreement_due_by,
        "departments": list(repair.departments),
        "relationship_a": [p.department_a for p in repair.relationships],
        "relationship_b": [p.department_b for p in repair.relationships],
        "recurrence_of": list(repair.recurrence_of),
        "workflow": document,
    }
    return repair_from_row(row)


def test_a_repair_with_its_whole_history_round_trips() -> None:
    repair = reached()
    commitment = only_commitment(repair)
    repair = record_lapse(repair, lapse(repair, commitment))
    repair = propose_renegotiation(
        repair,
        actor=FACILITATOR,
        commitment_id=commitment.commitment_id,
        action=None,
        due_at=NOW + timedelta(days=60),
        reason=sealed("Audit season."),
        now=NOW,
    ).repair
    repair = decline_consent(
        repair, participant=AFFECTED, version=2, reason=sealed("Too late for us."), now=NOW
    ).repair
    repair = give_consent(repair, participant=RESPONSIBLE, version=2, now=NOW).repair
    repair = record_check_in(repair, check_in(repair.repair_id))

    assert stored_and_loaded(repair) == repair


def test_an_imposed_and_closed_repair_round_trips() -> None:
    repair = impose_outcome(
        with_people(),
        decided_by=FACILITATOR,
        roles=frozenset({"facilitator"}),
        reason=sealed("Decided."),
        drafts=[draft()],
        now=NOW,
        new_id=new_ids(),
    ).repair
    repair = close_repair(
        repair,
        actor=FACILITATOR,
        outcome=RepairOutcome.RETURNED_TO_FORMAL_PROCESS,
        reason_code=CloseReason.UNSAFE_TO_CONTINUE,
        reason=None,
        now=NOW,
    ).repair

    assert stored_and_loaded(repair) == repair
