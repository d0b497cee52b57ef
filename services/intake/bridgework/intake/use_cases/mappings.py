"""Departments' mappings of their tools' fields to incidents."""

from __future__ import annotations

from bridgework.common.clock import Clock
from bridgework.common.postgres import Connection, Pool
from bridgework.intake import repository
from bridgework.intake.domain.mapping import Tool, ToolMapping, effective_mapping


async def mapping_in_force(*, pool: Pool, department: str, tool: Tool) -> ToolMapping:
    """The department's mapping of `tool` laid over the tool's defaults."""
    async with pool.acquire() as connection:
        return await mapping_in_force_in(connection, department=department, tool=tool)


async def set_mapping(
    *, pool: Pool, clock: Clock, department: str, tool: Tool, mapping: ToolMapping
) -> None:
    """Store the department's own mapping of `tool` (laid over the defaults when used)."""
    async with pool.acquire() as connection:
        await repository.put_mapping(
            connection,
            department=department,
            tool=tool.value,
            mapping=mapping.model_dump(mode="json", exclude_defaults=True),
            at=clock.now(),
        )


async def reset_mapping(*, pool: Pool, department: str, tool: Tool) -> bool:
    """Forget the department's own mapping of `tool`: the defaults apply again."""
    async with pool.acquire() as connection:
        return await repository.delete_mapping(connection, department=department, tool=tool.value)


async def mapping_in_force_in(
    connection: Connection, *, department: str, tool: Tool
) -> ToolMapping:
    """`mapping_in_force` on a connection the caller (another use case) holds."""
    stored = await repository.get_mapping(connection, department=department, tool=tool.value)
    configured = ToolMapping.model_validate(stored) if stored is not None else None
    return effective_mapping(tool, configured)
