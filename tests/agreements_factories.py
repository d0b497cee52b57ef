"""Builders for agreements' tests: people in their roles, repairs at each stage, API bodies.

Tests override only what they are about; everything else is valid and unremarkable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from bridgework.agreements.domain.agreement import Commitment, CommitmentDraft
from bridgework.agreements.domain.consent import give_consent
from bridgework.agreements.domain.facilitation import assign_facilitator
from bridgework.agreements.domain.opening import open_repair
from bridgework.agreements.domain.participants import join
from bridgework.agreements.domain.proposals import propose_agreement
from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.domain.repair import Decision, NewId, Repair
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.contracts import (
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentLapsedV1,
    Contract,
    ParticipantRole,
    PersonRef,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.events import Event
from bridgework.common.identity import development_token
from tests.factories import incident_reported, sealed
from tests.infra import eventually, produce

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)

# The people of a typical repair: IT locked Finance out; HR facilitates.
RESPONSIBLE = PersonRef(person_id="p-it-7", department="it")
AFFECTED = PersonRef(person_id="p-fin-2", department="finance")
FACILITATOR = PersonRef(person_id="p-hr-1", department="hr")
SUPPORTER = PersonRef(person_id="p-fin-9", department="finance")
AUTHORITY = PersonRef(person_id="p-exec-1", department="executive")
CHANGE_TEAM = "p-chg-001"  # reads every repair; assigns facilitators; takes part in none
# The change team as the domain's rules see them (a token without a department).
CHANGE_TEAM_READER = Reader(
    person_id=CHANGE_TEAM, department=None, roles=frozenset({"change_team"})
)

# A test-only signing secret: tests mint their people's development tokens with it.
SECRET = "bridgework-tests-only-hs256-secret-0123456789"

ROLES: dict[str, ParticipantRole] = {
    RESPONSIBLE.person_id: ParticipantRole.RESPONSIBLE,
    AFFECTED.person_id: ParticipantRole.AFFECTED,
    FACILITATOR.person_id: ParticipantRole.FACILITATOR,
    SUPPORTER.person_id: ParticipantRole.SUPPORTER,
}


def agreements_settings(**overrides: Any) -> AgreementsSettings:
    """Agreements as tests run it: development mode, people's tokens signed with SECRET."""
    values: dict[str, Any] = {"development_mode": True, "jwt_hs256_secret": SECRET}
    values.update(overrides)
    return AgreementsSettings(**values)


def token_of(person: PersonRef | dict[str, str] | str, *roles: str, **claims: Any) -> str:
    """A development token for a person (facilitator role for HR's facilitator and the
    authority, participant for anyone else, unless `roles` says otherwise)."""
    if isinstance(person, str):
        sub, department = person, None
    elif isinstance(person, dict):
        sub, department = person["person_id"], person["department"]
    else:
        sub, department = person.person_id, person.department
    default = (
        "facilitator" if sub in (FACILITATOR.person_id, AUTHORITY.person_id) else "participant"
    )
    return development_token(
        SECRET, sub=sub, roles=list(roles) or [default], department=department, **claims
    )


def by(person: PersonRef | dict[str, str] | str, *roles: str, **claims: Any) -> dict[str, str]:
    """The Authorization header of a request the person makes with their own token."""
    return {"Authorization": f"Bearer {token_of(person, *roles, **claims)}"}


