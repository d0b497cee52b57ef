"""The skeleton of docs/architecture.md as code: which room a module is in, and what it may import.

tests/unit/test_architecture.py runs these checks on the tree, and on small made-up trees
that break each rule, so a check that could never fail would show.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("intake", "agreements", "followup", "graphql_gateway")

# The rooms of a part, and the rooms of the same part each may import. A part is a service,
# or one of the gateway's two halves (its projection and its read side).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "entrypoints": frozenset({"entrypoints", "use_cases", "schemas", "domain", "settings"}),
    "use_cases": frozenset({"use_cases", "domain", "repository", "clients", "settings"}),
    "repository": frozenset({"repository", "domain"}),
    "clients": frozenset({"clients", "domain", "settings"}),
    "schemas": frozenset({"schemas", "domain"}),
    "domain": frozenset({"domain"}),
    "settings": frozenset({"settings"}),
    "app": frozenset({"*"}),
    "__main__": frozenset({"*"}),
    "__init__": frozenset(),
}
ROOMS = frozenset(MAY_IMPORT)
REQUIRED_ROOMS = ("entrypoints", "use_cases", "domain", "repository")
# The gateway is one service in two halves that share its tables, never code.
GATEWAY_PARTS = ("projection", "read")
# Libraries a pure rule has no business with: I/O, frameworks, the wire.
IMPURE_LIBRARIES = (
    "fastapi", "starlette", "faststream", "aiokafka", "asyncpg", "strawberry", "graphql",
    "httpx", "uvicorn", "aiosmtplib", "jwt", "typer", "socket", "smtplib", "os", "subprocess",
)  # fmt: skip
COMMON_FOR_DOMAIN = ("bridgework.common.contracts", "bridgework.common.errors")
CLOCK_CALLS = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter"})
MEASUREMENT = re.compile(
    r"\b\d+(\.\d+)?\s?(µs|us|ms)\b|\b\d+(\.\d+)?x (faster|slower|cheaper)\b"
    r"|\b\d[\d,.]*\s?(rows|events|incidents)?/s\b|round trips? (saved|per)|\bsaved a\b",
    re.IGNORECASE,
)
MAX_LINES = 400


@dataclass(frozen=True)
class Module:
    """A Python file of a service: its dotted name, and the part and room it sits in."""

    path: Path
    name: str
    service: str
    part: str
    room: str | None


def service_root(root: Path, service: str) -> Path:
    return root / "services" / service / "bridgework" / service


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def locate(root: Path, service: str, path: Path) -> Module:
    """Which part and room of `service` the file at `path` belongs to."""
    relative = path.relative_to(service_root(root, service)).with_suffix("").parts
    if relative and relative[-1] == "__init__":
        relative = relative[:-1]
    name = ".".join(("bridgework", service, *relative))
    return _locate_name(name, path, service)


def _locate_name(name: str, path: Path, service: str) -> Module:
    inside = name.split(".")[2:]
    gateway = service == "graphql_gateway"
    if gateway and inside and inside[0] in GATEWAY_PARTS:
        part, inside = inside[0], inside[1:]
        first = inside[0] if inside else "__init__"
        # Settings and the composition root are the gateway's, not a half's.
        room = first if first in ROOMS and first not in ("settings", "app", "__main__") else None
    else:
        part = service
        first = inside[0] if inside else "__init__"
        root_only = ("__init__", "settings", "app", "__main__")
        room = first if first in (root_only if gateway else ROOMS) else None
    return Module(path=path, name=name, service=service, part=part, room=room)


def imported_names(path: Path, module_name: str) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, relative imports resolved, `from x import y` as `x.y` too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    package = module_name if is_package else module_name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            yield node.lineno, source
            for alias in node.names:
                yield node.lineno, f"{source}.{alias.name}"


def _target(imported: str, service: str) -> tuple[str, str | None] | None:
    """(part, room) of an imported name inside `service`, None if it is outside it."""
    prefix = f"bridgework.{service}"
    if imported != prefix and not imported.startswith(prefix + "."):
        return None
    if imported == prefix:
        return service, "__init__"
    located = _locate_name(imported, Path(), service)
    return located.part, located.room


def layer_violations(root: Path) -> list[str]:
    """Imports that cross the skeleton: a room importing one it may not, or one part another."""
    found: list[str] = []
    for service in SERVICES:
        for path in python_files(service_root(root, service)):
            module = locate(root, service, path)
            where = path.relative_to(root)
            if module.room is None:
                found.append(f"{where}: not in any room of the skeleton ({sorted(ROOMS)})")
                continue
            allowed = MAY_IMPORT[module.room]
            for line, imported in imported_names(path, module.name):
                for other in SERVICES:
                    if other != service and (
                        imported == f"bridgework.{other}"
                        or imported.startswith(f"bridgework.{other}.")
                    ):
                        found.append(f"{where}:{line}: imports another service ({imported})")
                target = _target(imported, service)
                if target is None or "*" in allowed:
                    continue
                part, room = target
                if room is None or room == "__init__":
                    continue  # not a room (reported above), or a package imported for its parts
                if room == "settings" and part == service:
                    part = module.part  # the gateway's settings serve both halves
                if part != module.part:
                    found.append(f"{where}:{line}: the {module.part} part imports {imported}")
                elif room not in allowed:
                    found.append(
                        f"{where}:{line}: {module.room} may not import {room} ({imported})"
                    )
    return sorted(set(found))


def missing_rooms(root: Path) -> list[str]:
    """Rooms every part must have, and the composition root every service must have."""
    missing: list[str] = []
    for service in SERVICES:
        base = service_root(root, service)
        for required in ("app", "settings", "__main__"):
            if not (base / f"{required}.py").exists():
                missing.append(f"{service}: {required}.py")
        if not list((base / "migrations").glob("*.sql")):
            missing.append(f"{service}: migrations/")
        parts = [base / part for part in GATEWAY_PARTS] if service == "graphql_gateway" else [base]
        for part in parts:
            for room in REQUIRED_ROOMS:
                if not ((part / f"{room}.py").exists() or (part / room / "__init__.py").exists()):
                    missing.append(f"{part.relative_to(root)}: {room}")
    return missing


def impure_domain(root: Path) -> list[str]:
    """Domain modules that import I/O or a framework, or read the time themselves."""
    found: list[str] = []
    for service in SERVICES:
        for path in python_files(service_root(root, service)):
            module = locate(root, service, path)
            if module.room != "domain":
                continue
            where = path.relative_to(root)
            for line, imported in imported_names(path, module.name):
                top = imported.split(".")[0]
                if top in IMPURE_LIBRARIES:
                    found.append(f"{where}:{line}: domain imports {imported}")
                common = imported.startswith("bridgework.common.")
                if common and not any(
                    imported == allowed or imported.startswith(allowed + ".")
                    for allowed in COMMON_FOR_DOMAIN
                ):
                    found.append(f"{where}:{line}: domain imports {imported}")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CLOCK_CALLS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("datetime", "date", "time")
                ):
                    found.append(f"{where}:{node.lineno}: domain reads the clock")
    return sorted(set(found))


def transactions_outside_use_cases(root: Path) -> list[str]:
    """Calls that open a transaction or take a connection, anywhere but a use case."""
    found: list[str] = []
    for service in SERVICES:
        for path in python_files(service_root(root, service)):
            module = locate(root, service, path)
            if module.room in ("use_cases", "app", "__main__"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("transaction", "acquire")
                ):
                    where = path.relative_to(root)
                    found.append(f"{where}:{node.lineno}: {module.room} calls .{node.func.attr}()")
    return found


def common_imports_a_service(root: Path) -> list[str]:
    found: list[str] = []
    common = root / "libs" / "common" / "bridgework" / "common"
    for path in python_files(common):
        name = ".".join(("bridgework", "common", *path.relative_to(common).with_suffix("").parts))
        for line, imported in imported_names(path, name):
            if any(imported.startswith(f"bridgework.{service}") for service in SERVICES):
                found.append(f"{path.relative_to(root)}:{line}: imports {imported}")
    return found


# The operators' command line (libs/cli) is an entry point over every service: it may use a
# service's entry points, use cases, schemas, domain values and settings, and nothing imports it.
CLI_MAY_IMPORT = frozenset({"entrypoints", "use_cases", "schemas", "domain", "settings"})


def cli_violations(root: Path) -> list[str]:
    """The command line reaching into a service's other rooms, or anything importing it."""
    found: list[str] = []
    cli = root / "libs" / "cli" / "bridgework" / "cli"
    for path in python_files(cli):
        name = ".".join(("bridgework", "cli", *path.relative_to(cli).with_suffix("").parts))
        for line, imported in imported_names(path, name.removesuffix(".__init__")):
            for service in SERVICES:
                target = _target(imported, service)
                if target is None or target[1] in ("__init__", None):
                    continue
                if target[1] not in CLI_MAY_IMPORT:
                    found.append(f"{path.relative_to(root)}:{line}: the cli imports {imported}")
    for path in [*python_files(root / "libs" / "common"), *python_files(root / "services")]:
        for line, imported in imported_names(path, "bridgework._"):
            if imported == "bridgework.cli" or imported.startswith("bridgework.cli."):
                found.append(f"{path.relative_to(root)}:{line}: imports the cli ({imported})")
    return sorted(set(found))


