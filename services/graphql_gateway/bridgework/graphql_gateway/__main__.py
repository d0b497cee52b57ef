"""`python -m bridgework.graphql_gateway`: run the GraphQL gateway."""

from __future__ import annotations

from bridgework.common.serve import serve
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    serve(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