def reading_as_the_change_team(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client reads as the change team unless a request names its own person."""
    client.headers.update(by(CHANGE_TEAM, "change_team"))
    return client


def refusal(kind: ErrorKind) -> pytest.RaisesExc[DomainError]:
    """Expect a rule to refuse with common's DomainError of this kind."""
    return pytest.raises(DomainError, check=lambda error: error.kind is kind)


def sequential_ids() -> Iterator[UUID]:
    """Predictable ids, so tests can name the commitments a proposal will create."""
    return (UUID(int=n) for n in count(1))


def new_ids() -> NewId:
    ids = sequential_ids()
    return lambda: next(ids)


def opened(**incident_overrides: Any) -> Repair:
    """A repair just opened for an IT-locks-out-Finance incident."""
    return open_repair(
        incident_reported(**incident_overrides),
        repair_id=uuid4(),
        now=NOW,
        agreement_window=timedelta(days=14),
    )


def with_people(repair: Repair | None = None, *people: PersonRef) -> Repair:
    """The repair with people joined in their usual roles (default: responsible, affected,
    facilitator). As the rule has it, the change team assigns the facilitator first, who then
    adds the others in the order given."""
    repair = repair or opened()
    for person in sorted(people or (RESPONSIBLE, AFFECTED, FACILITATOR), key=_facilitator_first):
        if person == FACILITATOR:
            repair = assign_facilitator(
                repair, FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW
            ).repair
        else:
            repair = join(
                repair, person, ROLES[person.person_id], actor=FACILITATOR, now=NOW
            ).repair
    return repair


def _facilitator_first(person: PersonRef) -> bool:
    return person != FACILITATOR


def draft(**overrides: Any) -> CommitmentDraft[Sealed]:
    """A commitment as the rules see it: its action sealed (a plain one given is sealed)."""
    fields: dict[str, Any] = {
        "owner": RESPONSIBLE,
        "action": "Give Finance a week's notice before any change to device access.",
        "due_at": NOW + timedelta(days=30),
        "owed_to": (AFFECTED,),
        "owed_to_departments": ("finance",),
    }
    fields.update(overrides)
    if isinstance(fields["action"], str):
        fields["action"] = sealed(fields["action"])
    return CommitmentDraft(**fields)


def proposed(repair: Repair | None = None, *drafts: CommitmentDraft[Sealed]) -> Repair:
    """Terms proposed (by the facilitator) and waiting for consent."""
    repair = repair or with_people()
    return propose_agreement(
        repair, actor=FACILITATOR, drafts=drafts or (draft(),), now=NOW, new_id=new_ids()
    ).repair


def current_version(repair: Repair) -> int:
    assert repair.agreement is not None
    assert repair.agreement.pending is not None
    return repair.agreement.pending.version


def consented(repair: Repair, *people: PersonRef) -> Decision:
    """Everyone named (default: responsible and affected) consents to the current version."""
    decision = Decision(repair)
    for person in people or (RESPONSIBLE, AFFECTED):
        step = give_consent(
            decision.repair, participant=person, version=current_version(decision.repair), now=NOW
        )
        decision = Decision(step.repair, decision.events + step.events)
    return decision


def reached(*drafts: CommitmentDraft[Sealed]) -> Repair:
    """An agreement in force by everyone's consent."""
    return consented(proposed(None, *drafts)).repair


def only_commitment(repair: Repair) -> Commitment:
    assert repair.agreement is not None
    (commitment,) = repair.agreement.commitments
    return commitment


def lapse(repair: Repair, commitment: Commitment, **overrides: Any) -> CommitmentLapsedV1:
    """What follow-up publishes when the commitment's date passed."""
    assert repair.agreement is not None
    fields: dict[str, Any] = {
        "repair_id": repair.repair_id,
        "agreement_id": repair.agreement.agreement_id,
        "commitment_id": commitment.commitment_id,
        "terms_version": commitment.terms.terms_version,
        "owner": commitment.terms.owner,
        "due_at": commitment.terms.due_at,
        "lapsed_at": commitment.terms.due_at + timedelta(hours=1),
        "lapse_count": 1,
    }
    fields.update(overrides)
    return CommitmentLapsedV1(**fields)


def check_in(repair_id: UUID, **overrides: Any) -> CheckInRecordedV1:
    """The affected answered follow-up's check-in (default: yes, things were made right)."""
    fields: dict[str, Any] = {
        "repair_id": repair_id,
        "check_in_id": uuid4(),
        "participant": AFFECTED,
        "outcome": CheckInOutcome.YES,
        "recorded_at": NOW + timedelta(days=40),
    }
    fields.update(overrides)
    return CheckInRecordedV1(**fields)


# --- API bodies ---------------------------------------------------------------------------------


def person_json(person: PersonRef) -> dict[str, str]:
    return {"person_id": person.person_id, "department": person.department}


def commitment_json(due_at: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "owner": person_json(RESPONSIBLE),
        "owed_to": [person_json(AFFECTED)],
        "owed_to_departments": ["finance"],
        "action": "Give Finance a week's notice before any change to device access.",
        "due_at": due_at.isoformat(),
    }
    body.update(overrides)
    return body


# --- driving a running agreements service (integration tests) ------------------------------


async def publish(settings: AgreementsSettings, topic: str, *facts: Contract) -> None:
    """Put facts on a topic as the service that owns them would."""
    events: list[Event[Contract]] = [
        Event.new(fact, source="/bridgework/test", time=NOW) for fact in facts
    ]
    await produce(settings.kafka_bootstrap_servers, topic, events)


async def repair_opened_for(
    client: httpx.AsyncClient, settings: AgreementsSettings, **incident_overrides: Any
) -> dict[str, Any]:
    """Report an incident on Kafka, as intake does, and wait for agreements to open its repair."""
    incident = incident_reported(**incident_overrides)
    await publish(settings, settings.topics.incidents, incident)

    async def opened() -> dict[str, Any] | None:
        response = await client.get(f"/v1/incidents/{incident.incident_id}/repair")
        return dict(response.json()) if response.status_code == 200 else None

    repair: dict[str, Any] = await eventually(opened)
    return repair


async def post_ok(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], *, actor: PersonRef
) -> dict[str, Any]:
    """POST as `actor` (their own token) and insist on a 2xx; the answer's JSON."""
    response = await client.post(path, json=body, headers=by(actor))
    assert response.is_success, f"{path}: {response.status_code} {response.text}"
    answer: dict[str, Any] = response.json()
    return answer


