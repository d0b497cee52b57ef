"""Agreements' HTTP API as the gateway's mutations call it, typed on both sides.

The models here are the gateway's own: exactly the fields it sends and reads.
tests/unit/test_gateway_agreements_contract.py holds them to agreements' OpenAPI document.
Every call carries the person's own bearer token: agreements verifies it and takes the actor
from it (bodies name no actor), and decides what that person may do in the repair.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from bridgework.common.contracts import ParticipantRole, Question, RepairOutcome, ResponseMode

logger = logging.getLogger(__name__)


# Why a repair closed other than repaired, in agreements' order (its 422 lists them so).
CloseReasonCode = Literal[
    "no_agreement",
    "commitments_not_kept",
    "not_made_right",
    "participant_withdrew",
    "unsafe_to_continue",
    "outside_restorative_scope",
    "other",
]


class Sent(BaseModel):
    """A request body, as the gateway sends it."""

    model_config = ConfigDict(frozen=True)


class Read(BaseModel):
    """An answer's fields the gateway reads (agreements' others are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Person(Sent):
    person_id: str
    department: str


class CommitmentDraft(Sent):
    owner: Person
    action: str
    due_at: datetime
    owed_to: list[Person]
    owed_to_departments: list[str]
    commitment_id: UUID | None = None  # sent only when set: revises a pending commitment


class JoinRepair(Sent):
    participant: Person
    role: ParticipantRole


class AssignFacilitator(Sent):
    facilitator: Person


class AnswerFacilitationOffer(Sent):
    decision: Literal["approve", "decline"]
    reason: str | None


class AnswerSent(Sent):
    question: Question
    text: str


class RecordConversation(Sent):
    participant: Person
    answers: list[AnswerSent]


class LinkIncident(Sent):
    incident_id: UUID


class ProposeAgreement(Sent):
    commitments: list[CommitmentDraft]


class AnswerProposal(Sent):
    version: int
    decision: Literal["give", "decline"]
    reason: str | None


class ImposeOutcome(Sent):
    reason: str
    commitments: list[CommitmentDraft]


class KeepCommitment(Sent):
    kept_at: datetime | None


class RenegotiateCommitment(Sent):
    reason: str
    action: str | None
    due_at: datetime | None


class ReleaseCommitment(Sent):
    reason: str


class CloseRepair(Sent):
    outcome: RepairOutcome
    reason_code: CloseReasonCode | None
    reason: str | None


class AgreementRead(Read):
    status: str
    latest_version: int


class RepairRead(Read):
    repair_id: UUID
    status: str
    response_mode: ResponseMode | None
    agreement: AgreementRead | None


class ParticipantRead(Read):
    person_id: str


class ConversationRead(Read):
    participant: ParticipantRead
    recorded_at: datetime


# A model (a change's answers are a list: a RootModel) the gateway reads from a success.
AnswerT = TypeVar("AnswerT", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[AnswerT]):
    """One endpoint the gateway calls: method, path template, what it sends and reads."""

    method: str
    path: str
    sends: type[Sent] | None  # None: the call takes no body
    reads: type[AnswerT]


