"""Agreements: who may do what in a planned change's engagement (docs/agreements.md, "Changes").

A change is seen by the change team, the people taking part, and the participants and leads
of the owner's or an affected department; anyone else gets 404 `unknown_change` before any
other rule. Then: a person joins themselves or is added by the change team or their lead;
only a representative answers, consents or objects for their department; only someone taking
part proposes or marks an adjustment kept. The seeded change (change_seeding.py) affects
finance, whose lead and participant (its representative) see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from tests.authorization.change_seeding import CHANGE_ID
from tests.authorization.matrix import (
    ALLOWED,
    UNAUTHENTICATED,
    Call,
    Credential,
    Invisible,
    Outcome,
    Refused,
    Row,
    Target,
    cells,
)
from tests.authorization.people import AFFECTED

HIDDEN_CHANGE = Invisible("unknown_change")
NOT_A_REPRESENTATIVE = Refused(403, "not_a_representative")
NOT_ENGAGED = Refused(403, "not_engaged")
SOME_COMMITMENT = UUID("00000000-0000-4000-8000-0000000000aa")


def _on_change(columns: Iterable[Credential], **seeing: Outcome) -> dict[Credential, Outcome]:
    """401 without a person's token, 404 for anyone who may not see the change, and for the
    change team, finance's lead and finance's representative what `seeing` says."""
    return cells(
        columns,
        HIDDEN_CHANGE,
        anonymous=UNAUTHENTICATED,
        department_token=UNAUTHENTICATED,
        **seeing,
    )


def _change(tail: str = "", method: str = "POST", **body: Any) -> Callable[[Target], Call]:
    def call(_: Target) -> Call:
        return Call(method, f"/v1/changes/{CHANGE_ID}{tail}", json=body or None)

    return call


def change_rows(columns: Iterable[Credential]) -> list[Row]:
    wanted = tuple(columns)
    representative_only = _on_change(
        wanted,
        change_team=NOT_A_REPRESENTATIVE,
        lead=NOT_A_REPRESENTATIVE,
        participant=ALLOWED,
    )
    engaged_only = _on_change(
        wanted, change_team=NOT_ENGAGED, lead=NOT_ENGAGED, participant=ALLOWED
    )
    return [
        Row(
            "GET /v1/changes/{change_id}",
            _change(method="GET"),
            _on_change(wanted, change_team=ALLOWED, lead=ALLOWED, participant=ALLOWED),
        ),
        Row(
            "GET /v1/changes/{change_id}/answers",
            _change("/answers", method="GET"),
            engaged_only,
        ),
        # Finance's representative, joining again: changes nothing for whoever may add them.
        Row(
            "POST /v1/changes/{change_id}/participants",
            _change("/participants", participant=AFFECTED.model_dump(), role="representative"),
            _on_change(wanted, change_team=ALLOWED, lead=ALLOWED, participant=ALLOWED),
        ),
        Row(
            "POST /v1/changes/{change_id}/answers",
            _change(
                answers=[{"question": "what_worries_you", "text": "Month end."}], tail="/answers"
            ),
            representative_only,
        ),
        Row(
            "POST /v1/changes/{change_id}/proposals",
            _change("/proposals", adjustments=[]),
            engaged_only,
        ),
        Row(
            "POST /v1/changes/{change_id}/consents",
            _change("/consents", department="finance", version=1, decision="consent"),
            representative_only,
        ),
        # No such adjustment: taking part lets one through to the state's 404.
        Row(
            "POST /v1/changes/{change_id}/commitments/{commitment_id}/kept",
            lambda _: Call(
                "POST", f"/v1/changes/{CHANGE_ID}/commitments/{SOME_COMMITMENT}/kept", json={}
            ),
            engaged_only,
        ),
    ]
