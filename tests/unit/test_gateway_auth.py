"""People's tokens and what each role may see (no infrastructure needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bridgework.common.clock import ManualClock
from bridgework.common.errors import DomainError
from bridgework.common.key_store_start import key_store_from
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient
from bridgework.graphql_gateway.read.domain import access
from bridgework.graphql_gateway.read.domain.viewer import Role
from bridgework.graphql_gateway.read.entrypoints.auth import bearer_token, verify
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges
from tests.gateway_factories import SECRET, T0, gateway_settings, token


def rsa_keys() -> tuple[Any, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def test_a_change_team_token_becomes_a_viewer() -> None:
    viewer = verify(token("p-chg-001", "change_team"), gateway_settings())

    assert viewer.subject == "p-chg-001"
    assert viewer.roles == frozenset({Role.CHANGE_TEAM})


def test_roles_may_be_a_space_separated_string_and_unknown_ones_are_ignored() -> None:
    raw = token("p-fac-001", roles="facilitator auditor")

    assert verify(raw, gateway_settings()).roles == frozenset({Role.FACILITATOR})


def test_an_rs256_token_is_checked_with_the_providers_public_key() -> None:
    private, public = rsa_keys()
    settings = gateway_settings(jwt_hs256_secret=None, jwt_rs256_public_key=public)

    viewer = verify(token("p-chg-002", algorithm="RS256", key=private), settings)

    assert viewer.subject == "p-chg-002"
    with pytest.raises(DomainError, match="HS256"):
        verify(token(), settings)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (token(expires_in=-3600), "expired"),
        (token(secret="another-secret-entirely-0123456789abcdef"), "not valid"),
        ("not.a.jwt", "not a JWT"),
        (jwt.encode({"sub": "p-1", "exp": int(time.time()) + 60}, "", algorithm="none"), "none"),
        (token("someone@example.org"), "pseudonymous"),
        (token("p-lead-1", "department_lead"), "department"),
        (jwt.encode({"sub": "p-1"}, SECRET, algorithm="HS256"), "exp"),
    ],
)
def test_a_bad_token_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        verify(raw, gateway_settings())


def test_issuer_and_audience_are_checked_when_configured() -> None:
    settings = gateway_settings(jwt_issuer="https://id.example.org", jwt_audience="bridgework")

    good = token(iss="https://id.example.org", aud="bridgework")
    assert verify(good, settings).subject == "p-chg-001"
    with pytest.raises(DomainError):
        verify(token(iss="https://other.example.org", aud="bridgework"), settings)
    with pytest.raises(DomainError):
        verify(token(iss="https://id.example.org"), settings)


def test_without_a_key_every_token_is_refused() -> None:
    with pytest.raises(DomainError, match="not accepted"):
        verify(token(), gateway_settings(jwt_hs256_secret=None))


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Token abc"])
def test_only_a_bearer_header_carries_a_token(header: str | None) -> None:
    with pytest.raises(DomainError):
        bearer_token(header)


def test_who_may_read_which_aggregates() -> None:
    settings = gateway_settings()
    change = verify(token(), settings)
    lead = verify(token("p-fin-001", "department_lead", department="finance"), settings)
    facilitator = verify(token("p-hr-009", "facilitator", department="hr"), settings)

    assert access.aggregates_department(change, None) == "*"
    assert access.aggregates_department(change, "it") == "it"
    assert access.aggregates_department(lead, None) == "finance"
    assert access.aggregates_department(lead, "finance") == "finance"
    assert access.aggregates_department(lead, "it") is None
    assert access.aggregates_department(facilitator, None) is None


def test_person_level_detail_is_for_the_repairs_people_only() -> None:
    settings = gateway_settings()
    change = verify(token(), settings)
    facilitator = verify(token("p-hr-009", "facilitator"), settings)
    people = {"p-hr-009", "p-it-001"}

    assert access.may_see_people(facilitator, people)
    assert not access.may_see_people(change, people)
    assert access.may_see_repair(change, ["it"], ())
    assert not access.may_see_repair(facilitator, ["it"], ())
    assert access.may_facilitate(facilitator, {"p-hr-009"})
    assert not access.may_facilitate(
        verify(token("p-it-001", "participant"), settings), {"p-it-001"}
    )


class BrokenPool:
    """A pool whose database fails with a message that must never reach a client."""

    def acquire(self) -> Any:
        raise RuntimeError("password authentication failed for user secret_admin")


def context(viewer_token: str | None) -> Context:
    settings = gateway_settings()
    return Context(
        pool=BrokenPool(),  # type: ignore[arg-type]
        settings=settings,
        clock=ManualClock(T0),
        changes=ReadModelChanges(),
        agreements=AgreementsClient("http://127.0.0.1:9", timeout=1),
        keys=key_store_from(settings),
        signed_in=verify(viewer_token, settings) if viewer_token else None,
    )


async def test_internal_errors_are_masked() -> None:
    schema = build_schema(gateway_settings())

    result = await schema.execute(
        "{ repairs(first: 1) { edges { cursor } } }", context_value=context(token())
    )

    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Unexpected error."]
    assert "secret_admin" not in str(result.errors[0].formatted)


async def test_client_errors_keep_their_message_and_code() -> None:
    schema = build_schema(gateway_settings())

    result = await schema.execute(
        "{ repairs(first: 0) { edges { cursor } } }", context_value=context(token())
    )

    assert result.errors is not None
    assert result.errors[0].message == "`first` must be between 1 and 100"
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_a_context_without_a_viewer_answers_unauthenticated() -> None:
    schema = build_schema(gateway_settings())

    result = await schema.execute("{ viewer { personId } }", context_value=context(None))

    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "UNAUTHENTICATED"}


DEV_JWT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "dev_jwt.py"


def test_a_minted_demo_token_verifies_with_the_same_settings() -> None:
    settings = gateway_settings(jwt_issuer="https://id.example.org", jwt_audience="bridgework")
    environment = {
        **os.environ,
        "BRIDGEWORK_JWT_HS256_SECRET": SECRET,
        "BRIDGEWORK_JWT_ISSUER": "https://id.example.org",
        "BRIDGEWORK_JWT_AUDIENCE": "bridgework",
    }
    command = [sys.executable, str(DEV_JWT), "--sub", "p-it-100", "--roles", "department_lead"]
    minted = subprocess.run(  # noqa: S603 - our own script, with fixed arguments
        [*command, "--department", "it", "--hours", "1"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    viewer = verify(minted.stdout.strip(), settings)
    assert (viewer.subject, viewer.department, viewer.roles) == (
        "p-it-100",
        "it",
        frozenset({Role.DEPARTMENT_LEAD}),
    )
