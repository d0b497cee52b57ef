"""The lock files agree with pyproject.toml: every pin there is locked at the same version, and
the image's lock is the development lock's subset (`make lock` rewrites both)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def locked(path: str) -> dict[str, str]:
    text = (ROOT / path).read_text(encoding="utf-8")
    return {_name(name): version for name, version in _PIN.findall(text)}


def pinned(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = _PIN.match(requirement)
        assert match, f"{requirement!r} in pyproject.toml is not pinned with =="
        pins[_name(match.group(1))] = match.group(2)
    return pins


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_runtime_pin_is_locked_at_its_version_in_both_locks() -> None:
    runtime = pinned(PROJECT["dependencies"])
    for lock in ("requirements/runtime.lock", "requirements/dev.lock"):
        versions = locked(lock)
        stale = {n: (v, versions.get(n)) for n, v in runtime.items() if versions.get(n) != v}
        assert not stale, f"{lock} is stale (pyproject, lock): {stale}; run `make lock`"


def test_every_development_pin_is_locked_at_its_version() -> None:
    development = pinned(PROJECT["optional-dependencies"]["dev"])
    versions = locked("requirements/dev.lock")
    stale = {n: (v, versions.get(n)) for n, v in development.items() if versions.get(n) != v}
    assert not stale, f"requirements/dev.lock is stale (pyproject, lock): {stale}; run `make lock`"


def test_the_image_runs_what_the_tests_ran() -> None:
    runtime, development = locked("requirements/runtime.lock"), locked("requirements/dev.lock")
    differ = {n: (v, development.get(n)) for n, v in runtime.items() if development.get(n) != v}
    assert not differ, f"runtime and dev locks disagree: {differ}"


def test_transitive_dependencies_are_locked_too() -> None:
    # graphql-core runs under the gateway's own executor and is nobody's direct pin.
    assert "graphql-core" in locked("requirements/runtime.lock")
