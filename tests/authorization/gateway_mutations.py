"""The gateway's mutations: the viewer's role is checked at the edge (`NotAllowed
role_required`, no call made), then agreements decides as its rows say (agreements_rows.py),
and the gateway answers with a typed result."""

from __future__ import annotations

from typing import Any

from bridgework.common.contracts import PersonRef
from tests.authorization.gateway_rows import Variables, graphql, signed_in
from tests.authorization.matrix import (
    ALLOWED,
    HIDDEN,
    Credential,
    NotAllowed,
    Outcome,
    Row,
    Target,
)
from tests.authorization.people import UNASSIGNED_FACILITATOR

UNASSIGNED = frozenset({Credential.UNASSIGNED_FACILITATOR})
ROLE_REQUIRED = NotAllowed("role_required")
NOT_A_PARTICIPANT = NotAllowed("not_a_participant")
IMPOSERS_ONLY = NotAllowed("facilitator_or_change_team_only")
RESULT = """{ __typename
  ... on NotAllowed { code } ... on NotFound { code } ... on Conflict { code } }"""


def mutation(
    field: str,
    arguments: str,
    variables: Variables,
    expect: dict[str, Outcome],
    fresh: frozenset[Credential] = frozenset(),
) -> Row:
    """A mutation forwarded to agreements; people not in `expect` get `role_required` at the
    edge. `arguments`: `name:Type` pairs after the repair's id."""
    kinds = [part.split(":", 1) for part in f"repairId:UUID! {arguments}".split()]
    declared = ", ".join(f"${name}: {kind}" for name, kind in kinds)
    passed = ", ".join(f"{name}: ${name}" for name, _ in kinds)
    document = f"mutation({declared}) {{ {field}({passed}) {RESULT} }}"
    return Row(
        f"Mutation.{field}",
        graphql(document, variables),
        signed_in(ROLE_REQUIRED, **expect),
        fresh=fresh,
    )


def on(target: Target, **more: Any) -> dict[str, Any]:
    return {"repairId": str(target.repair_id), **more}


def of_commitment(target: Target, **more: Any) -> dict[str, Any]:
    return on(target, commitmentId=str(target.commitment_id), **more)


def person(who: PersonRef) -> dict[str, str]:
    return {"personId": who.person_id, "department": who.department}


def _join(target: Target) -> dict[str, Any]:
    # Adding someone new; on a repair with no facilitator, taking the case oneself.
    if target.has_facilitator:
        return on(target, participant=person(target.newcomer), role="supporter")
    return on(target, participant=person(target.actor), role="facilitator")


# Who agreements lets act, once the gateway let the role through (agreements_rows.py).
FACILITATOR_ACTS: dict[str, Outcome] = {
    "facilitator": ALLOWED,
    "other_facilitator": HIDDEN,
    "unassigned_facilitator": NOT_A_PARTICIPANT,
}
PEOPLE_ACT: dict[str, Outcome] = {
    **FACILITATOR_ACTS,
    "participant": ALLOWED,
    "other_participant": HIDDEN,
}
COMMITMENT = {
    "owner": {"personId": "p-it-7", "department": "it"},
    "action": "Announce device lock-downs a week ahead.",
    "dueAt": "2026-12-20T12:00:00+00:00",
    "owedToDepartments": ["finance"],
}
ANSWERS = [{"question": "hardest_thing", "text": "Month end without the drive."}]
AFFECTED = {"personId": "p-fin-2", "department": "finance"}
# The change team and department leads pass the edge; agreements then asks the department.
ASSIGNING: dict[str, Outcome] = {"change_team": ALLOWED, "lead": ALLOWED, "other_lead": HIDDEN}

ROWS: list[Row] = [
    mutation(
        "joinRepair",
        "participant:PersonInput! role:ParticipantRole!",
        _join,
        {**FACILITATOR_ACTS, "unassigned_facilitator": NotAllowed("facilitator_needs_assignment")},
        fresh=UNASSIGNED,
    ),
    mutation(
        "recordConversation",
        "participant:PersonInput! answers:[AnswerInput!]!",
        lambda t: on(t, participant=AFFECTED, answers=ANSWERS),
        PEOPLE_ACT,
    ),
    mutation(
        "linkIncident",
        "incidentId:UUID!",
        lambda t: on(t, incidentId=str(t.incident_id)),
        FACILITATOR_ACTS,
    ),
    mutation(
        "proposeAgreement",
        "commitments:[CommitmentInput!]!",
        lambda t: on(t, commitments=[COMMITMENT]),
        FACILITATOR_ACTS,
    ),
    mutation(
        "answerProposal",
        "version:Int! decision:ConsentDecision!",
        lambda t: on(t, version=1, decision="give"),
        {**PEOPLE_ACT, "facilitator": NotAllowed("consent_not_asked")},
    ),
    mutation(
        "imposeOutcome",
        "reason:String!",
        lambda t: on(t, reason="Decided by the security board."),
        {**FACILITATOR_ACTS, "change_team": ALLOWED, "unassigned_facilitator": IMPOSERS_ONLY},
        fresh=UNASSIGNED,
    ),
    mutation("keepCommitment", "commitmentId:UUID!", of_commitment, PEOPLE_ACT),
    mutation(
        "renegotiateCommitment",
        "commitmentId:UUID! reason:String! dueAt:DateTime",
        lambda t: of_commitment(t, reason="The supplier is late.", dueAt="2027-01-10T12:00:00Z"),
        PEOPLE_ACT,
    ),
    mutation(
        "releaseCommitment",
        "commitmentId:UUID! reason:String!",
        lambda t: of_commitment(t, reason="No longer needed."),
        PEOPLE_ACT,
    ),
    mutation(
        "closeRepair",
        "outcome:RepairOutcome! reasonCode:String",
        lambda t: on(t, outcome="unrepaired", reasonCode="no_agreement"),
        FACILITATOR_ACTS,
        fresh=frozenset({Credential.FACILITATOR}),
    ),
    # Facilitation (agreements_rows.py): assigned, or offered and answered.
    mutation(
        "assignFacilitator",
        "facilitator:PersonInput!",
        lambda t: on(t, facilitator={"personId": "p-hr-9", "department": "hr"}),
        ASSIGNING,
    ),
    mutation(
        "offerToFacilitate",
        "",
        on,
        {**FACILITATOR_ACTS, "unassigned_facilitator": ALLOWED},
    ),
    mutation(
        "answerFacilitationOffer",
        "personId:String! decision:OfferDecision! reason:String",
        lambda t: on(
            t,
            personId=UNASSIGNED_FACILITATOR.person_id,
            decision="decline",
            reason="Someone else will.",
        ),
        ASSIGNING,
    ),
]
