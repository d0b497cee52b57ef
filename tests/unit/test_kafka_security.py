"""Kafka security settings: from the environment to FastStream's and aiokafka's options."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import ValidationError

from bridgework.common.kafka import make_broker
from bridgework.common.kafka_security import (
    KafkaSecurity,
    KafkaSecurityError,
    client_options,
    faststream_security,
)
from bridgework.common.settings import ServiceSettings

PASSWORD = "a-scram-password-of-intakes-own"


@pytest.fixture
def ca_file(tmp_path: Path) -> str:
    """A self-signed CA certificate in PEM, as a cluster's CA bundle would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "ca.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path)


def sasl_ssl_env(monkeypatch: pytest.MonkeyPatch, ca_file: str) -> None:
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_USERNAME", "intake")
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SSL_CAFILE", ca_file)


def test_by_default_a_client_speaks_plaintext_and_says_nothing_more() -> None:
    security = ServiceSettings().kafka_security

    assert client_options(security) == {"security_protocol": "PLAINTEXT"}
    assert faststream_security(security) is None


def test_scram_over_tls_from_the_environment_reaches_every_client(
    monkeypatch: pytest.MonkeyPatch, ca_file: str
) -> None:
    sasl_ssl_env(monkeypatch, ca_file)
    settings = ServiceSettings()

    options = client_options(settings.kafka_security)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("intake", PASSWORD)
    context = options["ssl_context"]
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test-ca"),),)]

    security = faststream_security(settings.kafka_security)
    assert isinstance(security, SASLScram512)
    assert security.use_ssl
    assert security.username == "intake"
    # The broker a service runs on gets the same security (not only the outbox's producer).
    broker = make_broker(settings)
    assert isinstance(broker.specification.security, SASLScram512)


@pytest.mark.parametrize(
    ("mechanism", "kind"),
    [("SCRAM-SHA-256", SASLScram256), ("PLAIN", SASLPlaintext), ("SCRAM-SHA-512", SASLScram512)],
)
def test_each_allowed_sasl_mechanism_maps_to_its_faststream_kind(
    mechanism: str, kind: type[BaseSecurity], monkeypatch: pytest.MonkeyPatch, ca_file: str
) -> None:
    sasl_ssl_env(monkeypatch, ca_file)
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_MECHANISM", mechanism)
    settings = ServiceSettings()

    assert type(faststream_security(settings.kafka_security)) is kind
    assert client_options(settings.kafka_security)["sasl_mechanism"] == mechanism


def test_tls_alone_and_a_turned_off_hostname_check(ca_file: str) -> None:
    security = KafkaSecurity(protocol="SSL", cafile=ca_file, check_hostname=False)

    options = client_options(security)
    assert "sasl_mechanism" not in options
    assert options["ssl_context"].check_hostname is False
    made = faststream_security(security)
    assert type(made) is BaseSecurity
    assert made.use_ssl


def test_an_unknown_protocol_or_mechanism_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SECURITY_PROTOCOL", "TLS")
    with pytest.raises(ValidationError, match="kafka_security_protocol"):
        ServiceSettings()
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("BRIDGEWORK_KAFKA_SASL_MECHANISM", "GSSAPI")
    with pytest.raises(ValidationError, match="kafka_sasl_mechanism"):
        ServiceSettings()


def test_sasl_without_a_username_cannot_build_a_client_in_any_mode() -> None:
    settings = ServiceSettings(development_mode=True, kafka_security_protocol="SASL_SSL")

    with pytest.raises(KafkaSecurityError, match="BRIDGEWORK_KAFKA_SASL_USERNAME"):
        make_broker(settings)
    with pytest.raises(KafkaSecurityError, match="BRIDGEWORK_KAFKA_SASL_PASSWORD"):
        client_options(settings.kafka_security)


def test_a_missing_ca_file_is_named() -> None:
    security = KafkaSecurity(protocol="SSL", cafile="/nowhere/ca.pem")

    with pytest.raises(KafkaSecurityError, match="BRIDGEWORK_KAFKA_SSL_CAFILE: no such file"):
        client_options(security)


def test_a_client_certificate_needs_its_key_and_tls() -> None:
    half = KafkaSecurity(protocol="SSL", certfile="/etc/client.pem")
    with pytest.raises(KafkaSecurityError, match="BRIDGEWORK_KAFKA_SSL_KEYFILE"):
        client_options(half)
    in_clear = KafkaSecurity(protocol="PLAINTEXT", cafile="/etc/ca.pem")
    with pytest.raises(KafkaSecurityError, match="only used with TLS"):
        client_options(in_clear)


def test_the_password_stays_out_of_reprs(monkeypatch: pytest.MonkeyPatch, ca_file: str) -> None:
    sasl_ssl_env(monkeypatch, ca_file)
    settings = ServiceSettings()

    assert PASSWORD not in repr(settings)
    assert PASSWORD not in repr(settings.kafka_security)
    assert PASSWORD not in str(settings.kafka_security)
