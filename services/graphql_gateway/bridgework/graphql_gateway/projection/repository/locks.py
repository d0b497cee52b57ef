"""Which rows a batch touches: advisory locks on its repairs and incidents, and the repairs
whose numbers depend on it. Ids travel as one comma-separated text parameter
(`string_to_array($n, ',')::uuid[]`), cheaper to bind than a uuid[]."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection


def id_list(ids: Iterable[UUID]) -> str:
    """Ids as one text parameter, for `string_to_array($n, ',')::uuid[]` in SQL."""
    return ",".join([i.hex for i in ids])


async def lock(
    connection: Connection, incident_ids: Iterable[UUID], repair_ids: Iterable[UUID]
) -> None:
    """Serialise replicas that touch the same repairs or incidents (held until commit).

    The keys are `gateway:i:<incident id>` and `gateway:r:<repair id>`, taken in their
    byte order; Postgres spells them (see docs/gateway.md). A deadlock between two lock
    rounds is retried by the consumer.
    """
    incidents, repairs = id_list(incident_ids), id_list(repair_ids)
    if incidents or repairs:
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM ("
            " SELECT 'gateway:i:' || i AS k FROM unnest(string_to_array($1, ',')::uuid[]) AS i"
            " UNION SELECT 'gateway:r:' || r FROM unnest(string_to_array($2, ',')::uuid[]) AS r"
            ' ) AS keys ORDER BY k COLLATE "C"',
            incidents,
            repairs,
        )


async def dependent_repairs(
    connection: Connection, incident_ids: Sequence[UUID], opened_ids: Sequence[UUID]
) -> set[UUID]:
    """The repairs whose numbers depend on the batch beyond their own events: those of
    `incident_ids` (their first report and named people), and those naming any of
    `opened_ids` as an earlier repair of the same matter (their recurrence). One round trip,
    none when the batch can have no such repairs."""
    if not incident_ids and not opened_ids:
        return set()
    rows = await connection.fetch(
        "SELECT repair_id FROM repair_incidents"
        " WHERE incident_id = ANY(string_to_array($1, ',')::uuid[])"
        " UNION SELECT repair_id FROM repair_recurrences"
        " WHERE earlier_id = ANY(string_to_array($2, ',')::uuid[])",
        id_list(incident_ids),
        id_list(opened_ids),
    )
    return {row[0] for row in rows}


async def opened_at_of(connection: Connection, repair_ids: Sequence[UUID]) -> dict[UUID, datetime]:
    """When each of the repairs opened (those opened)."""
    if not repair_ids:
        return {}
    rows = await connection.fetch(
        "SELECT repair_id, opened_at FROM repairs"
        " WHERE repair_id = ANY(string_to_array($1, ',')::uuid[]) AND opened_at IS NOT NULL",
        id_list(repair_ids),
    )
    return {row[0]: row[1] for row in rows}
