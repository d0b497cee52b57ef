"""What a batch adds to the dashboards' rollups, the conversations and departments it
records, and the notification that tells live dashboards of it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts import ConversationRecordedV1
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.contributions import (
    DepartmentKey,
    FigureSlot,
    PairKey,
    week_start,
)

# The read side LISTENs on this channel (its own constant: the halves share no code).
CHANGES_CHANNEL = "gateway_read_model"


async def record_conversations(
    connection: Connection, conversations: Sequence[ConversationRecordedV1]
) -> None:
    """Store the conversations as they come (a repeat is ignored)."""
    if not conversations:
        return
    await connection.executemany(
        "INSERT INTO conversations (repair_id, person_id, department, role, answers, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        [
            (
                c.repair_id,
                c.participant.person_id,
                c.participant.department,
                c.role.value,
                [a.model_dump(mode="json") for a in c.answers],
                c.recorded_at,
            )
            for c in conversations
        ],
    )


async def record_departments(connection: Connection, first_seen: Mapping[str, datetime]) -> None:
    """Remember each department, and the first time events named it."""
    if not first_seen:
        return
    slugs = sorted(first_seen)
    await connection.execute(
        "INSERT INTO departments (slug, first_seen_at)"
        " SELECT * FROM unnest($1::text[], $2::timestamptz[])"
        " ON CONFLICT (slug) DO UPDATE"
        " SET first_seen_at = LEAST(departments.first_seen_at, EXCLUDED.first_seen_at)",
        slugs,
        [first_seen[s] for s in slugs],
    )


def _month(day: date) -> date:
    return day.replace(day=1)


async def add_to_rollups(
    connection: Connection,
    departments: Mapping[DepartmentKey, int],
    pairs: Mapping[PairKey, int],
) -> None:
    """Add the changes at every grain (day and month; pairs also by week) and drop counts
    that reach zero, so the rollups hold exactly what a replay from scratch would write."""
    by_grain: dict[tuple[str, str, str, date, str], int] = {}
    for (metric, department, day, key), change in departments.items():
        for grain, bucket in (("d", day), ("m", _month(day))):
            slot = (metric, department, grain, bucket, key)
            by_grain[slot] = by_grain.get(slot, 0) + change
    pair_grain: dict[tuple[str, date, str, str, str], int] = {}
    for (a, b, day, key), change in pairs.items():
        for grain, bucket in (("d", day), ("w", week_start(day)), ("m", _month(day))):
            pair_slot = (grain, bucket, a, b, key)
            pair_grain[pair_slot] = pair_grain.get(pair_slot, 0) + change
    department_rows = sorted((*k, v) for k, v in by_grain.items() if v)
    pair_rows = sorted((*k, v) for k, v in pair_grain.items() if v)
    await _add_counts(connection, DEPARTMENT_COUNTS, department_rows)
    await _add_counts(connection, RELATIONSHIP_COUNTS, pair_rows)


@dataclass(frozen=True)
class CountChanges:
    """A rollup's statements: stage the changes, add them up, delete the counts now zero."""

    staging_table: str
    create_staging: str
    add: str
    delete_zeros: str


