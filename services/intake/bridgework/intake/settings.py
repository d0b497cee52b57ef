"""Intake's settings."""

from __future__ import annotations

from pydantic import Field

from bridgework.common.settings import ServiceSettings

MIB = 1024 * 1024


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = Field(
        default=1 * MIB,
        ge=1024,
        description="Largest request body for one incident or one webhook delivery; larger is a 413.",
    )
    max_batch_body_bytes: int = Field(
        default=16 * MIB,
        ge=1024,
        description="Largest body of a batch submission (native or CloudEvents batch).",
    )
    max_batch_items: int = Field(
        default=500, ge=1, le=5000, description="Most incidents in one batch submission."
    )
    delivery_retention_days: int = Field(
        default=30,
        ge=1,
        description="How long webhook delivery ids and CloudEvents ids are kept to spot retries.",
    )
