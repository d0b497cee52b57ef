"""The shape DESIGN.md asks for, enforced: services never import each other, common stays common."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "agreements", "followup", "graphql_gateway")
SAME_FILES = ("__init__.py", "__main__.py", "app.py", "settings.py", "api.py", "repository.py")


def package_dir(service: str) -> Path:
    return ROOT / "services" / service / "bridgework" / service


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another_service(service: str) -> None:
    others = {f"bridgework.{other}" for other in SERVICES if other != service}
    offending = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(package_dir(service))
        for module in imported_modules(path)
        if any(module == o or module.startswith(o + ".") for o in others)
    }
    assert offending == set()


def test_common_imports_no_service() -> None:
    services = {f"bridgework.{service}" for service in SERVICES}
    offending = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "libs" / "common")
        for module in imported_modules(path)
        if any(module == s or module.startswith(s + ".") for s in services)
    }
    assert offending == set()


def test_nothing_imports_a_bare_common_module() -> None:
    offending = {
        str(path.relative_to(ROOT))
        for folder in ("libs", "services", "tests")
        for path in python_files(ROOT / folder)
        for module in imported_modules(path)
        if module == "common" or module.startswith("common.")
    }
    assert offending == set()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_few_files(service: str) -> None:
    missing = [name for name in SAME_FILES if not (package_dir(service) / name).exists()]
    assert missing == []
    assert list((package_dir(service) / "migrations").glob("*.sql")), "a service owns a schema"
