"""How people and departments are reached: the only personal data follow-up holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Contact:
    """A person's display name and, where given, e-mail address and own incoming webhook."""

    person_id: str
    display_name: str
    email: str | None = None
    webhook_url: str | None = None


@dataclass(frozen=True)
class Webhook:
    """A department's incoming webhook and the kinds of nudge it takes."""

    department: str
    url: str
    kinds: tuple[str, ...]
