"""Builders of the repairs-stream events follow-up consumes, as agreements publishes them,
and of follow-up's own settings; tests override only what they are about."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from bridgework.common.contracts import (
    AgreementReachedV1,
    CommitmentKeptV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    Contract,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RepairClosedV1,
    RepairEvent,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.events import Event, decode_headers, from_kafka
from bridgework.common.identity import development_token
from bridgework.followup.domain.nudge_policy import NudgePolicy, Weekday
from bridgework.followup.settings import FollowupSettings
from tests.factories import sealed
from tests.infra import Infrastructure, produce, read_topic

C = TypeVar("C", bound=Contract)

# Monday 2 November 2026, 09:30 UTC: a working morning.
MONDAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
OWNER = PersonRef(person_id="p-it-001", department="it")
AFFECTED = PersonRef(person_id="p-fin-014", department="finance")
FACILITATOR = PersonRef(person_id="p-hr-900", department="hr")
WEEKDAYS = frozenset([Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI])
# The tests' signing secret of people's development tokens (as agreements' tests use).
JWT_SECRET = "bridgework-tests-only-hs256-secret-0123456789"


def policy(**overrides: Any) -> NudgePolicy:
    fields: dict[str, Any] = {
        "lead_time": timedelta(days=2),
        "repeat_interval": timedelta(days=3),
        "quiet_hours_start": time(18, 0),
        "quiet_hours_end": time(8, 0),
        "working_days": WEEKDAYS,
        "time_zone": "UTC",
        "check_in_delay": timedelta(days=1),
        "lapse_offer_repeats": 1,
    }
    fields.update(overrides)
    return NudgePolicy(**fields)


def terms(**overrides: Any) -> CommitmentTerms:
    fields: dict[str, Any] = {
        "commitment_id": uuid4(),
        "terms_version": 1,
        "owner": OWNER,
        "owed_to": [AFFECTED],
        "action": sealed("Restore USB access for finance and agree notice for future changes."),
        "due_at": MONDAY + timedelta(days=7),  # the next Monday, 09:30
    }
    fields.update(overrides)
    return CommitmentTerms(**fields)


def joined(repair_id: UUID, person: PersonRef, role: ParticipantRole) -> ParticipantJoinedV1:
    return ParticipantJoinedV1(repair_id=repair_id, participant=person, role=role, joined_at=MONDAY)


def agreement_reached(
    repair_id: UUID, commitments: list[CommitmentTerms], **overrides: Any
) -> AgreementReachedV1:
    fields: dict[str, Any] = {
        "repair_id": repair_id,
        "agreement_id": uuid4(),
        "version": 1,
        "commitments": commitments,
        "consented_by": [OWNER, AFFECTED],
        "reached_at": MONDAY,
        "response_mode": ResponseMode.WITH,
    }
    fields.update(overrides)
    return AgreementReachedV1(**fields)


def kept(
    repair_id: UUID, agreement_id: UUID, promise: CommitmentTerms, at: datetime
) -> CommitmentKeptV1:
    return CommitmentKeptV1(
        repair_id=repair_id,
        agreement_id=agreement_id,
        commitment_id=promise.commitment_id,
        terms_version=promise.terms_version,
        owner=promise.owner,
        due_at=promise.due_at,
        kept_at=at,
        on_time=at <= promise.due_at,
    )


def renegotiated(
    repair_id: UUID, agreement_id: UUID, promise: CommitmentTerms, *, due_at: datetime
) -> tuple[CommitmentRenegotiatedV1, CommitmentTerms]:
    new_terms = promise.model_copy(
        update={"terms_version": promise.terms_version + 1, "due_at": due_at}
    )
    event = CommitmentRenegotiatedV1(
        repair_id=repair_id,
        agreement_id=agreement_id,
        agreement_version=promise.terms_version + 1,
        previous_terms_version=promise.terms_version,
        terms=new_terms,
        reason=sealed("The supplier needs another week."),
        renegotiated_at=MONDAY,
    )
    return event, new_terms


def released(repair_id: UUID, agreement_id: UUID, promise: CommitmentTerms) -> CommitmentReleasedV1:
    return CommitmentReleasedV1(
        repair_id=repair_id,
        agreement_id=agreement_id,
        commitment_id=promise.commitment_id,
        terms_version=promise.terms_version,
        owner=promise.owner,
        reason=sealed("Finance found another way; both sides agreed it is no longer needed."),
        released_at=MONDAY,
    )


def closed(repair_id: UUID, at: datetime) -> RepairClosedV1:
    return RepairClosedV1(
        repair_id=repair_id,
        outcome=RepairOutcome.UNREPAIRED,
        reason_code="withdrawn",
        reason=sealed("The people involved chose to stop."),
        response_mode=ResponseMode.WITH,
        closed_at=at,
    )


# --- real receivers for the channels: an SMTP server and an HTTP webhook endpoint ------------


class Inbox:
    """A real SMTP server (aiosmtpd) on a free local port, keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or b""
        parsed = BytesParser(policy=email_policy.default).parsebytes(content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    async def __aenter__(self) -> Inbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="inbox.example.org"), "127.0.0.1", 0
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class RefusingInbox(Inbox):
    """An SMTP server that refuses every recipient, quoting the address as real servers do."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@dataclass
class WebhookReceiver:
    """A real HTTP endpoint on a free local port that records JSON posts; it answers 500 to
    the first `fail_first` requests, to exercise retries."""

    fail_first: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/team"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (
                        int(v)
                        for k, _, v in (line.partition(":") for line in lines[1:])
                        if k.strip().lower() == "content-length"
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.requests += 1
                if self.requests <= self.fail_first:
                    status = b"500 Internal Server Error"
                else:
                    status = b"200 OK"
                    self.posts.append(json.loads(body))
                writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


# --- running follow-up against the real broker and database ---------------------------------


def followup_settings(
    infra: Infrastructure, database_url: str, namespace: str, **overrides: Any
) -> FollowupSettings:
    """Settings for a test: fast polls, quick retries, a known check-in secret, people's
    tokens signed with JWT_SECRET (development mode: no admin token means no credential)."""
    fields: dict[str, Any] = {
        "development_mode": True,
        "jwt_hs256_secret": JWT_SECRET,
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
        "outbox_poll_seconds": 0.1,
        "scheduler_poll_seconds": 0.05,
        "delivery_poll_seconds": 0.05,
        "delivery_retry_base_seconds": 0.2,
        "check_in_secret": "integration-test-secret",
        "public_base_url": "https://followup.example.org",
    }
    fields.update(overrides)
    return FollowupSettings(**fields)


def as_person(person: PersonRef | str, *roles: str) -> dict[str, str]:
    """The Authorization header of a person's own development token (participant unless
    `roles` says otherwise; a PersonRef's department goes into the token)."""
    if isinstance(person, str):
        sub, department = person, None
    else:
        sub, department = person.person_id, person.department
    token = development_token(
        JWT_SECRET, sub=sub, roles=list(roles) or ["participant"], department=department
    )
    return {"Authorization": f"Bearer {token}"}


