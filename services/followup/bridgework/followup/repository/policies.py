"""Departments' overrides of the nudge policy, as stored (only the fields a department set)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bridgework.common.postgres import Connection


async def policy_overrides(
    connection: Connection, departments: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Departments' overrides as stored: every department's, or only those named."""
    if departments is None:
        rows = await connection.fetch("SELECT department, overrides FROM department_policies")
    else:
        rows = await connection.fetch(
            "SELECT department, overrides FROM department_policies"
            " WHERE department = ANY($1::text[])",
            list(set(departments)),
        )
    return {row["department"]: row["overrides"] for row in rows}


async def put_policy_overrides(
    connection: Connection, department: str, overrides: dict[str, Any], *, now: datetime
) -> None:
    """Insert or replace a department's overrides."""
    await connection.execute(
        "INSERT INTO department_policies (department, overrides, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (department) DO UPDATE SET overrides = EXCLUDED.overrides,"
        " updated_at = EXCLUDED.updated_at",
        department,
        overrides,
        now,
    )


async def delete_policy_overrides(connection: Connection, department: str) -> bool:
    """Delete a department's overrides; False if it had none."""
    return bool(
        await connection.fetchval(
            "DELETE FROM department_policies WHERE department = $1 RETURNING true", department
        )
    )
