"""A check-in asked of one affected person, and whether it can still take an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.domain.check_in_links import expired_link


@dataclass(frozen=True)
class AskedCheckIn:
    """A check-in to store when its timer fires: asked now, its link good until `expires_at`."""

    check_in_id: UUID
    repair_id: UUID
    person: PersonRef
    asked_at: datetime
    expires_at: datetime
    timer_id: int  # the timer that asked it: one check-in per timer


@dataclass(frozen=True)
class CheckIn:
    """A stored check-in: `asked`, `answered` or `withdrawn` (its repair closed since)."""

    check_in_id: UUID
    repair_id: UUID
    person: PersonRef
    status: str
    expires_at: datetime


def unknown_check_in() -> DomainError:
    """A check-in that does not exist (any more)."""
    return DomainError(
        "unknown_check_in",
        "This check-in does not exist (any more).",
        kind=ErrorKind.NOT_FOUND,
    )


def already_answered() -> DomainError:
    """A check-in answered before: an answer is taken once."""
    return DomainError(
        "already_answered", "This check-in was answered already.", kind=ErrorKind.CONFLICT
    )


def is_expired(check_in: CheckIn, now: datetime) -> bool:
    """Whether the check-in's own expiry has passed (the stored one, whatever a link says)."""
    return now >= check_in.expires_at


def ensure_answerable(check_in: CheckIn | None, *, now: datetime) -> CheckIn:
    """The check-in if it still takes an answer; otherwise say why not."""
    if check_in is None:
        raise unknown_check_in()
    if check_in.status == "answered":
        raise already_answered()
    if is_expired(check_in, now):
        raise expired_link()
    if check_in.status == "withdrawn":
        raise DomainError(
            "repair_closed", "This repair has been closed since.", kind=ErrorKind.GONE
        )
    return check_in
