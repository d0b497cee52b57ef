"""Intake's settings."""

from __future__ import annotations

from bridgework.common.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
