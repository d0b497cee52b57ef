"""Mint a person's token with the development HS256 secret, for local runs and demos.

    BRIDGEWORK_JWT_HS256_SECRET=... python deploy/local/dev_jwt.py \\
        --sub p-chg-001 --roles change_team
    # open http://127.0.0.1:8000/dashboard#token=<the printed token>

In production people's tokens come from the identity provider (RS256/ES256); this stands
in for it on one machine (the gateway and agreements accept HS256 in development mode
only). It refuses to run without a configured secret. Tokens may live at most
BRIDGEWORK_JWT_MAX_LIFETIME_SECONDS (12 hours by default).
"""

from __future__ import annotations

import argparse
import sys

from bridgework.common.identity import development_token
from bridgework.graphql_gateway.read.domain.viewer import Role
from bridgework.graphql_gateway.settings import GatewaySettings


def mint(
    settings: GatewaySettings, *, sub: str, roles: list[str], department: str | None, hours: float
) -> str:
    """A signed token with the claims the gateway and agreements read."""
    if settings.jwt_hs256_secret is None:
        raise SystemExit("set BRIDGEWORK_JWT_HS256_SECRET first (the services' shared secret)")
    return development_token(
        settings.jwt_hs256_secret.get_secret_value(),
        sub=sub,
        roles=roles,
        department=department,
        lifetime_seconds=int(hours * 3600),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def main(argv: list[str] | None = None) -> int:
    """Print a token for the person the flags name."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sub", default="p-chg-001", help="the person's pseudonymous id")
    parser.add_argument(
        "--roles", nargs="+", default=[Role.CHANGE_TEAM.value], choices=[r.value for r in Role]
    )
    parser.add_argument("--department", help="the person's department slug")
    parser.add_argument("--hours", type=float, default=8.0, help="how long the token is valid")
    args = parser.parse_args(argv)
    print(
        mint(
            GatewaySettings(),
            sub=args.sub,
            roles=args.roles,
            department=args.department,
            hours=args.hours,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
