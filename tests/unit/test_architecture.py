"""The skeleton of docs/architecture.md, held: every module in a room, every import allowed.

Each check runs on the tree, and on a small made-up tree that breaks its rule, so a check
that could never fail would be caught here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import architecture as arch

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_is_in_a_room_and_imports_only_what_its_room_may() -> None:
    assert arch.layer_violations(ROOT) == []


def test_every_service_has_the_same_rooms() -> None:
    assert arch.missing_rooms(ROOT) == []


def test_the_domain_is_pure() -> None:
    assert arch.impure_domain(ROOT) == []


def test_only_use_cases_open_transactions() -> None:
    assert arch.transactions_outside_use_cases(ROOT) == []


def test_common_imports_no_service() -> None:
    assert arch.common_imports_a_service(ROOT) == []


def test_no_module_is_over_the_line_limit() -> None:
    assert arch.long_modules(ROOT) == []


def test_benchmarks_live_in_bench_and_use_only_public_names() -> None:
    assert arch.benchmarks_in_products(ROOT) == []
    assert arch.private_reaches(ROOT) == []


def test_measurements_live_in_docs_not_in_comments() -> None:
    assert arch.measurements_in_comments(ROOT) == []


def test_nothing_imports_a_bare_common_module() -> None:
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("libs", "services", "tests", "bench")
        for path in arch.python_files(ROOT / folder)
        for _, name in arch.imported_names(path, "tests.x")
        if name == "common" or name.startswith("common.")
    ]
    assert offending == []


# --- the checks themselves can fail ---------------------------------------------------------


def write(root: Path, service: str, relative: str, source: str) -> None:
    path = arch.service_root(root, service) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A tree in which every service has the skeleton and breaks no rule."""
    for service in arch.SERVICES:
        parts = ("projection/", "read/") if service == "graphql_gateway" else ("",)
        for name in ("__init__.py", "app.py", "settings.py", "__main__.py"):
            write(tmp_path, service, name, "")
        write(tmp_path, service, "migrations/0001_init.sql", "")
        for part in parts:
            for room in arch.REQUIRED_ROOMS:
                write(tmp_path, service, f"{part}{room}.py", "")
    return tmp_path


def test_the_made_up_tree_breaks_no_rule(tree: Path) -> None:
    assert arch.layer_violations(tree) == []
    assert arch.missing_rooms(tree) == []
    assert arch.impure_domain(tree) == []


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("entrypoints.py", "from bridgework.intake.repository import save\n"),
        ("entrypoints.py", "from ..intake import repository\n"),
        ("entrypoints.py", "from . import repository\n"),
        ("entrypoints.py", "from bridgework.intake import repository\n"),
        ("domain.py", "from .use_cases import open_repair\n"),
        ("domain.py", "import bridgework.intake.repository\n"),
        ("repository.py", "from bridgework.intake.use_cases import x\n"),
        ("use_cases.py", "from bridgework.intake.entrypoints import router\n"),
        ("use_cases.py", "from bridgework.agreements.domain import Repair\n"),
        ("helpers.py", ""),
    ],
)
def test_a_deliberate_violation_is_caught(tree: Path, relative: str, source: str) -> None:
    write(tree, "intake", relative, source)
    assert arch.layer_violations(tree) != []


def test_the_gateway_halves_share_no_code(tree: Path) -> None:
    write(tree, "graphql_gateway", "read/use_cases.py", "from ..projection import domain\n")
    assert arch.layer_violations(tree) != []


def test_the_gateway_halves_share_its_settings(tree: Path) -> None:
    write(tree, "graphql_gateway", "read/use_cases.py", "from ..settings import Settings\n")
    assert arch.layer_violations(tree) == []


def test_an_impure_domain_is_caught(tree: Path) -> None:
    write(tree, "followup", "domain.py", "import asyncpg\n")
    write(tree, "agreements", "domain.py", "from datetime import datetime\nx = datetime.now()\n")
    write(tree, "intake", "domain.py", "from bridgework.common.outbox import enqueue\n")
    offending_files = {finding.split(":")[0] for finding in arch.impure_domain(tree)}
    assert len(offending_files) == 3


def test_a_transaction_outside_a_use_case_is_caught(tree: Path) -> None:
    write(tree, "followup", "entrypoints.py", "async def f(pool):\n    pool.transaction()\n")
    assert arch.transactions_outside_use_cases(tree) != []


def test_a_missing_room_is_caught(tree: Path) -> None:
    (arch.service_root(tree, "agreements") / "repository.py").unlink()
    assert arch.missing_rooms(tree) == ["services/agreements/bridgework/agreements: repository"]


def test_a_benchmark_reaching_into_a_private_name_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "stage.py").write_text(
        "from bridgework.intake import use_cases\nuse_cases._decide = None\n"
        "from bridgework.intake.domain import _rule\n",
        encoding="utf-8",
    )
    assert len(arch.private_reaches(tmp_path)) == 2


def test_a_measurement_in_a_comment_is_caught(tmp_path: Path) -> None:
    folder = tmp_path / "libs" / "common"
    folder.mkdir(parents=True)
    (folder / "x.py").write_text("x = 1  # saves 40 us per event\n", encoding="utf-8")
    (folder / "y.py").write_text('"""Now 3x faster."""\n', encoding="utf-8")
    assert len(arch.measurements_in_comments(tmp_path)) == 2
