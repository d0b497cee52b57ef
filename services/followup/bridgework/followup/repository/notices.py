"""What notifications keep: consent each person is asked for, whether a repair found its
facilitator, and who is told when it has none. One statement per change of a batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.notices import ConsentKey, ConsentRequest, RepairAtHand
from bridgework.followup.repository.contacts import contact_of_row


async def add_consent_requests(connection: Connection, requests: Sequence[ConsentRequest]) -> None:
    """Record the consent each version waits for (a replay changes nothing)."""
    if not requests:
        return
    await connection.execute(
        "INSERT INTO consent_requests (repair_id, agreement_id, version, person_id, department)"
        " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[])"
        " ON CONFLICT DO NOTHING",
        [r.repair_id for r in requests],
        [r.agreement_id for r in requests],
        [r.version for r in requests],
        [r.person.person_id for r in requests],
        [r.person.department for r in requests],
    )


async def supersede_consent_requests(connection: Connection, latest: Mapping[UUID, int]) -> None:
    """Versions below each repair's latest no longer wait for anyone."""
    if latest:
        await connection.execute(
            "UPDATE consent_requests c SET status = 'superseded'"
            " FROM unnest($1::uuid[], $2::int[]) AS l(repair_id, version)"
            " WHERE c.repair_id = l.repair_id AND c.version < l.version AND c.status = 'awaiting'",
            list(latest),
            list(latest.values()),
        )


async def answer_consent_requests(connection: Connection, answered: Sequence[ConsentKey]) -> None:
    """These people answered these versions (consented or declined)."""
    if answered:
        await connection.execute(
            "UPDATE consent_requests c SET status = 'answered'"
            " FROM unnest($1::uuid[], $2::int[], $3::text[]) AS a(repair_id, version, person_id)"
            " WHERE c.repair_id = a.repair_id AND c.version = a.version"
            " AND c.person_id = a.person_id AND c.status = 'awaiting'",
            [a[0] for a in answered],
            [a[1] for a in answered],
            [a[2] for a in answered],
        )


async def settle_consent_requests(connection: Connection, repair_ids: Collection[UUID]) -> None:
    """These repairs wait for nobody's consent any more (an outcome imposed, or closed)."""
    if repair_ids:
        await connection.execute(
            "UPDATE consent_requests SET status = 'settled'"
            " WHERE repair_id = ANY($1::uuid[]) AND status = 'awaiting'",
            list(repair_ids),
        )


async def record_facilitators_found(
    connection: Connection, repair_ids: Collection[UUID], *, now: datetime
) -> None:
    """A facilitator joined or offered: nobody is asked to find one any more."""
    if not repair_ids:
        return
    await connection.execute(
        "UPDATE tracked_repairs SET facilitator_found_at = $2"
        " WHERE repair_id = ANY($1::uuid[]) AND facilitator_found_at IS NULL",
        list(repair_ids),
        now,
    )
    await connection.execute(
        "UPDATE timers SET status = 'cancelled', outcome = 'facilitator_found', settled_at = $2"
        " WHERE repair_id = ANY($1::uuid[]) AND kind = 'facilitator_needed'"
        " AND status = 'pending'",
        list(repair_ids),
        now,
    )


async def finders_of_facilitators(
    connection: Connection, departments: Iterable[str]
) -> list[Contact]:
    """The people who may be told that a repair waits for a facilitator: the change team, and
    the leads of the departments named (the domain picks per repair)."""
    rows = await connection.fetch(
        "SELECT person_id, display_name, email, webhook_url, webhook_format, department, roles"
        " FROM contacts WHERE roles <> '{}'"
        " AND ('change_team' = ANY(roles) OR department = ANY($1::text[]))"
        " ORDER BY person_id",
        sorted(set(departments)),
    )
    return [contact_of_row(row) for row in rows]


async def repairs_at_hand(
    connection: Connection, repair_ids: Collection[UUID]
) -> dict[UUID, RepairAtHand]:
    """What notifications need to know of these repairs, by id (unknown ones: absent)."""
    rows = await connection.fetch(
        "SELECT repair_id, opened_at, departments, closed_at IS NOT NULL AS closed,"
        " facilitator_found_at IS NOT NULL AS found"
        " FROM tracked_repairs WHERE repair_id = ANY($1::uuid[])",
        list(repair_ids),
    )
    return {
        row["repair_id"]: RepairAtHand(
            repair_id=row["repair_id"],
            opened_at=row["opened_at"],
            departments=tuple(row["departments"]),
            closed=row["closed"],
            facilitator_found=row["found"],
        )
        for row in rows
    }


async def awaiting_consents(
    connection: Connection, keys: Collection[ConsentKey]
) -> frozenset[ConsentKey]:
    """Which of these (repair, version, person) still wait for that person's answer."""
    if not keys:
        return frozenset()
    rows = await connection.fetch(
        "SELECT c.repair_id, c.version, c.person_id FROM consent_requests c"
        " JOIN unnest($1::uuid[], $2::int[], $3::text[]) AS k(repair_id, version, person_id)"
        " ON c.repair_id = k.repair_id AND c.version = k.version AND c.person_id = k.person_id"
        " WHERE c.status = 'awaiting'",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    return frozenset((row["repair_id"], row["version"], row["person_id"]) for row in rows)
