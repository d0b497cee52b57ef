"""Who facilitates a repair and who imposes on it, against the real broker and database: the
findings of the "Trust" issue ("any facilitator could claim any repair that had none, and
impose an outcome on a repair it cannot see"), reproduced and refused.

Facilitators are assigned by the change team or a lead of a department involved, or offer
and are approved; only a repair's facilitator (or the change team) imposes; a person who may
not see a repair finds none (404) before anything else is asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    ParticipantJoinedV1,
    PersonRef,
)
from bridgework.common.events import decode_headers, from_kafka
from tests.agreements_factories import (
    AFFECTED,
    CHANGE_TEAM,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    agreements_settings,
    assign_as_change_team,
    by,
    commitment_json,
    join_all,
    person_json,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.infra import (
    Infrastructure,
    create_database,
    drop_database,
    opened_in,
    read_topic,
    running,
)

pytestmark = pytest.mark.integration

# The default incident: IT (responsible) locked Finance (affected) out.
FINANCE_LEAD = {"person_id": "p-fin-lead", "department": "finance"}
ESTATES_LEAD = {"person_id": "p-est-lead", "department": "estates"}
OTHER_FACILITATOR = {"person_id": "p-hr-5", "department": "hr"}
OTHER_FACILITATOR_REF = PersonRef(**OTHER_FACILITATOR)


@pytest.fixture(scope="module")
async def settings(infra: Infrastructure) -> AsyncIterator[AgreementsSettings]:
    database_url = await create_database(infra)
    yield agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
    )
    await drop_database(infra, database_url)


@pytest.fixture(scope="module")
async def agreements(settings: AgreementsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, ManualClock(NOW))) as client:
        yield reading_as_the_change_team(client)


async def new_repair(agreements: httpx.AsyncClient, settings: AgreementsSettings) -> str:
    repair: dict[str, Any] = await repair_opened_for(agreements, settings)
    return str(repair["repair_id"])


def facilitators(view: dict[str, Any]) -> list[str]:
    return [p["person_id"] for p in view["participants"] if p["role"] == "facilitator"]


async def events_of(
    settings: AgreementsSettings, repair_id: str, kind: type[Any], count: int = 1
) -> list[Any]:
    """The events of this kind agreements published about the repair (waiting for `count`)."""

    def of_kind(records: list[Any]) -> list[Any]:
        found = []
        for record in records:
            if record.key != repair_id.encode():
                continue
            data = from_kafka(decode_headers(record.headers), record.value).data
            if isinstance(data, kind):
                found.append(data)
        return found

    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        until=lambda rs: len(of_kind(rs)) >= count,
        settle=0.3,  # a second copy would show
    )
    return of_kind(records)


# --- the reproductions ------------------------------------------------------------------------


async def test_a_facilitator_cannot_claim_a_repair_without_being_assigned(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)

    claimed = await agreements.post(
        f"/v1/repairs/{repair_id}/participants",
        json={"participant": person_json(FACILITATOR), "role": "facilitator"},
        headers=by(FACILITATOR, "facilitator"),
    )
    seen = (await agreements.get(f"/v1/repairs/{repair_id}")).json()

    assert claimed.status_code == 403
    assert claimed.json()["error"] == "facilitator_needs_assignment"
    assert "facilitation-offers" in claimed.json()["detail"]
    assert seen["participants"] == []


async def test_a_facilitator_cannot_impose_an_outcome_on_a_repair_it_cannot_see(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    imposed = await agreements.post(
        f"/v1/repairs/{repair_id}/impose",
        json={"reason": "Because I can."},
        headers=by(OTHER_FACILITATOR, "facilitator"),
    )
    seen = (await agreements.get(f"/v1/repairs/{repair_id}")).json()

    assert imposed.status_code == 404
    assert imposed.json()["error"] == "unknown_repair"
    assert seen["agreement"] is None


async def test_a_facilitator_of_another_repair_cannot_impose_here(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    theirs = await new_repair(agreements, settings)
    await assign_as_change_team(agreements, theirs, OTHER_FACILITATOR_REF)
    here = await new_repair(agreements, settings)
    # Visible to them (nobody facilitates it yet), and still not theirs to decide.
    imposed = await agreements.post(
        f"/v1/repairs/{here}/impose",
        json={"reason": "I facilitate elsewhere."},
        headers=by(OTHER_FACILITATOR, "facilitator"),
    )
    # Once it has a facilitator it is not even visible to them.
    await join_all(agreements, here)
    hidden = await agreements.post(
        f"/v1/repairs/{here}/impose",
        json={"reason": "I facilitate elsewhere."},
        headers=by(OTHER_FACILITATOR, "facilitator"),
    )

    assert imposed.status_code == 403
    assert imposed.json()["error"] == "facilitator_or_change_team_only"
    assert hidden.status_code == 404
    assert (await agreements.get(f"/v1/repairs/{here}")).json()["agreement"] is None


# --- imposing, as allowed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        pytest.param((person_json(FACILITATOR), "facilitator"), id="its-facilitator"),
        pytest.param(({"person_id": CHANGE_TEAM, "department": "it"}, "change_team"), id="ct"),
    ],
)
async def test_its_facilitator_or_the_change_team_imposes(
    agreements: httpx.AsyncClient, settings: AgreementsSettings, who: tuple[dict[str, str], str]
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)
    person, role = who

    imposed = await agreements.post(
        f"/v1/repairs/{repair_id}/impose",
        json={
            "reason": "Returned by the board.",
            "commitments": [commitment_json(NOW + timedelta(days=7))],
        },
        headers=by(person, role),
    )

    assert imposed.status_code == 200, imposed.text
    assert imposed.json()["agreement"]["imposition"]["decided_by"] == person


async def test_a_participant_who_sees_the_repair_may_not_impose(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    imposed = await agreements.post(
        f"/v1/repairs/{repair_id}/impose",
        json={"reason": "We want it over."},
        headers=by(RESPONSIBLE, "facilitator"),
    )

    assert imposed.status_code == 403
    assert imposed.json()["error"] == "facilitator_or_change_team_only"


# --- assigning ------------------------------------------------------------------------------


async def test_the_change_team_assigns_a_facilitator(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/facilitators"
    body = {"facilitator": person_json(FACILITATOR)}

    first = await agreements.post(path, json=body, headers=by(CHANGE_TEAM, "change_team"))
    again = await agreements.post(path, json=body, headers=by(CHANGE_TEAM, "change_team"))
    # ... who may then add the people of the repair.
    added = await agreements.post(
        f"/v1/repairs/{repair_id}/participants",
        json={"participant": person_json(AFFECTED), "role": "affected"},
        headers=by(FACILITATOR),
    )

    assert (first.status_code, again.status_code, added.status_code) == (201, 200, 201)
    assert facilitators(first.json()) == [FACILITATOR.person_id]
    joined = await events_of(settings, repair_id, ParticipantJoinedV1, count=2)
    assert [(e.participant, e.role.value) for e in joined] == [
        (FACILITATOR, "facilitator"),
        (AFFECTED, "affected"),
    ]


async def test_a_lead_of_a_department_involved_assigns_co_facilitators(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/facilitators"
    lead = by(FINANCE_LEAD, "department_lead")

    first = await agreements.post(
        path, json={"facilitator": person_json(FACILITATOR)}, headers=lead
    )
    second = await agreements.post(path, json={"facilitator": OTHER_FACILITATOR}, headers=lead)

    assert (first.status_code, second.status_code) == (201, 201)
    assert facilitators(second.json()) == [FACILITATOR.person_id, OTHER_FACILITATOR["person_id"]]


async def test_assigning_is_refused_to_a_lead_of_an_uninvolved_department_and_to_others(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/facilitators"
    body = {"facilitator": person_json(FACILITATOR)}

    uninvolved = await agreements.post(path, json=body, headers=by(ESTATES_LEAD, "department_lead"))
    themselves = await agreements.post(path, json=body, headers=by(FACILITATOR, "facilitator"))
    seen = (await agreements.get(f"/v1/repairs/{repair_id}")).json()

    # Estates is not involved: the repair does not exist for its lead.
    assert uninvolved.status_code == 404
    assert uninvolved.json()["error"] == "unknown_repair"
    # A facilitator sees an unfacilitated repair, and still may not assign themselves.
    assert themselves.status_code == 403
    assert themselves.json()["error"] == "change_team_or_lead_only"
    assert seen["participants"] == []


# --- offering -------------------------------------------------------------------------------


async def offer(agreements: httpx.AsyncClient, repair_id: str) -> httpx.Response:
    return await agreements.post(
        f"/v1/repairs/{repair_id}/facilitation-offers", headers=by(FACILITATOR, "facilitator")
    )


async def test_an_offer_approved_makes_the_facilitator_take_part(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)

    offered, offered_again = await offer(agreements, repair_id), await offer(agreements, repair_id)
    waiting = (await agreements.get(f"/v1/repairs/{repair_id}")).json()
    approved = await agreements.post(
        f"/v1/repairs/{repair_id}/facilitation-offers/{FACILITATOR.person_id}",
        json={"decision": "approve"},
        headers=by(FINANCE_LEAD, "department_lead"),
    )

    assert (offered.status_code, offered_again.status_code) == (201, 200)
    assert facilitators(offered.json()) == []
    assert [o["facilitator"] for o in waiting["facilitation_offers"]] == [person_json(FACILITATOR)]
    assert approved.status_code == 200, approved.text
    assert facilitators(approved.json()) == [FACILITATOR.person_id]
    assert approved.json()["facilitation_offers"] == []
    (offer_event,) = await events_of(settings, repair_id, FacilitationOfferedV1)
    assert offer_event.facilitator == FACILITATOR
    (answer,) = await events_of(settings, repair_id, FacilitationOfferAnsweredV1)
    assert (answer.decision, answer.answered_by) == (
        FacilitationDecision.APPROVED,
        FINANCE_LEAD["person_id"],
    )


async def test_an_offer_declined_closes_and_nobody_joins(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await offer(agreements, repair_id)
    path = f"/v1/repairs/{repair_id}/facilitation-offers/{FACILITATOR.person_id}"
    answer = {"decision": "decline", "reason": "Too close to the people involved."}

    declined = await agreements.post(path, json=answer, headers=by(CHANGE_TEAM, "change_team"))
    again = await agreements.post(path, json=answer, headers=by(CHANGE_TEAM, "change_team"))
    overturned = await agreements.post(
        path, json={"decision": "approve"}, headers=by(CHANGE_TEAM, "change_team")
    )

    assert (declined.status_code, again.status_code) == (200, 200)
    assert declined.json()["participants"] == []
    assert declined.json()["facilitation_offers"] == []
    assert overturned.status_code == 409
    assert overturned.json()["error"] == "offer_already_answered"
    (event,) = await events_of(settings, repair_id, FacilitationOfferAnsweredV1)
    assert event.decision == FacilitationDecision.DECLINED
    # Sealed with the answerer's key: agreements' key store opens it.
    assert await opened_in(settings.database_url, event.reason) == (
        "Too close to the people involved."
    )


async def test_offers_are_answered_only_by_who_may_and_only_when_made(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/facilitation-offers/{FACILITATOR.person_id}"
    approve = {"decision": "approve"}

    never_made = await agreements.post(path, json=approve, headers=by(CHANGE_TEAM, "change_team"))
    await offer(agreements, repair_id)
    by_themselves = await agreements.post(
        path, json=approve, headers=by(FACILITATOR, "facilitator")
    )
    by_an_outsider = await agreements.post(
        path, json=approve, headers=by(ESTATES_LEAD, "department_lead")
    )
    by_a_participant_token = await agreements.post(
        f"/v1/repairs/{repair_id}/facilitation-offers", headers=by(AFFECTED)
    )

    assert never_made.status_code == 404
    assert never_made.json()["error"] == "unknown_offer"
    assert by_themselves.status_code == 403
    assert by_themselves.json()["error"] == "change_team_or_lead_only"
    assert by_an_outsider.status_code == 404
    # Someone who may not see the repair (not a facilitator, not in it) finds none.
    assert by_a_participant_token.status_code == 404
