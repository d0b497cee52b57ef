"""Follow-up's trust rules without I/O: where it may send, what a failure may say, and a
check-in that the stored row, not only the link, decides."""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import aiosmtplib
import httpx
import pytest

from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.clients.channels import Channels, DeliveryFailed, smtp_reason
from bridgework.followup.clients.targets import TargetRefused, ensure_public_webhook
from bridgework.followup.domain.check_ins import CheckIn, ensure_answerable
from bridgework.followup.domain.deliveries import Draft
from bridgework.followup.domain.messages import Message
from bridgework.followup.domain.targets import (
    check_email_address,
    check_webhook_url,
    refused_address,
)
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.firing import random_check_in_id

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "a link-local address"),
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.0.1", "a private address"),
        ("fc00::1", "a private address"),
        ("0.0.0.0", "the unspecified address"),  # noqa: S104 - refused, not bound
        ("::", "the unspecified address"),
        ("239.1.1.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("100.64.0.1", "a private address"),
    ],
)
def test_addresses_of_the_network_itself_are_refused(address: str, why: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:85e5", "172.32.0.1"])
def test_public_addresses_are_taken(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is None


def test_a_webhook_url_is_checked_by_scheme_and_literal_address() -> None:
    assert check_webhook_url("https://chat.example.org/h", field="url", allow_private=False)
    assert check_webhook_url("http://127.0.0.1:9/h", field="url", allow_private=True)
    for url in ("ftp://chat.example.org/h", "http://169.254.169.254/", "file:///etc/passwd"):
        with pytest.raises(DomainError) as refused:
            check_webhook_url(url, field="url", allow_private=False)
        assert (refused.value.kind, refused.value.field) == (ErrorKind.INVALID, "url")


@pytest.mark.parametrize("email", ["sam@[127.0.0.1]", "sam@10.0.0.1", "sam@[IPv6:::1]"])
def test_an_email_address_at_an_ip_literal_is_refused(email: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_email_address(email, field="email")
    assert refused.value.field == "email"


async def test_a_host_name_is_judged_by_what_it_resolves_to() -> None:
    with pytest.raises(TargetRefused, match="loopback"):
        await ensure_public_webhook("http://localhost/hook", allow_private=False)
    with pytest.raises(TargetRefused, match="link-local"):
        await ensure_public_webhook("http://169.254.169.254/", allow_private=False)
    await ensure_public_webhook("http://localhost/hook", allow_private=True)


def test_a_refused_recipient_is_reported_by_its_code_alone() -> None:
    address = "sam.okafor@example.org"
    refusal = aiosmtplib.SMTPRecipientRefused(550, f"5.1.1 <{address}>: unknown", address)
    reasons = [
        smtp_reason(aiosmtplib.SMTPRecipientsRefused([refusal])),
        smtp_reason(refusal),
        smtp_reason(aiosmtplib.SMTPDataError(554, f"rejected for {address}")),
        smtp_reason(ConnectionRefusedError(f"no route to {address}")),
    ]

    assert reasons == [
        "recipient refused (550)",
        "SMTP: SMTPRecipientRefused (550)",
        "SMTP: SMTPDataError (554)",
        "SMTP: ConnectionRefusedError",
    ]


def test_check_in_ids_are_random() -> None:
    ids = {random_check_in_id() for _ in range(100)}

    assert len(ids) == 100
    assert {i.version for i in ids} == {4}


def test_the_stored_expiry_ends_a_check_in_whatever_its_link_says() -> None:
    check_in = CheckIn(uuid4(), uuid4(), PersonRef(person_id="p-1", department="it"), "asked", NOW)

    assert ensure_answerable(check_in, now=NOW - timedelta(seconds=1)) == check_in
    with pytest.raises(DomainError) as expired:
        ensure_answerable(check_in, now=NOW)
    assert (expired.value.code, expired.value.kind) == ("link_expired", ErrorKind.GONE)
    with pytest.raises(DomainError) as answered:
        ensure_answerable(
            CheckIn(check_in.check_in_id, check_in.repair_id, check_in.person, "answered", NOW),
            now=NOW + timedelta(days=1),
        )
    assert answered.value.code == "already_answered"


async def test_the_http_library_does_not_log_webhook_urls() -> None:
    async with Channels.open(FollowupSettings(development_mode=True)):
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8080/hook",
        "http://[::ffff:a9fe:a9fe]/hook",
        "gopher://chat.example.org/hook",
    ],
)
async def test_a_stored_webhook_at_a_private_address_is_not_posted_to(url: str) -> None:
    posted: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(200)

    settings = FollowupSettings(development_mode=True)
    draft = Draft(Message("Hello", "Hello", "<p>Hello</p>"), "Sam", None, url)
    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as http:
        with pytest.raises(DeliveryFailed, match=r"^webhook refused: ") as refused:
            await Channels(settings, http).webhook(draft)

    assert posted == []
    assert "/hook" not in str(refused.value)
    assert "meta-data" not in str(refused.value)


async def test_a_stored_email_at_an_ip_address_is_not_sent() -> None:
    settings = FollowupSettings(development_mode=True, smtp_host="127.0.0.1", smtp_port=9)
    draft = Draft(Message("Hello", "Hello", "<p>Hello</p>"), "Sam", "sam@[10.0.0.1]", None)
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryFailed, match="IP address refused"):
            await Channels(settings, http).email(draft, message_id="<1@x>", sent_at=NOW)