JOIN = Call("POST", "/v1/repairs/{repair_id}/participants", JoinRepair, RepairRead)
CONVERSE = Call(
    "POST", "/v1/repairs/{repair_id}/conversation", RecordConversation, ConversationRead
)
LINK = Call("POST", "/v1/repairs/{repair_id}/incidents", LinkIncident, RepairRead)
PROPOSE = Call("POST", "/v1/repairs/{repair_id}/agreement", ProposeAgreement, RepairRead)
ANSWER = Call("POST", "/v1/repairs/{repair_id}/agreement/consents", AnswerProposal, RepairRead)
IMPOSE = Call("POST", "/v1/repairs/{repair_id}/impose", ImposeOutcome, RepairRead)
KEEP = Call(
    "POST",
    "/v1/repairs/{repair_id}/commitments/{commitment_id}/kept",
    KeepCommitment,
    RepairRead,
)
RENEGOTIATE = Call(
    "POST",
    "/v1/repairs/{repair_id}/commitments/{commitment_id}/renegotiate",
    RenegotiateCommitment,
    RepairRead,
)
RELEASE = Call(
    "POST",
    "/v1/repairs/{repair_id}/commitments/{commitment_id}/release",
    ReleaseCommitment,
    RepairRead,
)
CLOSE = Call("POST", "/v1/repairs/{repair_id}/close", CloseRepair, RepairRead)
ASSIGN = Call("POST", "/v1/repairs/{repair_id}/facilitators", AssignFacilitator, RepairRead)
OFFER = Call("POST", "/v1/repairs/{repair_id}/facilitation-offers", None, RepairRead)
ANSWER_OFFER = Call(
    "POST",
    "/v1/repairs/{repair_id}/facilitation-offers/{person_id}",
    AnswerFacilitationOffer,
    RepairRead,
)
CALLS: tuple[Call[Any], ...] = (
    JOIN, CONVERSE, LINK, PROPOSE, ANSWER, IMPOSE, KEEP, RENEGOTIATE, RELEASE, CLOSE, ASSIGN,
    OFFER, ANSWER_OFFER,
)  # fmt: skip


@dataclass(frozen=True)
class Accepted(Generic[AnswerT]):
    """2xx: the change is made (and its events are in agreements' outbox)."""

    answer: AnswerT


@dataclass(frozen=True)
class FieldRefusal:
    field: str
    reason: str


@dataclass(frozen=True)
class Refused:
    """4xx: the change was refused, with agreements' code and detail (and failing fields)."""

    status: int
    code: str
    detail: str
    fields: tuple[FieldRefusal, ...] = ()


@dataclass(frozen=True)
class Unreachable:
    """Agreements did not answer usefully (down, timed out, 5xx): nothing is known to be done."""

    detail: str


Outcome = Accepted[AnswerT] | Refused | Unreachable


def _refusal(status: int, body: dict[str, Any]) -> Refused:
    raw_fields = body.get("fields")
    fields = tuple(
        FieldRefusal(field=str(f.get("field")), reason=str(f.get("reason")))
        for f in (raw_fields if isinstance(raw_fields, list) else [])
        if isinstance(f, dict)
    )
    return Refused(
        status=status,
        code=str(body.get("error", "refused")),
        detail=str(body.get("detail", "refused")),
        fields=fields,
    )


class AgreementsClient:
    """A pooled HTTP client for agreements; `transport` lets tests run agreements in-process."""

    def __init__(
        self, base_url: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def call(
        self, call: Call[AnswerT], body: Sent | None, *, token: str, **ids: UUID | str
    ) -> Outcome[AnswerT]:
        """Send `body` (None: no body) to the endpoint `call` names, as the person whose
        `token` it is, with `ids` filling its path."""
        # Quoted whole: a person id from a client must not reach another path.
        path = call.path.format(**{name: quote(str(value), safe="") for name, value in ids.items()})
        sent = None if body is None else body.model_dump(mode="json", exclude_unset=True)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await self._client.request(call.method, path, json=sent, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("agreements unreachable for %s %s: %r", call.method, path, error)
            return Unreachable("the agreements service did not answer; nothing was changed")
        if response.status_code >= 500:
            logger.warning(
                "agreements answered %s for %s %s", response.status_code, call.method, path
            )
            return Unreachable("the agreements service failed; try again")
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict | list):
            payload = {}
        if not response.is_success:
            return _refusal(response.status_code, payload if isinstance(payload, dict) else {})
        try:
            return Accepted(call.reads.model_validate(payload))
        except ValidationError as error:
            logger.warning("agreements answered %s %s unreadably: %s", call.method, path, error)
            return Unreachable("the agreements service answered in a way the gateway cannot read")

    async def close_when_stopped(self, _runtime: object) -> None:
        """Background task: hold the client open while the service runs, close it at stop."""
        try:
            await asyncio.Event().wait()
        finally:
            await self._client.aclose()
