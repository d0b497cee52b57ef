"""Planned changes as follow-up keeps them: the change, which departments are engaged, and
the nudges sent. No person is stored here but the recipients of nudges (their ids)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.followup.domain.change_nudges import ChangeNudge, TrackedChange
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.repository.contacts import contact_of_row


async def save_changes(
    connection: Connection, changes: Sequence[tuple[int, TrackedChange]]
) -> None:
    """(revision, change): a higher revision replaces a lower; go-live is kept apart."""
    await connection.executemany(
        "INSERT INTO tracked_changes (change_id, revision, title, owner_department,"
        " affected_departments, planned_go_live) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (change_id) DO UPDATE SET revision = EXCLUDED.revision,"
        " title = EXCLUDED.title, owner_department = EXCLUDED.owner_department,"
        " affected_departments = EXCLUDED.affected_departments,"
        " planned_go_live = EXCLUDED.planned_go_live"
        " WHERE tracked_changes.revision < EXCLUDED.revision",
        [
            (c.change_id, revision, c.title, c.owner_department, list(c.affected_departments),
             c.planned_go_live)
            for revision, c in changes
        ],
    )  # fmt: skip


async def mark_live(connection: Connection, went_live: Sequence[tuple[UUID, datetime]]) -> None:
    """A go-live reported before the change itself is dropped: a change nobody told
    follow-up of has nobody to nudge, and after go-live nothing is nudged before it."""
    await connection.executemany(
        "UPDATE tracked_changes SET went_live_at = LEAST(went_live_at, $2) WHERE change_id = $1",
        list(went_live),
    )


async def mark_engaged(
    connection: Connection, engaged: Sequence[tuple[UUID, str, datetime]]
) -> None:
    await connection.executemany(
        "INSERT INTO change_engagements (change_id, department, engaged_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (change_id, department) DO UPDATE"
        " SET engaged_at = LEAST(change_engagements.engaged_at, EXCLUDED.engaged_at)",
        list(engaged),
    )


async def coming_changes(connection: Connection, *, now: datetime) -> list[TrackedChange]:
    """Changes not live whose planned go-live is still ahead."""
    rows = await connection.fetch(
        "SELECT change_id, title, owner_department, affected_departments, planned_go_live"
        " FROM tracked_changes WHERE went_live_at IS NULL AND planned_go_live > $1"
        " ORDER BY planned_go_live, change_id",
        now,
    )
    return [
        TrackedChange(
            change_id=r["change_id"], title=r["title"], owner_department=r["owner_department"],
            affected_departments=tuple(r["affected_departments"]),
            planned_go_live=r["planned_go_live"],
        )
        for r in rows
    ]  # fmt: skip


async def engaged(connection: Connection, change_ids: Iterable[UUID]) -> set[tuple[UUID, str]]:
    rows = await connection.fetch(
        "SELECT change_id, department FROM change_engagements WHERE change_id = ANY($1::uuid[])",
        list(change_ids),
    )
    return {(r["change_id"], r["department"]) for r in rows}


async def sent(
    connection: Connection, change_ids: Iterable[UUID]
) -> set[tuple[UUID, str, str, str]]:
    rows = await connection.fetch(
        "SELECT change_id, department, recipient_id, kind FROM change_nudges"
        " WHERE change_id = ANY($1::uuid[])",
        list(change_ids),
    )
    return {(r["change_id"], r["department"], r["recipient_id"], r["kind"]) for r in rows}


async def leads_of(connection: Connection, departments: Iterable[str]) -> dict[str, list[Contact]]:
    """Each department's leads, as their contacts say."""
    rows = await connection.fetch(
        "SELECT person_id, display_name, email, webhook_url, webhook_format, department, roles"
        " FROM contacts WHERE department = ANY($1::text[]) AND 'department_lead' = ANY(roles)"
        " ORDER BY person_id",
        list(set(departments)),
    )
    found: dict[str, list[Contact]] = {}
    for row in rows:
        found.setdefault(row["department"], []).append(contact_of_row(row))
    return found


async def record_nudges(
    connection: Connection, nudges: Sequence[ChangeNudge], *, now: datetime
) -> list[ChangeNudge]:
    """Record the nudges; return those this call recorded (another replica's are left out,
    so each goes out once). Few a day: one statement each."""
    recorded = []
    for nudge in nudges:
        inserted = await connection.fetchval(
            "INSERT INTO change_nudges (change_id, department, recipient_id, kind, sent_at,"
            " channels) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
            *nudge.key,
            now,
            list(nudge.channels),
        )
        if inserted:
            recorded.append(nudge)
    return recorded
