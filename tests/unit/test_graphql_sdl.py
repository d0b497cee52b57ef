"""The checked-in GraphQL SDL (docs/graphql/schema.graphql) is the schema the gateway serves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "graphql_sdl", ROOT / "deploy/local/graphql_sdl.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("graphql_sdl", module)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_sdl_is_the_served_schema() -> None:
    tool = _tool()
    checked_in = (ROOT / "docs/graphql/schema.graphql").read_text(encoding="utf-8")
    assert tool.current_sdl() == checked_in, "run `make graphql` and commit docs/graphql/"


def test_the_sdl_names_the_operations_people_use() -> None:
    sdl = (ROOT / "docs/graphql/schema.graphql").read_text(encoding="utf-8")
    for operation in ("type Query", "type Mutation", "type Subscription", "repairs(", "dashboard"):
        assert operation in sdl, operation
