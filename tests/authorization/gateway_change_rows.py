"""The gateway's operations on a planned change's engagement: anyone with a role passes the
edge (`role_required` otherwise, no call made) and agreements decides, as its rows say
(agreements_change_rows.py): the change team, finance's lead and finance's representative
see the seeded change (change_seeding.py); to everyone else it is a typed NotFound
`unknown_change`, before any other rule."""

from __future__ import annotations

from typing import Any

from tests.authorization.agreements_change_rows import SOME_COMMITMENT
from tests.authorization.change_seeding import CHANGE_ID
from tests.authorization.gateway_rows import Variables, graphql, signed_in
from tests.authorization.matrix import ALLOWED, Invisible, NotAllowed, Outcome, Row
from tests.authorization.people import AFFECTED

HIDDEN_CHANGE = Invisible("unknown_change")
ROLE_REQUIRED = NotAllowed("role_required")
NOT_A_REPRESENTATIVE = NotAllowed("not_a_representative")
NOT_ENGAGED = NotAllowed("not_engaged")
RESULT = """{ __typename
  ... on NotAllowed { code } ... on NotFound { code } ... on Conflict { code } }"""

SEEING: dict[str, Outcome] = {"change_team": ALLOWED, "lead": ALLOWED, "participant": ALLOWED}
REPRESENTATIVE_ONLY: dict[str, Outcome] = {
    "change_team": NOT_A_REPRESENTATIVE,
    "lead": NOT_A_REPRESENTATIVE,
    "participant": ALLOWED,
}
ENGAGED_ONLY: dict[str, Outcome] = {
    "change_team": NOT_ENGAGED,
    "lead": NOT_ENGAGED,
    "participant": ALLOWED,
}


def _on_change(**seeing: Outcome) -> dict[Any, Outcome]:
    return signed_in(HIDDEN_CHANGE, no_role=ROLE_REQUIRED, **seeing)


def _change_mutation(
    field: str, arguments: str, extra: dict[str, Any], expect: dict[str, Outcome]
) -> Row:
    """A mutation on the seeded change; `arguments`: `name:Type` pairs after its id."""
    kinds = [part.split(":", 1) for part in f"changeId:UUID! {arguments}".split()]
    declared = ", ".join(f"${name}: {kind}" for name, kind in kinds)
    passed = ", ".join(f"{name}: ${name}" for name, _ in kinds)
    variables: Variables = lambda _: {"changeId": str(CHANGE_ID), **extra}  # noqa: E731
    document = f"mutation({declared}) {{ {field}({passed}) {RESULT} }}"
    return Row(f"Mutation.{field}", graphql(document, variables), _on_change(**expect))


ROWS: list[Row] = [
    Row(
        "Query.changeEngagement",
        graphql(
            f"query($id: UUID!) {{ changeEngagement(id: $id) {RESULT} }}",
            lambda _: {"id": str(CHANGE_ID)},
        ),
        _on_change(**SEEING),
        shows=lambda data, _: data["changeEngagement"]["__typename"] == "ChangeEngagement",
    ),
    # Finance's representative, joining again: changes nothing for whoever may add them.
    _change_mutation(
        "joinChange",
        "role:EngagementRole! participant:PersonInput",
        {
            "role": "representative",
            "participant": {"personId": AFFECTED.person_id, "department": AFFECTED.department},
        },
        SEEING,
    ),
    _change_mutation(
        "answerChangeQuestions",
        "answers:[EngagementAnswerInput!]!",
        {"answers": [{"question": "what_worries_you", "text": "Month end."}]},
        REPRESENTATIVE_ONLY,
    ),
    _change_mutation(
        "proposeAdjustments", "adjustments:[AdjustmentInput!]!", {"adjustments": []}, ENGAGED_ONLY
    ),
    _change_mutation(
        "answerChangeProposal",
        "department:String! version:Int! decision:DepartmentDecision!",
        {"department": "finance", "version": 1, "decision": "consent"},
        REPRESENTATIVE_ONLY,
    ),
    # No such adjustment: taking part lets one through to the state's NotFound.
    _change_mutation(
        "keepAdjustment", "commitmentId:UUID!", {"commitmentId": str(SOME_COMMITMENT)}, ENGAGED_ONLY
    ),
]
