"""JSON Schemas of the event contracts, generated from the models and checked in.

`python -m bridgework.common.schemas write` regenerates `event-schemas/`;
`check` exits non-zero when the code and the checked-in schemas disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bridgework.common.contracts import CONTRACTS, Contract

SCHEMA_DIR = Path(__file__).parent / "event-schemas"


def schema_of(contract: type[Contract]) -> dict[str, Any]:
    schema = contract.model_json_schema(mode="serialization")
    schema["$id"] = contract.event_type
    return schema


def generated() -> dict[str, dict[str, Any]]:
    """Every contract's schema, by event type."""
    return {contract.event_type: schema_of(contract) for contract in CONTRACTS}


def checked_in() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


_PROSE = frozenset({"description", "title", "examples"})


def shape(schema: Any) -> Any:
    """A schema without its prose: wording may change within a version, structure may not."""
    if isinstance(schema, dict):
        return {key: shape(value) for key, value in schema.items() if key not in _PROSE}
    if isinstance(schema, list):
        return [shape(item) for item in schema]
    return schema


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` would break a consumer built against `old` (same event type and version).

    Allowed: new optional properties, new definitions. Not allowed: removing or
    retyping a property, making a property required, or changing a definition
    an old property uses (enums included: a new member is a new version).
    """
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_schema in old_props.items():
        if name not in new_props:
            problems.append(f"property {name!r} was removed")
        elif shape(new_props[name]) != shape(old_schema):
            problems.append(f"property {name!r} changed its schema")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems.extend(f"property {name!r} became required" for name in sorted(added_required))
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name, old_def in old_defs.items():
        if name in new_defs:
            problems.extend(f"{name}: {p}" for p in breaking_changes(old_def, new_defs[name]))
            if old_def.get("enum") != new_defs[name].get("enum"):
                problems.append(f"enum {name} changed its members")
        else:
            problems.append(f"definition {name!r} was removed")
    return problems


def write() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for event_type, schema in generated().items():
        (SCHEMA_DIR / f"{event_type}.json").write_text(render(schema), encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[1:] == ["write"]:
        write()
        return 0
    print("usage: python -m bridgework.common.schemas write", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
