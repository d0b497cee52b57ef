"""Walk the demo organisation's repairs through the agreements API, the way facilitators would.

Each journey ends somewhere different, so the dashboards have something to say:
kept and late commitments, a declined then reached agreement, an outcome imposed
over the responsible (`to`), a repair with no agreement yet (heading for `not`),
and a renegotiated commitment. Follow-up gets everyone's (example.org) contact
details so its nudges reach the local mail sink. A repair that already has
participants was walked before and is left as it is, so this can run again.

Agreements takes the actor from the person's own token: each step is sent with a
development token minted for the person acting (BRIDGEWORK_JWT_HS256_SECRET, which
run.sh gives every service); repairs are looked up as the change team.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bridgework.common.identity import development_token

Person = dict[str, str]
CHANGE_TEAM = "p-chg-001"


def person(person_id: str, department: str) -> Person:
    return {"person_id": person_id, "department": department}


FACILITATOR = person("p-hr-009", "hr")
DAY = timedelta(days=1)


class Walk:
    """One repair's walk: each step is an agreements API call that must succeed."""

    def __init__(self, client: httpx.Client, repair: dict[str, Any], secret: str) -> None:
        self.client = client
        self.repair_id = repair["repair_id"]
        self.view = repair
        self.secret = secret

    def post(self, path: str, body: dict[str, Any], *, by: Person) -> dict[str, Any]:
        """One step, sent with the acting person's own token."""
        role = "facilitator" if by == FACILITATOR else "participant"
        token = development_token(
            self.secret, sub=by["person_id"], roles=[role], department=by["department"]
        )
        return self._send(path, body, token)

    def _send(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        response = self.client.post(
            f"/v1/repairs/{self.repair_id}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        self.view = response.json()
        return self.view

    def join(self, who: Person, role: str) -> None:
        """The change team assigns the facilitator (nobody appoints themselves); the
        facilitator then adds everyone else."""
        if role == "facilitator":
            change_team = development_token(self.secret, sub=CHANGE_TEAM, roles=["change_team"])
            self._send("/facilitators", {"facilitator": who}, change_team)
            return
        self.post("/participants", {"participant": who, "role": role}, by=FACILITATOR)

    def answer(self, who: Person, answers: dict[str, str]) -> None:
        self.post(
            "/conversation",
            {
                "participant": who,
                "answers": [{"question": q, "text": t} for q, t in answers.items()],
            },
            by=FACILITATOR,
        )

    def propose(self, commitments: list[dict[str, Any]]) -> int:
        view = self.post("/agreement", {"commitments": commitments}, by=FACILITATOR)
        return int(view["agreement"]["pending"]["version"])

    def consent(self, who: Person, version: int, *, decline: str | None = None) -> None:
        body: dict[str, Any] = {"version": version, "decision": "give"}
        if decline is not None:
            body |= {"decision": "decline", "reason": decline}
        self.post("/agreement/consents", body, by=who)

    def commitment_ids(self) -> list[str]:
        agreement = self.view["agreement"] or {}
        return [c["commitment_id"] for c in agreement.get("commitments", [])]

    def keep(self, commitment_id: str, owner: Person, kept_at: datetime | None = None) -> None:
        body: dict[str, Any] = {}
        if kept_at is not None:
            body["kept_at"] = kept_at.isoformat()
        self.post(f"/commitments/{commitment_id}/kept", body, by=owner)


def commitment(owner: Person, action: str, due: datetime, owed_to: list[Person]) -> dict[str, Any]:
    return {"owner": owner, "action": action, "due_at": due.isoformat(), "owed_to": owed_to}


def usb_lockdown(walk: Walk, now: datetime) -> None:
    """IT and finance meet; both consent; IT keeps its promise on time."""
    it, fin1, fin2 = (
        person("p-it-001", "it"),
        person("p-fin-014", "finance"),
        person("p-fin-022", "finance"),
    )
    walk.join(FACILITATOR, "facilitator")
    walk.join(it, "responsible")
    walk.join(fin1, "affected")
    walk.join(fin2, "affected")
    walk.answer(
        it,
        {
            "what_happened": "We pushed a USB block to every laptop overnight after a malware alert.",
            "thinking_at_the_time": "That speed mattered more than warning people.",
            "who_affected_and_how": "Finance could not load the bank files at month end.",
        },
    )
    walk.answer(
        fin1,
        {
            "impact_on_you_and_others": "We worked until midnight re-keying statements by hand.",
            "needs_to_happen": "A warning before lock-downs, and a way to get urgent exceptions.",
        },
    )
    version = walk.propose(
        [
            commitment(
                it,
                "Give finance a supported way to load bank statement files.",
                now + 5 * DAY,
                [fin1, fin2],
            ),
            commitment(
                it,
                "Announce future lock-downs to department leads a day ahead.",
                now + 10 * DAY,
                [fin1],
            ),
        ]
    )
    for who in (it, fin1, fin2):
        walk.consent(who, version)
    walk.keep(walk.commitment_ids()[0], it)


def shadow_board(walk: Walk, now: datetime) -> None:
    """IT security decides over marketing's head: recorded as imposed (`to`)."""
    mkt, it = person("p-mkt-003", "marketing"), person("p-it-008", "it")
    walk.join(FACILITATOR, "facilitator")
    walk.join(mkt, "responsible")
    walk.join(it, "affected")
    walk.post(
        "/impose",
        {
            "reason": "Security required the accounts closed before a conversation could be held.",
            "commitments": [
                commitment(
                    mkt, "Move campaign plans into the approved planner.", now + 7 * DAY, [it]
                )
            ],
        },
        by=FACILITATOR,
    )


def salary_sheet(walk: Walk, now: datetime) -> None:
    """HR proposes; finance declines the first version with a reason; the second is agreed."""
    hr, fin = person("p-hr-005", "hr"), person("p-fin-030", "finance")
    walk.join(FACILITATOR, "facilitator")
    walk.join(hr, "responsible")
    walk.join(fin, "affected")
    first = walk.propose(
        [commitment(hr, "Apologise to the people whose salaries were shown.", now + 3 * DAY, [fin])]
    )
    walk.consent(fin, first, decline="An apology alone does not stop it happening again.")
    second = walk.propose(
        [
            commitment(
                hr, "Apologise to the people whose salaries were shown.", now + 3 * DAY, [fin]
            ),
            commitment(
                hr,
                "Move salary files to a restricted folder with named access.",
                now + 14 * DAY,
                [fin],
            ),
        ]
    )
    walk.consent(hr, second)
    walk.consent(fin, second)
    walk.keep(walk.commitment_ids()[0], hr)


def card_addin(walk: Walk, now: datetime) -> None:
    """Finance and IT agree; finance asks for more time on the review."""
    fin, it = person("p-fin-014", "finance"), person("p-it-008", "it")
    walk.join(FACILITATOR, "facilitator")
    walk.join(fin, "responsible")
    walk.join(it, "affected")
    version = walk.propose(
        [commitment(fin, "Bring the add-in to IT's security review.", now + 2 * DAY, [it])]
    )
    walk.consent(fin, version)
    walk.consent(it, version)


JOURNEYS: dict[str, Callable[[Walk, datetime], None]] = {
    "demo-usb-lockdown": usb_lockdown,
    "demo-shadow-board": shadow_board,
    "demo-salary-sheet": salary_sheet,
    "demo-card-addin": card_addin,
    # demo-patch-overrun and demo-password-policy stay without an agreement on purpose.
}

CONTACTS = [
    ("p-it-001", "it"),
    ("p-it-008", "it"),
    ("p-fin-014", "finance"),
    ("p-fin-022", "finance"),
    ("p-fin-030", "finance"),
    ("p-hr-005", "hr"),
    ("p-hr-009", "hr"),
    ("p-mkt-003", "marketing"),
]


def repair_of(client: httpx.Client, incident_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """The repair agreements opened for an incident (it arrives through Kafka, so wait)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/incidents/{incident_id}/repair")
        if response.status_code == 200:
            view: dict[str, Any] = response.json()
            return view
        if time.monotonic() > deadline:
            raise RuntimeError(f"no repair for incident {incident_id} after {timeout}s")
        time.sleep(0.2)


def walk_all(agreements_url: str, followup_url: str, incidents: dict[str, str]) -> int:
    """Walk every demo repair not walked yet; return how many were walked now."""
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client(base_url=followup_url, timeout=10) as followup:
        for person_id, _ in CONTACTS:
            followup.put(
                f"/v1/contacts/{person_id}",
                json={"display_name": person_id, "email": f"{person_id}@example.org"},
            ).raise_for_status()
    secret = os.environ.get("BRIDGEWORK_JWT_HS256_SECRET")
    if not secret:
        raise SystemExit("set BRIDGEWORK_JWT_HS256_SECRET (agreements' development secret)")
    walked = 0
    reader = development_token(secret, sub=CHANGE_TEAM, roles=["change_team"])
    with httpx.Client(
        base_url=agreements_url, timeout=10, headers={"Authorization": f"Bearer {reader}"}
    ) as agreements:
        for reference, journey in JOURNEYS.items():
            repair = repair_of(agreements, incidents[reference])
            if repair["participants"]:
                continue
            journey(Walk(agreements, repair, secret), now)
            walked += 1
    return walked
