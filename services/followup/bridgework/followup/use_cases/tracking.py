"""Tracking the repairs stream: a batch of repair events folded into follow-up's schedule, in
the transaction the repairs consumer opened (its inbox claim included)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.common.clock import Clock
from bridgework.common.contracts import RepairEvent
from bridgework.common.postgres import Connection
from bridgework.followup.domain.nudge_policy import NudgePolicy, PoliciesNotLoaded
from bridgework.followup.domain.repair_plan import EVENTS_READING_POLICIES, RepairPlan
from bridgework.followup.repository import check_ins, commitments, repairs, timers
from bridgework.followup.use_cases.policies import policies_in_force


async def apply_repair_events(
    *,
    connection: Connection,
    events: Sequence[RepairEvent],
    clock: Clock,
    defaults: NudgePolicy,
) -> None:
    """Fold a batch of repair events into follow-up's schedule: one query reads what is
    known of the batch's repairs, then one statement per table writes what changed."""
    if not events:
        return
    now = clock.now()
    repair_ids = list(dict.fromkeys(event.repair_id for event in events))
    known = await repairs.repair_states(connection, repair_ids)
    plans: dict[UUID, RepairPlan] = {}
    for repair_id in repair_ids:
        state = known.get(repair_id)
        plans[repair_id] = (
            RepairPlan(
                repair_id=repair_id,
                tracked=state.tracked,
                participants=state.participants,
                commitments={c.commitment_id: c for c in state.commitments},
            )
            if state is not None
            else RepairPlan(repair_id=repair_id, tracked=None, participants=[], commitments={})
        )
    if any(isinstance(e, EVENTS_READING_POLICIES) for e in events) or any(
        state.commitments for state in known.values()
    ):
        policy_of = await policies_in_force(connection, defaults)
    else:
        policy_of = PoliciesNotLoaded(defaults)
    for event in events:
        plans[event.repair_id].apply(event, now=now, policy_of=policy_of)
    # Cancel first: a timer another replica is firing right now makes this wait for it, so a
    # settled commitment never meets a half-fired timer (the firing also re-checks the state).
    await timers.cancel_timers(
        connection, [c for plan in plans.values() for c in plan.cancellations], now=now
    )
    await repairs.save_tracked(
        connection,
        [p.tracked for p in plans.values() if p.tracked_changed and p.tracked is not None],
    )
    await repairs.add_participants(
        connection, [(p.repair_id, joined) for p in plans.values() for joined in p.new_participants]
    )
    await commitments.save_commitments(
        connection,
        [p.commitments[cid] for p in plans.values() for cid in sorted(p.changed_commitments)],
        now=now,
    )
    await timers.schedule(
        connection, [t for p in plans.values() for t in p.new_timers.values()], now=now
    )
    await check_ins.withdraw_check_ins(
        connection,
        [p.repair_id for p in plans.values() if p.tracked and p.tracked.closed_at is not None],
    )
