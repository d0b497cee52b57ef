"""Outside development mode a service refuses to start without its secrets, naming each."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from pydantic import SecretStr

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.key_store_start import key_store_from
from bridgework.common.privacy import PrivacyConfigError, new_kek_text
from bridgework.common.serve import refuse_to_start_without_secrets
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.settings import IntakeSettings

OWN_DATABASE = "postgresql://intake:a-password-of-its-own@db:5432/bridgework"
STRONG = "k" * 48
# What a service that verifies people's tokens needs of the identity provider.
IDENTITY_PROVIDER: dict[str, Any] = {
    "jwt_jwks_url": "https://login.example.org/.well-known/jwks.json",
    "jwt_issuer": "https://login.example.org",
    "jwt_audience": "bridgework",
}


@pytest.fixture(autouse=True)
def kafka_over_scram_and_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production Kafka for every test here (SCRAM over TLS, a user of the service's own);
    the Kafka tests at the end override it with the values they refuse."""
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_USERNAME", "intake")
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_PASSWORD", STRONG)


def test_a_service_on_the_development_database_password_will_not_start() -> None:
    settings = IntakeSettings(database_url="postgresql://bridgework:bridgework@db/bridgework")
    with pytest.raises(SystemExit, match="DATABASE_URL"):
        refuse_to_start_without_secrets(settings)


def test_development_mode_lifts_the_refusal() -> None:
    settings = IntakeSettings(development_mode=True)
    assert settings.missing_settings() == []
    refuse_to_start_without_secrets(settings)


def test_a_service_with_its_secrets_starts() -> None:
    refuse_to_start_without_secrets(
        IntakeSettings(database_url=OWN_DATABASE, pseudonym_key=SecretStr(STRONG))
    )


def test_intake_names_its_pseudonym_key() -> None:
    with pytest.raises(SystemExit, match="BRIDGEWORK_PSEUDONYM_KEY"):
        refuse_to_start_without_secrets(IntakeSettings(database_url=OWN_DATABASE))
    short = IntakeSettings(database_url=OWN_DATABASE, pseudonym_key=SecretStr("short"))
    assert [line.split(":")[0] for line in short.missing_settings()] == ["BRIDGEWORK_PSEUDONYM_KEY"]


