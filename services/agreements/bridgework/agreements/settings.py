"""Agreements' settings."""

from __future__ import annotations

from bridgework.common.settings import ServiceSettings


class AgreementsSettings(ServiceSettings):
    service_name: str = "agreements"
    http_port: int = 8002
