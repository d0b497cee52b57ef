"""The gateway's settings (environment variables `BRIDGEWORK_<NAME>`)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from bridgework.common.identity import PersonTokenSettings
from bridgework.common.key_store_start import kek_missing


class GatewaySettings(PersonTokenSettings):
    """People's tokens are verified as common's PersonTokenSettings say (BRIDGEWORK_JWT_*)."""

    service_name: str = "gateway"
    http_port: int = 8000
    graphql_max_depth: int = Field(default=10, ge=2)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=100)
    graphql_max_page_size: int = Field(default=100, ge=1)
    # A query's estimated cost (read/entrypoints/graphql/cost.py): the dashboard page's query
    # costs 393, the heaviest test's 7,101 (docs/gateway.md).
    graphql_max_cost: int = Field(default=20_000, ge=100)
    # None: on in development mode, off otherwise; true or false wins either way.
    graphql_ide: bool | None = Field(default=None, description="Serve GraphiQL on GET /graphql.")
    graphql_introspection: bool | None = None

    @model_validator(mode="after")
    def _graphql_tools_follow_development_mode(self) -> Self:
        """GraphiQL and introspection left unset are on in development mode only."""
        if self.graphql_ide is None:
            self.graphql_ide = self.development_mode
        if self.graphql_introspection is None:
            self.graphql_introspection = self.development_mode
        return self

    # Live dashboards: at most one update per subscription in this many seconds.
    subscription_min_interval_seconds: float = Field(default=0.5, ge=0)
    # Facilitators' mutations go to the agreements service's HTTP API.
    agreements_url: str = "http://127.0.0.1:8002"
    agreements_timeout_seconds: float = Field(default=10.0, gt=0)

    def required_settings(self) -> list[str]:
        """The identity provider's, and the key-encryption key of confidential texts."""
        return super().required_settings() + kek_missing(self)
