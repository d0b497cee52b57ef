"""Write (or check) docs/asyncapi/<service>.json: each service's AsyncAPI 3.0 document.

The documents come from the code: every service's app builds its own at
/asyncapi.json from its FastStream subscribers, the streams its outbox writes
and the event contracts (bridgework.common.asyncapi). The checked-in copies let
people read them without running anything; tests/unit/test_asyncapi.py fails
when they drift from the code.

    .venv/bin/python deploy/local/asyncapi_docs.py write    # make asyncapi
    .venv/bin/python deploy/local/asyncapi_docs.py check
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

SERVICES = ("intake", "agreements", "followup", "graphql_gateway")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


def document_of(service: str) -> dict[str, Any]:
    # The documents describe an installation with the default settings.
    for name in list(os.environ):
        if name.startswith("BRIDGEWORK_") or name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"):
            del os.environ[name]
    app = importlib.import_module(f"bridgework.{service}.app").create_app()

    async def describe() -> dict[str, Any]:
        document: dict[str, Any] = app.state.asyncapi()
        return document

    return asyncio.run(describe())


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(command: str) -> int:
    stale = []
    for service in SERVICES:
        path = DOCS / f"{service}.json"
        text = render(document_of(service))
        if command == "write":
            DOCS.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path))
    if stale:
        print("out of date (run `make asyncapi`):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
