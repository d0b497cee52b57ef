"""The gateway's settings (environment variables `BRIDGEWORK_<NAME>`)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from bridgework.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8000
    graphql_max_depth: int = Field(default=10, ge=2)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=100)
    graphql_max_page_size: int = Field(default=100, ge=1)
    graphql_ide: bool = Field(default=True, description="Serve GraphiQL on GET /graphql.")
    graphql_introspection: bool = True
    # People's tokens (OIDC-style): HS256 with a shared secret and/or RS256 with the
    # identity provider's public key (PEM). With neither set, every request is refused.
    jwt_hs256_secret: SecretStr | None = None
    jwt_rs256_public_key: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0)
    # Live dashboards: at most one update per subscription in this many seconds.
    subscription_min_interval_seconds: float = Field(default=0.5, ge=0)
    # Facilitators' mutations go to the agreements service's HTTP API.
    agreements_url: str = "http://127.0.0.1:8002"
    agreements_timeout_seconds: float = Field(default=10.0, gt=0)

    def required_settings(self) -> list[str]:
        """The identity provider's key, issuer and audience; a shared secret is for development."""
        missing = super().required_settings()
        if not self.jwt_rs256_public_key:
            missing.append("BRIDGEWORK_JWT_RS256_PUBLIC_KEY: the identity provider's public key")
        if not self.jwt_issuer:
            missing.append("BRIDGEWORK_JWT_ISSUER: the identity provider's issuer")
        if not self.jwt_audience:
            missing.append("BRIDGEWORK_JWT_AUDIENCE: the audience tokens are issued for")
        return missing