def test_follow_up_names_its_check_in_key_admin_token_identity_provider_and_time_travel() -> None:
    settings = FollowupSettings(database_url=OWN_DATABASE, time_travel=True)
    missing = "\n".join(settings.missing_settings())
    assert "BRIDGEWORK_CHECK_IN_SECRET" in missing
    assert "BRIDGEWORK_ADMIN_TOKEN" in missing
    assert "BRIDGEWORK_TIME_TRAVEL" in missing
    for name in ("JWT_RS256_PUBLIC_KEY or BRIDGEWORK_JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert name in missing


def test_follow_up_refuses_weak_secrets_and_accepts_strong_ones() -> None:
    weak = FollowupSettings(
        database_url=OWN_DATABASE,
        check_in_secret=SecretStr("short"),
        admin_token=SecretStr("x"),
        **IDENTITY_PROVIDER,
    )
    assert len(weak.missing_settings()) == 2
    shared_secret_only = FollowupSettings(
        database_url=OWN_DATABASE,
        check_in_secret=SecretStr(STRONG),
        admin_token=SecretStr(STRONG),
        jwt_hs256_secret=SecretStr(STRONG),
    )
    assert len(shared_secret_only.missing_settings()) == 3
    strong = FollowupSettings(
        database_url=OWN_DATABASE,
        check_in_secret=SecretStr(STRONG),
        admin_token=SecretStr(STRONG),
        **IDENTITY_PROVIDER,
    )
    assert strong.missing_settings() == []


def test_the_gateway_needs_the_identity_providers_key_issuer_and_audience() -> None:
    shared_secret_only = GatewaySettings(
        database_url=OWN_DATABASE, jwt_hs256_secret=SecretStr(STRONG)
    )
    missing = "\n".join(shared_secret_only.missing_settings())
    for name in ("JWT_RS256_PUBLIC_KEY", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert name in missing
    configured = GatewaySettings(
        database_url=OWN_DATABASE,
        jwt_rs256_public_key="-----BEGIN PUBLIC KEY-----",
        jwt_issuer="https://login.example.org",
        jwt_audience="bridgework",
    )
    assert configured.missing_settings() == []


def test_the_refusal_names_every_missing_setting() -> None:
    with pytest.raises(SystemExit) as refused:
        refuse_to_start_without_secrets(FollowupSettings())
    message = str(refused.value)
    for name in (
        "DATABASE_URL",
        "BRIDGEWORK_CHECK_IN_SECRET",
        "BRIDGEWORK_ADMIN_TOKEN",
        "BRIDGEWORK_JWT_ISSUER",
    ):
        assert name in message


def test_every_service_settings_class_can_say_what_it_lacks() -> None:
    assert ServiceSettings(database_url=OWN_DATABASE).missing_settings() == []


def test_agreements_needs_the_identity_providers_key_issuer_and_audience() -> None:
    from bridgework.agreements.settings import AgreementsSettings

    shared_secret_only = AgreementsSettings(
        database_url=OWN_DATABASE, jwt_hs256_secret=SecretStr(STRONG)
    )
    with pytest.raises(SystemExit, match="BRIDGEWORK_JWT_ISSUER"):
        refuse_to_start_without_secrets(shared_secret_only)
    missing = "\n".join(shared_secret_only.missing_settings())
    for name in ("JWT_RS256_PUBLIC_KEY or BRIDGEWORK_JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert name in missing
    by_jwks = AgreementsSettings(
        database_url=OWN_DATABASE,
        jwt_jwks_url="https://login.example.org/.well-known/jwks.json",
        jwt_issuer="https://login.example.org",
        jwt_audience="bridgework",
    )
    assert by_jwks.missing_settings() == []


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_kafka_in_clear_is_refused_outside_development_mode(protocol: str) -> None:
    """SASL_PLAINTEXT too: its password (and the raw topic's department tokens) cross in clear."""
    settings = IntakeSettings(database_url=OWN_DATABASE, kafka_security_protocol=protocol)
    with pytest.raises(SystemExit, match="BRIDGEWORK_KAFKA_SECURITY_PROTOCOL"):
        refuse_to_start_without_secrets(settings)


def test_an_operator_may_allow_kafka_in_clear_where_a_mesh_encrypts_it() -> None:
    settings = IntakeSettings(
        database_url=OWN_DATABASE,
        kafka_security_protocol="PLAINTEXT",
        kafka_allow_plaintext=True,
        pseudonym_key=SecretStr(STRONG),
    )
    assert settings.missing_settings() == []


def test_development_mode_lets_a_laptop_use_its_plaintext_broker() -> None:
    settings = IntakeSettings(development_mode=True, kafka_security_protocol="PLAINTEXT")
    assert settings.missing_settings() == []


@pytest.mark.parametrize(
    "missing", ["BRIDGEWORK_KAFKA_SASL_USERNAME", "BRIDGEWORK_KAFKA_SASL_PASSWORD"]
)
def test_sasl_without_its_username_or_password_is_refused_by_name(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(SystemExit) as refused:
        refuse_to_start_without_secrets(IntakeSettings(database_url=OWN_DATABASE))
    assert missing in str(refused.value)
    assert STRONG not in str(refused.value)  # the password that is there is not echoed


@pytest.mark.parametrize("settings_class", [AgreementsSettings, FollowupSettings, GatewaySettings])
def test_the_services_that_seal_or_read_texts_name_a_missing_key_encryption_key(
    settings_class: type[ServiceSettings],
) -> None:
    without = settings_class(database_url=OWN_DATABASE, privacy_kek=None)
    with_one = settings_class(database_url=OWN_DATABASE, privacy_kek=SecretStr(new_kek_text()))

    assert "BRIDGEWORK_PRIVACY_KEK" in "\n".join(without.missing_settings())
    assert not [line for line in with_one.missing_settings() if "PRIVACY_KEK" in line]
    assert ("BRIDGEWORK_PRIVACY_KEK",) in without.required_variables()


def test_intake_seals_nothing_and_needs_no_key_encryption_key() -> None:
    missing = IntakeSettings(database_url=OWN_DATABASE, privacy_kek=None).missing_settings()
    assert not [line for line in missing if "PRIVACY_KEK" in line]


class NoKeysYet:
    """A connection whose key store holds nothing: a key would be made on first use."""

    async def fetchrow(self, *_: Any) -> None:
        return None

    async def fetchval(self, *_: Any) -> None:
        raise AssertionError("a key was stored without a usable KEK")


@pytest.mark.parametrize("kek", [None, "not base64!", "c2hvcnQ="])
async def test_without_a_usable_kek_no_text_is_sealed_even_in_development_mode(
    kek: str | None,
) -> None:
    settings = AgreementsSettings(
        development_mode=True, privacy_kek=SecretStr(kek) if kek is not None else None
    )
    store = key_store_from(settings)  # the app is still built: its documents can be

    with pytest.raises(PrivacyConfigError, match="BRIDGEWORK_PRIVACY_KEK"):
        await store.key_for(NoKeysYet(), person_id="p-1", repair_id=uuid4())  # type: ignore[arg-type]
