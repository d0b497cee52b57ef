"""Agreements' settings."""

from __future__ import annotations

from pydantic import Field

from bridgework.common.identity import PersonTokenSettings


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
