"""The planned change a tool's incident names: the incident's `change_ref`. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

_TAG = "change:"


def change_ref_of(tool: str, reference: str | None, tags: Iterable[str]) -> dict[str, str] | None:
    """The change, in the same `tool`: the tool's own field (`reference`), else a tag
    `change:<reference>` (a GitHub label, a Jira label); None when it names none."""
    tagged = (tag.strip()[len(_TAG) :].strip() for tag in tags if _names_a_change(tag))
    found = reference or next((value for value in tagged if value), None)
    return None if found is None else {"tool": tool, "reference": found}


def _names_a_change(tag: str) -> bool:
    return tag.strip().lower().startswith(_TAG)