async def assign_as_change_team(
    client: httpx.AsyncClient, repair_id: str, facilitator: PersonRef = FACILITATOR
) -> dict[str, Any]:
    """The change team assigns a facilitator to the repair: the repair view."""
    response = await client.post(
        f"/v1/repairs/{repair_id}/facilitators",
        json={"facilitator": person_json(facilitator)},
        headers=by(CHANGE_TEAM, "change_team"),
    )
    assert response.is_success, f"assign: {response.status_code} {response.text}"
    answer: dict[str, Any] = response.json()
    return answer


async def join_all(client: httpx.AsyncClient, repair_id: str, *people: PersonRef) -> dict[str, Any]:
    """People (default: facilitator, responsible, affected) join in their usual roles: the
    facilitator assigned by the change team, the others added by the facilitator."""
    view: dict[str, Any] = {}
    for person in people or (FACILITATOR, RESPONSIBLE, AFFECTED):
        if person == FACILITATOR:
            view = await assign_as_change_team(client, repair_id)
            continue
        view = await post_ok(
            client,
            f"/v1/repairs/{repair_id}/participants",
            {"participant": person_json(person), "role": ROLES[person.person_id].value},
            actor=FACILITATOR,
        )
    return view


async def consent_all(
    client: httpx.AsyncClient, repair_id: str, version: int, *people: PersonRef
) -> dict[str, Any]:
    """Everyone named (default: responsible and affected) consents to `version`."""
    view: dict[str, Any] = {}
    for person in people or (RESPONSIBLE, AFFECTED):
        view = await post_ok(
            client,
            f"/v1/repairs/{repair_id}/agreement/consents",
            {"version": version, "decision": "give"},
            actor=person,
        )
    return view


async def agreed_via_api(
    client: httpx.AsyncClient, repair_id: str, *commitments: dict[str, Any]
) -> dict[str, Any]:
    """People joined, terms proposed by the facilitator, everyone consented: the repair view."""
    await join_all(client, repair_id)
    proposed = await post_ok(
        client,
        f"/v1/repairs/{repair_id}/agreement",
        {"commitments": list(commitments) or [commitment_json(NOW + timedelta(days=30))]},
        actor=FACILITATOR,
    )
    return await consent_all(client, repair_id, proposed["agreement"]["pending"]["version"])
