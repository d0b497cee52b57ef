"""Settings every service shares, read from the environment (pydantic-settings)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bridgework.common import kafka_security
from bridgework.common.kafka_security import KafkaSecurity, SaslMechanism, SecurityProtocol
from bridgework.common.topics import Topics

# Only good enough for a laptop: outside development mode a service refuses to start on it.
DEVELOPMENT_DATABASE_PASSWORD = "bridgework"  # noqa: S105 - public on purpose
MIB = 1024 * 1024


class ServiceSettings(BaseSettings):
    """Connection and tuning settings; each service subclasses it to set its own defaults.

    `KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` are read without a prefix, as
    DESIGN.md names them; everything else is `BRIDGEWORK_<NAME>`.
    """

    model_config = SettingsConfigDict(env_prefix="BRIDGEWORK_", extra="ignore")

    service_name: str = "bridgework"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "BRIDGEWORK_KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    database_url: str = Field(
        default="postgresql://bridgework:bridgework@127.0.0.1:15432/bridgework",
        validation_alias=AliasChoices("DATABASE_URL", "BRIDGEWORK_DATABASE_URL"),
    )
    # How every Kafka client (broker, outbox producer, admin) reaches the cluster (docs/security.md).
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = Field(
        default=None, description="CA bundle (PEM) to trust; the system's CAs when unset."
    )
    kafka_ssl_certfile: str | None = Field(default=None, description="client certificate (mTLS)")
    kafka_ssl_keyfile: str | None = Field(default=None, description="its private key (mTLS)")
    kafka_ssl_check_hostname: bool = True
    kafka_allow_plaintext: bool = Field(
        default=False,
        description="Let a production start use PLAINTEXT or SASL_PLAINTEXT: only where "
        "something else encrypts the traffic (a service mesh's mutual TLS).",
    )
    topic_namespace: str = "bridgework"
    topic_partitions: int = Field(default=4, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    db_pool_max_size: int = Field(default=10, ge=2)
    consumer_batch_size: int = Field(default=500, ge=1)
    consumer_max_attempts: int = Field(default=3, ge=1)
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Longer than any redelivery can reach back: Kafka keeps a topic's records and a group's
    # offsets 7 days by default, so an event older than that is never delivered again.
    inbox_retention_days: int = Field(default=30, ge=1)
    inbox_prune_interval_seconds: float = Field(default=3600.0, gt=0)
    log_level: str = "INFO"
    # Health and outages (docs/architecture.md, "Health and outages").
    liveness_stall_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long a background loop may stall (beyond its own period) before "
        "/health/live fails and the orchestrator restarts the process.",
    )
    outage_log_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="While the Kafka cluster is unreachable, one summary log line this often.",
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="Log lines as JSON (for a log pipeline) or text; unset: text in "
        "development mode, JSON otherwise (docs/observability.md).",
    )
    # Limits on what one request, and one caller, may ask of a service (docs/architecture.md).
    max_body_bytes: int = Field(
        default=1 * MIB, ge=1024, description="Largest request body; larger is a 413."
    )
    max_json_depth: int = Field(
        default=32, ge=2, description="Deepest nesting of a JSON request body; deeper is a 422."
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests a minute per bearer token (or address without one); 0: no limit.",
    )
    privacy_kek: SecretStr | None = Field(
        default=None,
        description="The key-encryption key that wraps the data keys of confidential texts: "
        "base64 of 32 random bytes (docs/privacy.md). Required, also in development mode, "
        "by every service that seals or reads them.",
    )
    time_travel: bool = Field(
        default=False,
        description="Demo only: run on a clock that POST /v1/admin/clock/advance moves forward"
        " (bridgework.common.time_travel); production refuses to start with it.",
    )
    time_travel_start: timedelta = Field(
        default=timedelta(0),
        description="Demo only: where the movable clock starts from the wall clock on a fresh"
        " schema (-P365D: a year back, for a seeder to bring forward).",
    )
    time_travel_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often a replica takes up the demo clock's offset."
    )
    development_mode: bool = Field(
        default=False,
        description="A developer's machine or a test run: secrets may be missing or weak. "
        "Never in production: there a service refuses to start without its secrets.",
    )

    @property
    def kafka_security(self) -> KafkaSecurity:
        password = self.kafka_sasl_password
        return KafkaSecurity(
            protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_sasl_username,
            password=password.get_secret_value() if password is not None else None,
            cafile=self.kafka_ssl_cafile,
            certfile=self.kafka_ssl_certfile,
            keyfile=self.kafka_ssl_keyfile,
            check_hostname=self.kafka_ssl_check_hostname,
        )

    def missing_settings(self) -> list[str]:
        """What this service needs and lacks outside development mode, one line a setting."""
        return [] if self.development_mode else self.required_settings()

    def required_settings(self) -> list[str]:
        """What a production start needs and this environment lacks; services add theirs."""
        # Not a validator: pydantic's error would echo every input, the SASL password too.
        # A client built from settings that cannot work raises KafkaSecurityError anyway.
        missing = kafka_security.problems(self.kafka_security)
        missing += kafka_security.production_problems(
            self.kafka_security, allow_plaintext=self.kafka_allow_plaintext
        )
        password = urlsplit(self.database_url).password
        if password in (None, "", DEVELOPMENT_DATABASE_PASSWORD):
            missing.append(
                "DATABASE_URL: a password of this service's own (not the development one)"
            )
        if self.time_travel:
            missing.append("BRIDGEWORK_TIME_TRAVEL: must be off (a demo's movable clock)")
        return missing

    def required_variables(self) -> list[tuple[str, ...]]:
        """The environment variables behind `required_settings()`, one tuple a line: any one
        of its variables will do. Deployment manifests are checked against it
        (tests/unit/test_kubernetes_manifests.py)."""
        return [_variables_named(line) for line in self.required_settings()]

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_namespace)

    @property
    def db_schema(self) -> str:
        """Each service owns exactly one Postgres schema, named after it."""
        return self.service_name


# Each line of required_settings() starts with its variable(s): "NAME: why" or "A or B: why".
_VARIABLE = re.compile(r"\b[A-Z][A-Z0-9_]*_[A-Z0-9_]+\b")


def _variables_named(line: str) -> tuple[str, ...]:
    names = tuple(_VARIABLE.findall(line.partition(":")[0]))
    if not names:
        raise ValueError(f"a required setting's line must start with its variable: {line!r}")
    return names
