"""Common's verifier of people's tokens, with real keys: HS256 (development only), RS256 and
ES256 from a PEM, keys from a JWKS URL; issuer, audience, lifetime and the claims it needs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.identity import (
    PersonTokenSettings,
    bearer_token,
    development_token,
    verify_person,
    verify_person_off_loop,
)

SECRET = "bridgework-tests-only-hs256-secret-0123456789"
ISSUER = "https://id.example.org"
AUDIENCE = "bridgework"


def pem(private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def settings(**overrides: Any) -> PersonTokenSettings:
    values: dict[str, Any] = {"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}
    values.update(overrides)
    return PersonTokenSettings(**values)


def signed(key: Any, algorithm: str, lifetime: int = 600, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "sub": "p-fac-001",
        "roles": ["facilitator"],
        "department": "hr",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": "k1"})


def refused(reason: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(
        DomainError, match=reason, check=lambda e: e.kind is ErrorKind.UNAUTHENTICATED
    )


@pytest.mark.parametrize(
    ("key", "algorithm"), [(RSA_KEY, "RS256"), (EC_KEY, "ES256")], ids=["rsa", "ec"]
)
def test_a_providers_token_is_checked_with_its_public_key(key: Any, algorithm: str) -> None:
    person = verify_person(signed(key, algorithm), settings(jwt_rs256_public_key=pem(key)))

    assert person.subject == "p-fac-001"
    assert person.roles == frozenset({"facilitator"})
    assert person.department == "hr"
    assert person.seconds_left(time.time()) > 500


def test_a_token_signed_by_another_key_is_refused() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with refused("not valid"):
        verify_person(signed(other, "RS256"), settings(jwt_rs256_public_key=pem(RSA_KEY)))
    with refused("not accepted"):
        verify_person(signed(EC_KEY, "ES256"), settings(jwt_rs256_public_key=pem(RSA_KEY)))


def test_hs256_is_accepted_in_development_mode_only() -> None:
    raw = development_token(
        SECRET, sub="p-chg-001", roles=["change_team"], issuer=ISSUER, audience=AUDIENCE
    )

    assert verify_person(raw, settings(jwt_hs256_secret=SECRET, development_mode=True))
    with refused("HS256"):
        verify_person(raw, settings(jwt_hs256_secret=SECRET))


def test_issuer_and_audience_are_checked() -> None:
    configured = settings(jwt_rs256_public_key=pem(RSA_KEY))

    with refused("another issuer"):
        verify_person(signed(RSA_KEY, "RS256", iss="https://evil.example"), configured)
    with refused("another audience"):
        verify_person(signed(RSA_KEY, "RS256", aud="another-app"), configured)
    with refused("iss"):
        verify_person(signed(RSA_KEY, "RS256", iss=None), configured)


def test_outside_development_mode_issuer_and_audience_must_be_configured() -> None:
    unconfigured = settings(jwt_rs256_public_key=pem(RSA_KEY), jwt_issuer=None, jwt_audience=None)

    with refused("no issuer and audience"):
        verify_person(signed(RSA_KEY, "RS256"), unconfigured)
    assert unconfigured.required_settings()[-2:] == [
        "BRIDGEWORK_JWT_ISSUER: the identity provider's issuer",
        "BRIDGEWORK_JWT_AUDIENCE: the audience tokens are issued for",
    ]


def test_required_settings_name_the_missing_key() -> None:
    missing = PersonTokenSettings(jwt_hs256_secret=SECRET).required_settings()

    assert any(
        m.startswith("BRIDGEWORK_JWT_RS256_PUBLIC_KEY or BRIDGEWORK_JWT_JWKS_URL") for m in missing
    )
    assert not [
        m
        for m in settings(jwt_jwks_url="https://id.example.org/jwks").required_settings()
        if m.startswith("BRIDGEWORK_JWT")
    ]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": None}, "exp"),
        ({"iat": None}, "iat"),
        ({"sub": None}, "sub"),
        ({"sub": "someone@example.org"}, "pseudonymous"),
        ({"department": "Human Resources"}, "department"),
        ({"roles": {"a": 1}}, "roles"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
)
def test_a_token_without_what_it_needs_is_refused(claims: dict[str, Any], reason: str) -> None:
    with refused(reason):
        verify_person(
            signed(RSA_KEY, "RS256", **claims), settings(jwt_rs256_public_key=pem(RSA_KEY))
        )


def test_a_token_may_live_no_longer_than_the_maximum() -> None:
    configured = settings(jwt_rs256_public_key=pem(RSA_KEY), jwt_max_lifetime_seconds=3600)

    assert verify_person(signed(RSA_KEY, "RS256", lifetime=3600), configured)
    with refused("longer than the 3600 seconds allowed"):
        verify_person(signed(RSA_KEY, "RS256", lifetime=3601), configured)
    assert PersonTokenSettings().jwt_max_lifetime_seconds == 12 * 3600


def test_leeway_allows_a_little_clock_skew() -> None:
    just_expired = signed(RSA_KEY, "RS256", exp=int(time.time()) - 5)

    assert verify_person(just_expired, settings(jwt_rs256_public_key=pem(RSA_KEY)))
    with refused("expired"):
        verify_person(
            just_expired, settings(jwt_rs256_public_key=pem(RSA_KEY), jwt_leeway_seconds=0)
        )


@pytest.fixture
def jwks_url() -> Iterator[str]:
    """The identity provider's JWKS, served on localhost."""
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    document = json.dumps({"keys": [{**key, "kid": "k1", "alg": "RS256", "use": "sig"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document.encode())

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()


def test_keys_come_from_the_providers_jwks(jwks_url: str) -> None:
    configured = settings(jwt_jwks_url=jwks_url)

    assert verify_person(signed(RSA_KEY, "RS256"), configured).subject == "p-fac-001"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with refused("not valid"):
        verify_person(signed(other, "RS256"), configured)


async def test_async_code_verifies_a_jwks_token_off_the_event_loop(jwks_url: str) -> None:
    person = await verify_person_off_loop(signed(RSA_KEY, "RS256"), settings(jwt_jwks_url=jwks_url))

    assert person.subject == "p-fac-001"


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Token abc"])
def test_only_a_bearer_header_carries_a_token(header: str | None) -> None:
    with refused("Bearer|bearer"):
        bearer_token(header)