def product_files(root: Path) -> list[Path]:
    return [*python_files(root / "libs"), *python_files(root / "services")]


def long_modules(root: Path) -> list[str]:
    """Non-test modules over the line limit."""
    found = []
    for folder in ("libs", "services", "bench", "deploy"):
        for path in python_files(root / folder):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def benchmarks_in_products(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in product_files(root) if "bench" in p.name]


def private_reaches(root: Path) -> list[str]:
    """Benchmarks that import, read or replace a private name of a product module."""
    found: list[str] = []
    for path in python_files(root / "bench"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bridgework"):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {alias.name}")
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules.update(
                    (a.asname or a.name).split(".")[0]
                    for a in node.names
                    if a.name.startswith("bridgework")
                )
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                replaced = isinstance(node.ctx, ast.Store)
                if node.value.id in modules and (private or replaced):
                    found.append(
                        f"{path.relative_to(root)}:{node.lineno}: {node.value.id}.{node.attr}"
                    )
    return found


def measurements_in_comments(root: Path) -> list[str]:
    """Comments and docstrings in product code that record how fast something is: docs/ material."""
    found: list[str] = []
    for path in product_files(root):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(root)
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and MEASUREMENT.search(token.string):
                found.append(f"{where}:{token.start[0]}: {token.string.strip()}")
        for node in ast.walk(ast.parse(source)):
            documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            docstring = ast.get_docstring(node) if isinstance(node, documented) else None
            if docstring and (measured := MEASUREMENT.search(docstring)):
                found.append(f"{where}: a docstring records {measured.group(0)!r}")
    return found


def report(root: Path, only: str = "") -> list[str]:
    """Every finding of every check, optionally only those whose text contains `only`."""
    findings = [
        *layer_violations(root),
        *missing_rooms(root),
        *impure_domain(root),
        *transactions_outside_use_cases(root),
        *common_imports_a_service(root),
        *cli_violations(root),
        *long_modules(root),
        *benchmarks_in_products(root),
        *private_reaches(root),
        *measurements_in_comments(root),
    ]
    return [finding for finding in findings if only in finding]


if __name__ == "__main__":
    import sys

    found = report(Path(__file__).resolve().parents[1], sys.argv[1] if len(sys.argv) > 1 else "")
    print("\n".join(found) or "the skeleton holds")
    raise SystemExit(1 if found else 0)
