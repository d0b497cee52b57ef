"""Write (or check) docs/graphql/schema.graphql: the gateway's GraphQL schema as SDL.

The schema comes from the code (strawberry types); the checked-in copy lets dashboard and
page authors read it, and diff it in review, without running anything.
tests/unit/test_graphql_sdl.py fails when it drifts from the code.

    .venv/bin/python deploy/local/graphql_sdl.py write    # make graphql
    .venv/bin/python deploy/local/graphql_sdl.py check
"""

from __future__ import annotations

import sys
from pathlib import Path

from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings

SDL = Path(__file__).resolve().parents[2] / "docs" / "graphql" / "schema.graphql"


def current_sdl() -> str:
    """The schema as the gateway serves it (limits and switches do not change its types)."""
    return build_schema(GatewaySettings(development_mode=True)).as_str() + "\n"


def main(command: str) -> int:
    text = current_sdl()
    if command == "write":
        SDL.parent.mkdir(parents=True, exist_ok=True)
        SDL.write_text(text, encoding="utf-8")
        return 0
    if not SDL.exists() or SDL.read_text(encoding="utf-8") != text:
        print(f"out of date (run `make graphql`): {SDL}")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("write", "check"):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
