"""Nudge policies: the defaults from settings, and each department's overrides."""

from __future__ import annotations

from typing import Any

from bridgework.common.clock import Clock
from bridgework.common.postgres import Connection, Pool
from bridgework.followup.domain.nudge_policy import (
    DepartmentPolicy,
    NudgePolicy,
    PolicyOf,
    Weekday,
    department_policy,
    overrides_to_json,
)
from bridgework.followup.repository import policies
from bridgework.followup.settings import FollowupSettings


def default_policy(settings: FollowupSettings) -> NudgePolicy:
    """The policy of every department that set nothing itself."""
    return NudgePolicy(
        lead_time=settings.nudge_lead_time,
        repeat_interval=settings.nudge_repeat_interval,
        quiet_hours_start=settings.nudge_quiet_hours_start,
        quiet_hours_end=settings.nudge_quiet_hours_end,
        working_days=frozenset(Weekday(day) for day in settings.nudge_working_days),
        time_zone=settings.nudge_time_zone,
        check_in_delay=settings.nudge_check_in_delay,
        lapse_offer_repeats=settings.nudge_lapse_offer_repeats,
        engagement_lead_time=settings.nudge_engagement_lead_time,
    )


async def policies_in_force(connection: Connection, defaults: NudgePolicy) -> PolicyOf:
    """Every department's effective policy, in the caller's transaction (one row a department)."""
    return PolicyOf.of_overrides(defaults, await policies.policy_overrides(connection))


async def policy_of_department(
    *, pool: Pool, settings: FollowupSettings, department: str
) -> DepartmentPolicy:
    """A department's effective nudge policy and which fields it set itself."""
    async with pool.acquire() as connection, connection.transaction():
        stored = await policies.policy_overrides(connection, [department])
    return department_policy(department, stored.get(department, {}), default_policy(settings))


async def set_department_policy(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    department: str,
    overrides: dict[str, Any],
) -> DepartmentPolicy:
    """Replace a department's overrides (policy fields by name) and answer the result."""
    stored = overrides_to_json(overrides)
    async with pool.acquire() as connection, connection.transaction():
        await policies.put_policy_overrides(connection, department, stored, now=clock.now())
    return department_policy(department, stored, default_policy(settings))


async def reset_department_policy(*, pool: Pool, department: str) -> None:
    """Put a department back on the defaults."""
    async with pool.acquire() as connection, connection.transaction():
        await policies.delete_policy_overrides(connection, department)
