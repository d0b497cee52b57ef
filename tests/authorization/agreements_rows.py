"""Agreements: who may do what on a repair (docs/agreements.md, "Who may do what").

Every route acting on a repair answers 404 to a person who may not see it, before any other
rule; then 403 for a person it does not allow; then the repair's state (409, an allowed
outcome here). Seeing: the change team, a lead of a department involved, the repair's
people, and any facilitator while the repair has none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bridgework.common.contracts import PersonRef
from tests.authorization.agreements_change_rows import change_rows
from tests.authorization.matrix import (
    ALLOWED,
    HIDDEN,
    UNAUTHENTICATED,
    Call,
    Credential,
    Outcome,
    Refused,
    Row,
    Target,
    cells,
    documentation_rows,
)
from tests.authorization.people import OFFICERS, PEOPLE, UNASSIGNED_FACILITATOR
from tests.authorization.world import NOW

COLUMNS = (Credential.ANONYMOUS, Credential.DEPARTMENT_TOKEN, *PEOPLE, *OFFICERS)
UNASSIGNED = frozenset({Credential.UNASSIGNED_FACILITATOR})

NOT_A_PARTICIPANT = Refused(403, "not_a_participant")
NOT_THE_FACILITATOR = Refused(403, "not_the_facilitator")
FACILITATOR_ONLY = Refused(403, "facilitator_only")
ASSIGNERS_ONLY = Refused(403, "change_team_or_lead_only")
ROLE_REQUIRED = Refused(403, "role_required")


def on_repair(**seeing: Outcome) -> dict[Credential, Outcome]:
    """401 without a person's token, 404 for a person who may not see the repair, and for
    those who may (change team, lead, facilitator, participant, and the unassigned
    facilitator on a repair with none) what `seeing` says."""
    return cells(
        COLUMNS,
        HIDDEN,
        anonymous=UNAUTHENTICATED,
        department_token=UNAUTHENTICATED,
        **seeing,
    )


def repair(tail: str = "", method: str = "POST", **body: object) -> Callable[[Target], Call]:
    """A call on the target repair's path (plus `tail`), with `body` as JSON."""

    def call(target: Target) -> Call:
        return Call(method, f"/v1/repairs/{target.repair_id}{tail}", json=body or None)

    return call


def person(who: PersonRef) -> dict[str, str]:
    return {"person_id": who.person_id, "department": who.department}


def _join(target: Target) -> Call:
    # Adding someone new; on a repair with no facilitator, taking the case oneself.
    who, role = (
        (target.newcomer, "supporter") if target.has_facilitator else (target.actor, "facilitator")
    )
    body = {"participant": person(who), "role": role}
    return Call("POST", f"/v1/repairs/{target.repair_id}/participants", json=body)


def _converse(target: Target) -> Call:
    body = {
        "participant": {"person_id": "p-fin-2", "department": "finance"},
        "answers": [{"question": "hardest_thing", "text": "Month end without the drive."}],
    }
    return Call("POST", f"/v1/repairs/{target.repair_id}/conversation", json=body)


def _commitment(target: Target, tail: str, **body: object) -> Call:
    path = f"/v1/repairs/{target.repair_id}/commitments/{target.commitment_id}/{tail}"
    return Call("POST", path, json=body)


COMMITMENT = {
    "owner": {"person_id": "p-it-7", "department": "it"},
    "owed_to": [{"person_id": "p-fin-2", "department": "finance"}],
    "owed_to_departments": ["finance"],
    "action": "Announce device lock-downs a week ahead.",
    "due_at": (NOW + timedelta(days=40)).isoformat(),
}
DUE_LATER = (NOW + timedelta(days=50)).isoformat()

