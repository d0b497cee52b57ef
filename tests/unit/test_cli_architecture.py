"""The command line's place in the skeleton: it may use a service's outer rooms, nothing uses it."""

from __future__ import annotations

from pathlib import Path

from tests.architecture import cli_violations

ROOT = Path(__file__).resolve().parents[2]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_real_cli_keeps_to_its_rules() -> None:
    assert cli_violations(ROOT) == []


def test_the_cli_may_use_entry_points_and_use_cases(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "libs/cli/bridgework/cli/ok.py": "from bridgework.intake.use_cases import credentials\n"
        "from bridgework.intake.entrypoints.cli import tokens_cli\n",
    })  # fmt: skip
    assert cli_violations(root) == []


def test_the_cli_may_not_reach_a_repository(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "libs/cli/bridgework/cli/bad.py": "from bridgework.intake import repository\n"
        "import bridgework.graphql_gateway.projection.repository.rows\n",
    })  # fmt: skip
    found = cli_violations(root)
    assert len(found) == 2
    assert "the cli imports bridgework.intake.repository" in found[0]


def test_nothing_may_import_the_cli(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "services/intake/bridgework/intake/app.py": "from bridgework.cli import doctor\n",
        "libs/common/bridgework/common/x.py": "import bridgework.cli.environment\n",
    })  # fmt: skip
    found = cli_violations(root)
    files = {line.split(":")[0] for line in found}
    assert files == {
        "services/intake/bridgework/intake/app.py",
        "libs/common/bridgework/common/x.py",
    }
    assert all("imports the cli" in line for line in found)
