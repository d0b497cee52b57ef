"""Intake: a department's tool reports only as its own department (DESIGN.md, Security).

Its API token (`Authorization: Bearer`), or the webhook secret it signs with, is the only
credential intake knows; a person's token proves nothing here. The department concerned is
finance; the "other" credentials are estates'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from tests.authorization.matrix import (
    ALLOWED,
    UNAUTHENTICATED,
    Call,
    Credential,
    Refused,
    Row,
    Target,
    cells,
    documentation_rows,
)
from tests.authorization.people import PEOPLE
from tests.factories import submission_json
from tests.intake_change_factories import (
    change_json,
    github_change_issue,
    jira_change_event,
    servicenow_change_request,
)
from tests.intake_factories import (
    RunningIntake,
    bearer,
    github_issue_event,
    hub_signature,
    incident_data,
    jira_issue_event,
    pagerduty_event,
    pagerduty_signature,
    servicenow_incident,
    structured_cloudevent,
)

COLUMNS = (
    Credential.ANONYMOUS,
    Credential.DEPARTMENT_TOKEN,
    Credential.OTHER_DEPARTMENT_TOKEN,
    Credential.SIGNED_WEBHOOK,
    Credential.OTHER_DEPARTMENT_SIGNATURE,
    *PEOPLE,
)
TOOLS_THAT_SIGN = ("github", "jira", "pagerduty")
# Each department's signing secret per tool; finance's are "own", estates' the "other".
SECRETS = {
    department: {tool: f"{department}-{tool}-secret-for-the-matrix" for tool in TOOLS_THAT_SIGN}
    for department in ("finance", "estates")
}
ANOTHER_DEPARTMENT = Refused(403, "forbidden")
JSON = {"content-type": "application/json"}


def signature_headers(call: Call, credential: Credential) -> dict[str, str]:
    """The signature a tool sends with the delivery: with finance's secret for the tool of
    the path (GitHub's for other paths), or with estates'."""
    if credential not in (Credential.SIGNED_WEBHOOK, Credential.OTHER_DEPARTMENT_SIGNATURE):
        return {}
    department = "finance" if credential is Credential.SIGNED_WEBHOOK else "estates"
    tool = next((t for t in TOOLS_THAT_SIGN if f"/webhooks/{t}/" in call.path), "github")
    secret, body = SECRETS[department][tool], call.content or b""
    if tool == "pagerduty":
        return {"x-pagerduty-signature": pagerduty_signature(body, secret)}
    header = "x-hub-signature-256" if tool == "github" else "x-hub-signature"
    return {header: hub_signature(secret, body)}


def post(path: str, payload: Callable[[], Any], **headers: str) -> Callable[[Target], Call]:
    """A POST of a fresh payload (new ids each time, so nothing is a duplicate)."""

    def call(_: Target) -> Call:
        body = json.dumps(payload()).encode()
        return Call("POST", path, content=body, headers={**JSON, **headers})

    return call


def reported(**by_name: Any) -> dict[Credential, Any]:
    """Refused 401 unless the credential is one this route takes (`by_name`)."""
    return cells(COLUMNS, UNAUTHENTICATED, **by_name)


BY_TOKEN = {"department_token": ALLOWED, "other_department_token": ANOTHER_DEPARTMENT}
# A change of finance's that the go-live row acts on (`seed`, run by the matrix's fixture).
SEEDED: dict[str, str] = {}


async def seed(intake: RunningIntake, finance_token: str) -> None:
    """Record the change of finance's the go-live row reports on."""
    response = await intake.client.post(
        "/v1/changes",
        json=finance_change(),
        headers=bearer(finance_token),
    )
    assert response.status_code == 202, response.text
    SEEDED["change_id"] = response.json()["change_id"]


def finance_change(**overrides: Any) -> dict[str, Any]:
    """A fresh change of finance's (new reference each time, so nothing is a duplicate)."""
    owner = {"person_id": "p-f-1", "department": "finance"}
    return change_json(department="finance", owner=owner, affected_departments=["it"], **overrides)


ROWS: list[Row] = [
    *documentation_rows(COLUMNS),
    Row(
        "POST /v1/incidents",
        post("/v1/incidents", lambda: submission_json(department="finance")),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/incidents/batch",
        post("/v1/incidents/batch", lambda: {"incidents": [submission_json(department="finance")]}),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/cloudevents",
        lambda _: Call(
            "POST",
            "/v1/cloudevents",
            content=json.dumps(structured_cloudevent(incident_data("finance"))).encode(),
            headers={"content-type": "application/cloudevents+json"},
        ),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/webhooks/github/{department}",
        post(
            "/v1/webhooks/github/finance",
            lambda: github_issue_event(issue_id=uuid4().int % 10**9),
            **{"x-github-event": "issues", "x-github-delivery": str(uuid4())},
        ),
        reported(signed_webhook=ALLOWED),
    ),
    Row(
        "POST /v1/webhooks/jira/{department}",
        post(
            "/v1/webhooks/jira/finance", lambda: jira_issue_event(issue_id=str(uuid4().int % 10**9))
        ),
        reported(signed_webhook=ALLOWED, **BY_TOKEN),
    ),
    Row(
        "POST /v1/webhooks/servicenow/{department}",
        post("/v1/webhooks/servicenow/finance", lambda: servicenow_incident(sys_id=uuid4().hex)),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/webhooks/pagerduty/{department}",
        post("/v1/webhooks/pagerduty/finance", pagerduty_event),
        reported(signed_webhook=ALLOWED),
    ),
    Row(
        "POST /v1/changes",
        post("/v1/changes", finance_change),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/changes/batch",
        post("/v1/changes/batch", lambda: {"changes": [finance_change()]}),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/changes/{change_id}/go-live",
        lambda _: Call(
            "POST", f"/v1/changes/{SEEDED['change_id']}/go-live", content=b"{}", headers=JSON
        ),
        reported(**BY_TOKEN),
    ),
    Row(
        "POST /v1/webhooks/github/{department}/changes",
        post(
            "/v1/webhooks/github/finance/changes",
            lambda: github_change_issue(issue_id=uuid4().int % 10**9),
            **{"x-github-event": "issues", "x-github-delivery": str(uuid4())},
        ),
        reported(signed_webhook=ALLOWED),
    ),
    Row(
        "POST /v1/webhooks/jira/{department}/changes",
        post(
            "/v1/webhooks/jira/finance/changes",
            lambda: jira_change_event(issue_id=str(uuid4().int % 10**9)),
        ),
        reported(signed_webhook=ALLOWED, **BY_TOKEN),
    ),
    Row(
        "POST /v1/webhooks/servicenow/{department}/changes",
        post(
            "/v1/webhooks/servicenow/finance/changes",
            lambda: servicenow_change_request(sys_id=uuid4().hex),
        ),
        reported(**BY_TOKEN),
    ),
]