ROWS: list[Row] = [
    *documentation_rows(COLUMNS),
    Row(
        "GET /v1/repairs",
        lambda _: Call("GET", "/v1/repairs"),
        cells(
            COLUMNS,
            Refused(403, "change_team_only"),
            anonymous=UNAUTHENTICATED,
            department_token=UNAUTHENTICATED,
            change_team=ALLOWED,
        ),
    ),
    Row(
        "GET /v1/repairs/{repair_id}",
        repair(method="GET"),
        on_repair(
            change_team=ALLOWED,
            lead=ALLOWED,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=ALLOWED,
        ),
    ),
    Row(
        "GET /v1/incidents/{incident_id}/repair",
        lambda t: Call("GET", f"/v1/incidents/{t.incident_id}/repair"),
        on_repair(
            change_team=ALLOWED,
            lead=ALLOWED,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=ALLOWED,
        ),
    ),
    Row(
        "GET /v1/repairs/{repair_id}/conversation",
        repair("/conversation", method="GET"),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/participants",
        _join,
        on_repair(
            change_team=NOT_THE_FACILITATOR,
            lead=NOT_THE_FACILITATOR,
            facilitator=ALLOWED,
            participant=NOT_THE_FACILITATOR,
            unassigned_facilitator=Refused(403, "facilitator_needs_assignment"),
        ),
        fresh=UNASSIGNED,
    ),
    Row(
        "POST /v1/repairs/{repair_id}/conversation",
        _converse,
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/incidents",
        lambda t: Call(
            "POST", f"/v1/repairs/{t.repair_id}/incidents", json={"incident_id": str(t.incident_id)}
        ),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=FACILITATOR_ONLY,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/agreement",
        repair("/agreement", commitments=[COMMITMENT]),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/agreement/consents",
        repair("/agreement/consents", version=1, decision="give"),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=Refused(403, "consent_not_asked"),
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/impose",
        repair("/impose", reason="Decided by the security board."),
        on_repair(
            change_team=ALLOWED,
            lead=Refused(403, "facilitator_or_change_team_only"),
            facilitator=ALLOWED,
            participant=Refused(403, "facilitator_or_change_team_only"),
            unassigned_facilitator=Refused(403, "facilitator_or_change_team_only"),
        ),
        fresh=UNASSIGNED,
    ),
    Row(
        "POST /v1/repairs/{repair_id}/commitments/{commitment_id}/kept",
        lambda t: _commitment(t, "kept"),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/commitments/{commitment_id}/renegotiate",
        lambda t: _commitment(t, "renegotiate", reason="The supplier is late.", due_at=DUE_LATER),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/commitments/{commitment_id}/release",
        lambda t: _commitment(t, "release", reason="No longer needed."),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=ALLOWED,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/close",
        repair("/close", outcome="unrepaired", reason_code="no_agreement"),
        on_repair(
            change_team=NOT_A_PARTICIPANT,
            lead=NOT_A_PARTICIPANT,
            facilitator=ALLOWED,
            participant=FACILITATOR_ONLY,
            unassigned_facilitator=NOT_A_PARTICIPANT,
        ),
        fresh=frozenset({Credential.FACILITATOR}),
    ),
    # Facilitation: assigned by the change team or an involved lead, or offered and approved.
    Row(
        "POST /v1/repairs/{repair_id}/facilitators",
        repair("/facilitators", facilitator={"person_id": "p-hr-9", "department": "hr"}),
        on_repair(
            change_team=ALLOWED,
            lead=ALLOWED,
            facilitator=ASSIGNERS_ONLY,
            participant=ASSIGNERS_ONLY,
            unassigned_facilitator=ASSIGNERS_ONLY,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/facilitation-offers",
        repair("/facilitation-offers"),
        on_repair(
            change_team=ROLE_REQUIRED,
            lead=ROLE_REQUIRED,
            facilitator=ALLOWED,
            participant=ROLE_REQUIRED,
            unassigned_facilitator=ALLOWED,
        ),
    ),
    Row(
        "POST /v1/repairs/{repair_id}/facilitation-offers/{person_id}",
        lambda t: Call(
            "POST",
            f"/v1/repairs/{t.repair_id}/facilitation-offers/{UNASSIGNED_FACILITATOR.person_id}",
            json={"decision": "decline", "reason": "Someone closer to finance will."},
        ),
        on_repair(
            change_team=ALLOWED,
            lead=ALLOWED,
            facilitator=ASSIGNERS_ONLY,
            participant=ASSIGNERS_ONLY,
            unassigned_facilitator=ASSIGNERS_ONLY,
        ),
    ),
]
ROWS += [
    # The data subject's rights, exercised by the privacy officer alone (docs/privacy.md). The
    # erasure names someone nobody holds anything about, so it changes no seeded repair.
    Row(
        "POST /v1/privacy/erasures",
        lambda _: Call("POST", "/v1/privacy/erasures", json={"person_id": "p-matrix-nobody"}),
        cells(
            COLUMNS,
            ROLE_REQUIRED,
            anonymous=UNAUTHENTICATED,
            department_token=UNAUTHENTICATED,
            privacy_officer=ALLOWED,
        ),
    ),
    Row(
        "GET /v1/privacy/people/{person_id}",
        lambda t: Call("GET", f"/v1/privacy/people/{t.actor.person_id}"),
        cells(
            COLUMNS,
            ROLE_REQUIRED,
            anonymous=UNAUTHENTICATED,
            department_token=UNAUTHENTICATED,
            privacy_officer=ALLOWED,
        ),
    ),
]
ROWS += change_rows(COLUMNS)
