"""Seed a small demo organisation by reporting its incidents through intake's public API.

Run by `make run`. Every incident has a fixed source reference, so seeding
again reports nothing twice (intake answers `duplicate`). Intake takes reports
only with the reporting department's API token: pass one per department as
`--token it=<token>` (run.sh makes them with intake's admin command).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from demo_journeys import walk_all

DAY = timedelta(days=1)


def person(person_id: str, department: str) -> dict[str, str]:
    return {"person_id": person_id, "department": department}


def demo_incidents(today: datetime) -> list[dict[str, Any]]:
    """Harms between IT and the people it serves, of the kinds restorative practice meets."""
    return [
        {
            "department": "it",
            "category": "access_restriction",
            "severity": "high",
            "summary": "USB storage was blocked on every laptop overnight, without notice; "
            "finance could not load the bank's statement files at month end.",
            "occurred_at": today - 12 * DAY,
            "responsible": [person("p-it-001", "it")],
            "affected_people": [person("p-fin-014", "finance"), person("p-fin-022", "finance")],
            "affected_departments": ["finance"],
            "response_mode": "for",
            "source": {"tool": "native", "reference": "demo-usb-lockdown"},
        },
        {
            "department": "marketing",
            "category": "shadow_it",
            "severity": "moderate",
            "summary": "Marketing ran its campaign planning in an unapproved online board; "
            "IT found it during an audit and shut the accounts down.",
            "occurred_at": today - 9 * DAY,
            "responsible": [person("p-mkt-003", "marketing")],
            "affected_departments": ["it"],
            "affected_people": [person("p-it-008", "it")],
            "response_mode": "to",
            "source": {"tool": "native", "reference": "demo-shadow-board"},
        },
        {
            "department": "hr",
            "category": "data_handling",
            "severity": "severe",
            "summary": "A salary spreadsheet was shared with the whole HR channel instead of "
            "the two people who needed it.",
            "occurred_at": today - 7 * DAY,
            "responsible": [person("p-hr-005", "hr")],
            "affected_departments": ["finance", "hr"],
            "affected_people": [person("p-fin-030", "finance")],
            "source": {"tool": "native", "reference": "demo-salary-sheet"},
        },
        {
            "department": "it",
            "category": "outage",
            "severity": "moderate",
            "summary": "A patch window overran into Monday morning; estates' building "
            "access system was down for two hours.",
            "occurred_at": today - 5 * DAY,
            "responsible": [person("p-it-002", "it")],
            "affected_departments": ["estates"],
            "affected_people": [person("p-est-011", "estates")],
            "response_mode": "not",
            "source": {"tool": "native", "reference": "demo-patch-overrun"},
        },
        {
            "department": "it",
            "category": "communication",
            "severity": "low",
            "summary": "The new password policy was announced in a newsletter nobody in legal "
            "reads; several were locked out before a filing deadline.",
            "occurred_at": today - 3 * DAY,
            "responsible": [person("p-it-004", "it")],
            "affected_departments": ["legal"],
            "affected_people": [person("p-leg-002", "legal")],
            "source": {"tool": "native", "reference": "demo-password-policy"},
        },
        {
            "department": "finance",
            "category": "policy_breach",
            "severity": "moderate",
            "summary": "Finance bought a reporting add-in on a card, bypassing procurement and "
            "IT's security review.",
            "occurred_at": today - 2 * DAY,
            "responsible": [person("p-fin-014", "finance")],
            "affected_departments": ["it"],
            "affected_people": [person("p-it-008", "it")],
            "source": {"tool": "native", "reference": "demo-card-addin"},
        },
    ]


def seed(
    intake_url: str, today: datetime, tokens: dict[str, str], incident_ids: dict[str, str]
) -> int:
    """Report every demo incident with its department's token; return how many were new.

    `incident_ids` collects each incident's id by its source reference, new or not.
    """
    new = 0
    with httpx.Client(base_url=intake_url, timeout=10) as client:
        for incident in demo_incidents(today):
            body = {**incident, "occurred_at": incident["occurred_at"].isoformat()}
            token = tokens.get(incident["department"])
            if token is None:
                print(f"no --token for department {incident['department']!r}")
                return -1
            response = client.post(
                "/v1/incidents", json=body, headers={"authorization": f"Bearer {token}"}
            )
            if response.status_code not in (200, 202):
                print(f"intake refused a demo incident: {response.status_code} {response.text}")
                return -1
            new += response.status_code == 202
            incident_ids[incident["source"]["reference"]] = response.json()["incident_id"]
    return new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intake-url", default="http://127.0.0.1:8001")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="DEPARTMENT=TOKEN",
        help="a department's intake API token; once per reporting department",
    )
    parser.add_argument("--agreements-url", default="http://127.0.0.1:8002")
    parser.add_argument("--followup-url", default="http://127.0.0.1:8003")
    args = parser.parse_args()
    tokens = {dept: token for dept, _, token in (entry.partition("=") for entry in args.token)}
    incident_ids: dict[str, str] = {}
    new = seed(args.intake_url, datetime.now(UTC).replace(microsecond=0), tokens, incident_ids)
    if new < 0:
        return 1
    print(f"demo organisation seeded: {new} new incidents")
    walked = walk_all(args.agreements_url, args.followup_url, incident_ids)
    print(f"demo repairs walked through the agreements API: {walked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
