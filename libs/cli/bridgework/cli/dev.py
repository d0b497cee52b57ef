"""`bridgework dev token`: a person's development JWT, for local runs and demos.

It signs with the services' shared development secret (BRIDGEWORK_JWT_HS256_SECRET),
which the services accept in development mode only; so does this command.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bridgework.cli.environment import fail, settings_of
from bridgework.common.identity import development_token
from bridgework.graphql_gateway.read.domain.viewer import Role
from bridgework.graphql_gateway.settings import GatewaySettings

app = typer.Typer(help="Development helpers (development mode only).", no_args_is_help=True)


@app.command("token")
def token(
    sub: Annotated[str, typer.Option(help="The person's pseudonymous id.")] = "p-chg-001",
    role: Annotated[
        list[Role] | None, typer.Option(help="A role (repeat); default: change_team.")
    ] = None,
    department: Annotated[str | None, typer.Option(help="The person's department.")] = None,
    hours: Annotated[float, typer.Option(min=0.01, help="How long the token is valid.")] = 8.0,
) -> None:
    """Print a person's token signed with the development secret (on stdout alone)."""
    settings = settings_of("gateway")
    assert isinstance(settings, GatewaySettings)
    if not settings.development_mode:
        fail(
            "development mode is off (BRIDGEWORK_DEVELOPMENT_MODE): people's tokens come "
            "from the identity provider here"
        )
    if settings.jwt_hs256_secret is None:
        fail("set BRIDGEWORK_JWT_HS256_SECRET first (the services' shared development secret)")
    lifetime = int(hours * 3600)
    if lifetime > settings.jwt_max_lifetime_seconds:
        fail(
            f"--hours: at most {settings.jwt_max_lifetime_seconds / 3600:g} "
            "(BRIDGEWORK_JWT_MAX_LIFETIME_SECONDS); the services refuse longer tokens"
        )
    typer.echo(
        development_token(
            settings.jwt_hs256_secret.get_secret_value(),
            sub=sub,
            roles=[r.value for r in role or [Role.CHANGE_TEAM]],
            department=department,
            lifetime_seconds=lifetime,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    )
