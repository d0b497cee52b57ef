"""The gateway's settings."""

from __future__ import annotations

from pydantic import Field

from bridgework.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8000
    graphql_max_depth: int = Field(default=10, ge=2)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=100)
    graphql_max_page_size: int = Field(default=100, ge=1)
    graphql_ide: bool = True