# COPY into a per-connection staging table, then one upsert from it, sorted so that two
# replicas adding to the same counts lock them in one order.
DEPARTMENT_COUNTS = CountChanges(
    staging_table="dashboard_counts_changes",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS dashboard_counts_changes (
            metric text, department text, grain text, day date, key text, value bigint
        ) ON COMMIT DELETE ROWS""",
    add="""
        WITH changed AS (
            INSERT INTO dashboard_counts AS c (metric, department, grain, day, key, value)
            SELECT metric, department, grain, day, key, value FROM dashboard_counts_changes
            ORDER BY metric, department, grain, day, key
            ON CONFLICT (metric, department, grain, day, key)
            DO UPDATE SET value = c.value + EXCLUDED.value
            RETURNING metric, department, grain, day, key, value
        )
        SELECT metric, department, grain, day, key FROM changed WHERE value = 0""",
    delete_zeros="""
        DELETE FROM dashboard_counts t
        USING unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[])
            AS z(metric, department, grain, day, key)
        WHERE t.metric = z.metric AND t.department = z.department AND t.grain = z.grain
            AND t.day = z.day AND t.key = z.key AND t.value = 0""",
)
RELATIONSHIP_COUNTS = CountChanges(
    staging_table="relationship_counts_changes",
    create_staging="""
        CREATE TEMP TABLE IF NOT EXISTS relationship_counts_changes (
            grain text, day date, department_a text, department_b text, key text, value bigint
        ) ON COMMIT DELETE ROWS""",
    add="""
        WITH changed AS (
            INSERT INTO relationship_counts AS c
                (grain, day, department_a, department_b, key, value)
            SELECT grain, day, department_a, department_b, key, value
            FROM relationship_counts_changes
            ORDER BY grain, day, department_a, department_b, key
            ON CONFLICT (grain, day, department_a, department_b, key)
            DO UPDATE SET value = c.value + EXCLUDED.value
            RETURNING grain, day, department_a, department_b, key, value
        )
        SELECT grain, day, department_a, department_b, key FROM changed WHERE value = 0""",
    delete_zeros="""
        DELETE FROM relationship_counts t
        USING unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[])
            AS z(grain, day, department_a, department_b, key)
        WHERE t.grain = z.grain AND t.day = z.day AND t.department_a = z.department_a
            AND t.department_b = z.department_b AND t.key = z.key AND t.value = 0""",
)


async def _add_counts(
    connection: Connection, statements: CountChanges, rows: list[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    await connection.execute(statements.create_staging)
    await connection.copy_records_to_table(statements.staging_table, records=rows)
    emptied = await connection.fetch(statements.add)
    if emptied:
        keys = [list(column) for column in zip(*[tuple(r) for r in emptied], strict=True)]
        await connection.execute(statements.delete_zeros, *keys)


@dataclass
class FigureIndexChanges:
    """The drill-down index's changes in a batch: each changed repair's (metric, day, key)
    slots, written as one row per repair (docs/metrics.md, "Drill-down")."""

    slots: dict[UUID, frozenset[FigureSlot]] = field(default_factory=dict)

    def record(
        self, repair_id: UUID, before: frozenset[FigureSlot], after: frozenset[FigureSlot]
    ) -> None:
        if before != after:
            self.slots[repair_id] = after

    async def write(self, connection: Connection) -> None:
        """Replace each changed repair's row (sorted: one lock order); a repair that adds to
        no count any more keeps no row."""
        if not self.slots:
            return
        ids = sorted(self.slots)
        filed = [(rid, text) for rid in ids for text in _slot_texts(self.slots[rid])]
        await connection.execute(
            _INDEX_FIGURES,
            [rid for rid, _ in filed],
            [slot for _, slot in filed],
            [rid for rid in ids if not self.slots[rid]],
        )


def figure_slot_text(metric: str, key: str, day: date) -> str:
    """A slot as the index stores it; the read side (read/repository/drilldown.py) builds
    the same strings to look up. `*` stands for every key of the metric on that day."""
    return f"{metric}/{key}/{day.isoformat()}"


def _slot_texts(slots: frozenset[FigureSlot]) -> list[str]:
    every_key = {(metric, day) for metric, day, _ in slots}
    return [figure_slot_text(m, k, d) for m, d, k in slots] + [
        figure_slot_text(m, "*", d) for m, d in every_key
    ]


_INDEX_FIGURES = """
    WITH gone AS (
        DELETE FROM repair_figures WHERE repair_id = ANY($3::uuid[])
    )
    INSERT INTO repair_figures (repair_id, slots)
    SELECT repair_id, array_agg(slot ORDER BY slot)
    FROM unnest($1::uuid[], $2::text[]) AS c(repair_id, slot)
    GROUP BY repair_id ORDER BY repair_id
    ON CONFLICT (repair_id) DO UPDATE SET slots = EXCLUDED.slots"""


async def announce(connection: Connection, departments: list[str]) -> None:
    """Tell every gateway replica's subscriptions which departments changed (at commit)."""
    await connection.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps(departments))
