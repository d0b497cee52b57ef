"""Follow-up's settings."""

from __future__ import annotations

from bridgework.common.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    service_name: str = "followup"
    http_port: int = 8003
