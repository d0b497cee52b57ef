"""Planned changes through intake against the real broker and database: every source records
a ChangeRecorded on the `changes` topic; updates, go-live and de-duplication; bad input is a
4xx naming the field with nothing stored; incidents naming a change keep the link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from bridgework.common.contracts import (
    ChangeRecordedV1,
    ChangeUpdatedV1,
    ChangeWentLiveV1,
    GoLiveReporter,
)
from bridgework.intake.domain.mapping import Tool
from tests.infra import Infrastructure
from tests.intake_change_factories import (
    FUTURE,
    PAST,
    change_events_of,
    change_json,
    failing_fields,
    post,
    stored_count,
)
from tests.intake_factories import (
    GITHUB_SECRET,
    RunningIntake,
    running_intake,
)

pytestmark = pytest.mark.integration
CHANGE_TYPE = "bridgework.intake.change.v1"


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        await running.secret("it", Tool.GITHUB, GITHUB_SECRET)
        yield running


@pytest.fixture(scope="module")
async def it_token(intake: RunningIntake) -> str:
    return await intake.token("it")


# Native JSON


async def test_a_native_change_is_published_as_change_recorded(
    intake: RunningIntake, it_token: str
) -> None:
    response = await post(intake, it_token, "/v1/changes", change_json(title="MFA for payroll"))

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    change_id = response.json()["change_id"]
    [event] = await change_events_of(intake, change_id)
    assert isinstance(event.data, ChangeRecordedV1)
    assert event.subject == change_id
    assert event.data.title == "MFA for payroll"
    assert event.data.affected_departments == ["finance", "hr"]
    assert event.data.recorded_at == intake.clock.now()


async def test_a_repeat_is_one_change_and_a_moved_go_live_is_an_update(
    intake: RunningIntake, it_token: str
) -> None:
    body = change_json()
    first = await post(intake, it_token, "/v1/changes", body)
    again = await post(intake, it_token, "/v1/changes", body)
    moved = {**body, "planned_go_live": "2026-12-15T08:00:00+00:00"}
    added = {**moved, "affected_departments": ["finance", "hr", "legal"]}
    updated = await post(intake, it_token, "/v1/changes", moved)
    updated_again = await post(intake, it_token, "/v1/changes", added)

    change_id = first.json()["change_id"]
    assert again.json() == {"change_id": change_id, "status": "duplicate", "revision": 1}
    assert (updated.json()["status"], updated.json()["revision"]) == ("updated", 2)
    assert (updated_again.json()["status"], updated_again.json()["revision"]) == ("updated", 3)
    events = await change_events_of(intake, change_id, count=3, settle=1.0)
    assert [type(event.data) for event in events] == [
        ChangeRecordedV1,
        ChangeUpdatedV1,
        ChangeUpdatedV1,
    ]
    assert events[1].data.changed_fields == ["planned_go_live"]
    assert events[2].data.changed_fields == ["affected_departments"]


async def test_go_live_through_the_api_is_published_once(
    intake: RunningIntake, it_token: str
) -> None:
    change_id = (await post(intake, it_token, "/v1/changes", change_json())).json()["change_id"]

    live = await post(intake, it_token, f"/v1/changes/{change_id}/go-live", None)
    again = await post(intake, it_token, f"/v1/changes/{change_id}/go-live", {"went_live_at": PAST})

    assert (live.status_code, live.json()["status"]) == (200, "went_live")
    assert again.json()["status"] == "duplicate"
    events = await change_events_of(intake, change_id, count=2, settle=1.0)
    assert len(events) == 2
    went_live = events[1].data
    assert isinstance(went_live, ChangeWentLiveV1)
    assert went_live.went_live_at == intake.clock.now()
    assert went_live.reported_by is GoLiveReporter.API


async def test_go_live_is_refused_for_an_unknown_change_another_department_or_the_future(
    intake: RunningIntake, it_token: str
) -> None:
    change_id = (await post(intake, it_token, "/v1/changes", change_json())).json()["change_id"]
    hr_token = await intake.token("hr")

    unknown = await post(intake, it_token, f"/v1/changes/{uuid4()}/go-live", {})
    other = await post(intake, hr_token, f"/v1/changes/{change_id}/go-live", {})
    future = await post(
        intake, it_token, f"/v1/changes/{change_id}/go-live", {"went_live_at": FUTURE}
    )

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (other.status_code, other.json()["error"]) == (403, "forbidden")
    assert future.status_code == 422
    assert failing_fields(future) == ["went_live_at"]


async def test_a_batch_is_recorded_whole_or_not_at_all(
    intake: RunningIntake, it_token: str
) -> None:
    good, also_good = change_json(), change_json(kind="rollout")
    before = await stored_count(intake)

    refused = await post(
        intake,
        it_token,
        "/v1/changes/batch",
        {
            "changes": [
                good,
                {**also_good, "affected_departments": []},
                change_json(planned_go_live=PAST),
            ]
        },
    )
    assert refused.status_code == 422, refused.text
    assert failing_fields(refused) == ["changes.1.affected_departments"]
    past = await post(
        intake,
        it_token,
        "/v1/changes/batch",
        {"changes": [good, change_json(planned_go_live=PAST)]},
    )
    assert past.status_code == 422, past.text
    assert failing_fields(past) == ["changes.1.planned_go_live"]
    assert await stored_count(intake) == before

    accepted = await post(intake, it_token, "/v1/changes/batch", {"changes": [good, also_good]})
    assert accepted.status_code == 200, accepted.text
    assert [r["status"] for r in accepted.json()["results"]] == ["accepted", "accepted"]
    assert accepted.json()["counts"]["accepted"] == 2


async def test_bad_single_changes_name_the_field_and_store_nothing(
    intake: RunningIntake, it_token: str
) -> None:
    before = await stored_count(intake)

    no_departments = await post(
        intake, it_token, "/v1/changes", change_json(affected_departments=[])
    )
    past = await post(intake, it_token, "/v1/changes", change_json(planned_go_live=PAST))
    for_hr = await post(intake, it_token, "/v1/changes", change_json(department="hr"))

    assert no_departments.status_code == 422
    assert failing_fields(no_departments) == ["affected_departments"]
    assert past.status_code == 422
    assert failing_fields(past) == ["planned_go_live"]
    assert for_hr.status_code == 403
    assert await stored_count(intake) == before
