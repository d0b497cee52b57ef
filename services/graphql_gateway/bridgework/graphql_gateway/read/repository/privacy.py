"""Every read-model row that names one person, for an export (GDPR Art. 15).

Found column by column over the read model's text and jsonb columns (from the catalogue, so a
table added later is covered): a text column equal to the id, or a jsonb document holding it
as a JSON string. The projection rewrites the same columns on erasure.
"""

from __future__ import annotations

from typing import Any

from bridgework.common.postgres import Connection

# Bookkeeping and rollups of counts: nothing there names a person.
_NOT_READ_MODEL = frozenset(
    {"inbox", "outbox", "schema_migrations", "erased_people"}
    | {"dashboard_counts", "relationship_counts", "repair_figures", "departments"}
)


async def rows_naming(connection: Connection, person_id: str) -> dict[str, list[dict[str, Any]]]:
    """table -> its rows that name the person (each row once, whole)."""
    columns = await connection.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        "   AND c.data_type IN ('text', 'jsonb')"
        " ORDER BY c.table_name, c.ordinal_position"
    )
    text_columns: dict[str, list[str]] = {}
    json_columns: dict[str, list[str]] = {}
    for row in columns:
        if row["table_name"] not in _NOT_READ_MODEL:
            kind = text_columns if row["data_type"] == "text" else json_columns
            kind.setdefault(row["table_name"], []).append(row["column_name"])
    found: dict[str, list[dict[str, Any]]] = {}
    for table in sorted(set(text_columns) | set(json_columns)):
        tests = [f'"{column}" = $1' for column in text_columns.get(table, [])]
        # $1 again, quoted in SQL: each statement uses the one parameter it is given.
        tests += [
            f"""strpos("{column}"::text, '"' || $1 || '"') > 0"""
            for column in json_columns.get(table, [])
        ]
        rows = await connection.fetch(
            f'SELECT * FROM "{table}" WHERE {" OR ".join(tests)}', person_id
        )
        if rows:
            found[table] = [dict(row) for row in rows]
    return found
