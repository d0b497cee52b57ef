"""Agreements' settings."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from bridgework.common.identity import PersonTokenSettings
from bridgework.common.key_store_start import kek_missing


class AgreementsSettings(PersonTokenSettings):
    """Every route verifies the person's own token (BRIDGEWORK_JWT_*, as the gateway does)."""

    service_name: str = "agreements"
    http_port: int = 8002
    agreement_window_days: int = Field(
        default=14, ge=1, description="Days from opening to agreement before the response is `not`."
    )
    recurrence_window_days: int = Field(
        default=180,
        ge=1,
        description="An incident about the same matter within this many days is a recurrence.",
    )
    recurrence_max_links: int = Field(
        default=10,
        ge=1,
        description="How many earlier repairs a recurrence links back to, newest first.",
    )
    # Retention (docs/privacy.md): the data keys of a repair closed longer ago than this are
    # destroyed, so its confidential texts become unreadable everywhere; ISO 8601 (`P730D`).
    retention_period: timedelta = Field(
        default=timedelta(days=730),
        gt=timedelta(0),
        description="How long after a repair closes its confidential texts stay readable.",
    )
    retention_poll_seconds: float = Field(
        default=3600.0, gt=0, description="How often the retention loop looks for expired repairs."
    )

    def required_settings(self) -> list[str]:
        """The identity provider's, and the key-encryption key of confidential texts."""
        return super().required_settings() + kek_missing(self)
