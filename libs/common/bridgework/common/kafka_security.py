"""How every Kafka client of Bridgework authenticates and encrypts: TLS, SASL, or neither.

One value (`KafkaSecurity`, read from `BRIDGEWORK_KAFKA_*` by `ServiceSettings`) and two
translations of it: FastStream's `security=` object for a service's broker, and aiokafka
keyword arguments for the clients Bridgework builds itself (the outbox producer, the admin
client that makes topics). kafka-python, which applies ACLs, takes the same keywords.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

# The environment variables, so that an error names what the operator must set.
PROTOCOL_VARIABLE = "BRIDGEWORK_KAFKA_SECURITY_PROTOCOL"
USERNAME_VARIABLE = "BRIDGEWORK_KAFKA_SASL_USERNAME"
PASSWORD_VARIABLE = "BRIDGEWORK_KAFKA_SASL_PASSWORD"  # noqa: S105 - a variable's name
CAFILE_VARIABLE = "BRIDGEWORK_KAFKA_SSL_CAFILE"
CERTFILE_VARIABLE = "BRIDGEWORK_KAFKA_SSL_CERTFILE"
KEYFILE_VARIABLE = "BRIDGEWORK_KAFKA_SSL_KEYFILE"
ALLOW_PLAINTEXT_VARIABLE = "BRIDGEWORK_KAFKA_ALLOW_PLAINTEXT"

_SASL_CLASSES: dict[SaslMechanism, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "SCRAM-SHA-512": SASLScram512,
    "SCRAM-SHA-256": SASLScram256,
    "PLAIN": SASLPlaintext,
}


class KafkaSecurityError(ValueError):
    """The Kafka security settings cannot work together; the message names the variable."""


@dataclass(frozen=True)
class KafkaSecurity:
    """What a Kafka client needs to reach a cluster that wants TLS and/or SASL."""

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    check_hostname: bool = True

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def in_clear(self) -> bool:
        """Records (and SASL credentials, if any) cross the network unencrypted."""
        return not self.uses_tls

    def __repr__(self) -> str:
        # A password must not reach a log line through a repr.
        return (
            f"KafkaSecurity(protocol={self.protocol!r}, sasl_mechanism={self.sasl_mechanism!r}, "
            f"username={self.username!r}, cafile={self.cafile!r})"
        )


PLAINTEXT = KafkaSecurity()


def problems(security: KafkaSecurity) -> list[str]:
    """Why these settings cannot work, one line a variable (empty: they can)."""
    found: list[str] = []
    if security.uses_sasl and not security.username:
        found.append(f"{USERNAME_VARIABLE}: required with {PROTOCOL_VARIABLE}={security.protocol}")
    if security.uses_sasl and not security.password:
        found.append(f"{PASSWORD_VARIABLE}: required with {PROTOCOL_VARIABLE}={security.protocol}")
    if not security.uses_tls:
        for variable, value in (
            (CAFILE_VARIABLE, security.cafile),
            (CERTFILE_VARIABLE, security.certfile),
            (KEYFILE_VARIABLE, security.keyfile),
        ):
            if value:
                found.append(
                    f"{variable}: only used with TLS, but {PROTOCOL_VARIABLE}={security.protocol}"
                )
    if bool(security.certfile) != bool(security.keyfile):
        found.append(f"{CERTFILE_VARIABLE} and {KEYFILE_VARIABLE}: a client certificate needs both")
    return found


def production_problems(security: KafkaSecurity, *, allow_plaintext: bool) -> list[str]:
    """What a production start refuses: credentials or records in clear, unless allowed."""
    if security.in_clear and not allow_plaintext:
        return [
            f"{PROTOCOL_VARIABLE}: {security.protocol} sends records (and any SASL password) "
            f"in clear; use SSL or SASL_SSL, or set {ALLOW_PLAINTEXT_VARIABLE}=true where "
            "something else encrypts the traffic (a service mesh's mutual TLS)"
        ]
    return []


def ssl_context(security: KafkaSecurity) -> ssl.SSLContext:
    """A client TLS context: the given CA (or the system's), hostname checked unless told not."""
    for variable, path in (
        (CAFILE_VARIABLE, security.cafile),
        (CERTFILE_VARIABLE, security.certfile),
        (KEYFILE_VARIABLE, security.keyfile),
    ):
        if path and not Path(path).is_file():
            raise KafkaSecurityError(f"{variable}: no such file: {path}")
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=security.cafile)
    context.check_hostname = security.check_hostname
    if security.certfile and security.keyfile:
        context.load_cert_chain(security.certfile, security.keyfile)
    return context


def _checked(security: KafkaSecurity) -> KafkaSecurity:
    if found := problems(security):
        raise KafkaSecurityError("; ".join(found))
    return security


def faststream_security(security: KafkaSecurity) -> BaseSecurity | None:
    """FastStream's `security=` for a KafkaBroker (None: plaintext, nothing to say)."""
    _checked(security)
    context = ssl_context(security) if security.uses_tls else None
    if security.uses_sasl:
        sasl = _SASL_CLASSES[security.sasl_mechanism]
        return sasl(
            username=security.username or "",
            password=security.password or "",
            ssl_context=context,
            use_ssl=security.uses_tls,
        )
    if context is not None:
        return BaseSecurity(ssl_context=context)
    return None


def client_options(security: KafkaSecurity) -> dict[str, Any]:
    """Keyword arguments for an aiokafka (or kafka-python) producer, consumer or admin client."""
    _checked(security)
    options: dict[str, Any] = {"security_protocol": security.protocol}
    if security.uses_tls:
        options["ssl_context"] = ssl_context(security)
    if security.uses_sasl:
        options["sasl_mechanism"] = security.sasl_mechanism
        options["sasl_plain_username"] = security.username
        options["sasl_plain_password"] = security.password
    return options