async def publish(settings: FollowupSettings, *events: RepairEvent) -> None:
    """Put repair events on the repairs topic, as agreements would."""
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        [Event.new(e, source="/bridgework/agreements", time=MONDAY) for e in events],
    )


async def followup_events(
    settings: FollowupSettings, *, until: Callable[[list[Contract]], bool], settle: float = 0.0
) -> list[Contract]:
    """Follow-up's events on its topic, read from the start until `until` holds (then `settle`
    seconds more, to catch a second copy that should not be there)."""

    def decoded(records: list[Any]) -> list[Contract]:
        return [from_kafka(decode_headers(r.headers), r.value).data for r in records]

    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.followups,
        until=lambda records: until(decoded(records)),
        settle=settle,
    )
    return decoded(records)


def of_type(events: list[Contract], kind: type[C]) -> list[C]:
    return [e for e in events if isinstance(e, kind)]


async def schedule_of(client: httpx.AsyncClient, repair_id: UUID) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/repairs/{repair_id}")
    if response.status_code != 200:
        return []
    schedule: list[dict[str, Any]] = response.json()["schedule"]
    return schedule


async def scheduled(client: httpx.AsyncClient, repair_id: UUID, *kinds: str) -> bool:
    """Whether the repair's pending timers are exactly `kinds` (in any order)."""
    pending = [t["kind"] for t in await schedule_of(client, repair_id) if t["status"] == "pending"]
    return sorted(pending) == sorted(kinds)
