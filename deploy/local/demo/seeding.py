"""Playing the year: every service's clock starts a year back (BRIDGEWORK_TIME_TRAVEL_START)
and the seeder moves them all forward together, a few days a step, reporting the incidents
of those days and taking each repair's next steps; follow-up fires its reminders, lapses and
check-ins as the days pass. It ends at today.

Seeded once: a marker in the state folder says so, and agreements holding repairs already
(the marker lost, or the services' data from another run) is taken as seeded too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from demo.calls import Calls, SeedingError
from demo.change_story import LEADS, ChangePlan, planned_changes
from demo.change_walks import ChangeWalk, check_in_answer
from demo.mail import CheckInMail, Mailbox
from demo.story import YEAR_DAYS, RepairPlan, year
from demo.walks import Walk

MARKER = "demo-year-seeded.json"
# Repairs walked at once: the services are async, and a request mostly waits on Postgres.
CONCURRENCY = 8
# Each step lands the clocks at this time of day (UTC), inside follow-up's default sending
# window (08:00-18:00): stepping whole days from an evening start would meet only quiet
# hours, and every reminder and check-in would wait for a morning that never comes.
STEP_TIME_OF_DAY = dt_time(10, 0)


@dataclass
class Options:
    seed: int = 2026
    scale: float = 1.0
    step_days: int = 2
    state_dir: Path | None = None
    maildir: Path | None = None


@dataclass
class Tally:
    """What the seeding did, for the summary and the marker."""

    incidents: int = 0
    changes: int = 0
    steps_taken: int = 0
    check_ins: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    waited: dict[str, float] = field(default_factory=dict)  # seconds, summed over calls


async def seed_year(calls: Calls, options: Options) -> Tally | None:
    """Seed the year unless it was seeded; None when it was (the clocks are brought to today)."""
    marker = options.state_dir / MARKER if options.state_dir else None
    if (marker is not None and marker.exists()) or await calls.any_repair():
        await calls.bring_to_today()
        if marker is not None and not marker.exists():
            _write_marker(marker, {"seeded": "before this marker was written"})
        return None
    started = time.monotonic()
    offsets = await calls.offsets()
    shift = to_step_time(datetime.now(UTC) + offsets["intake"])
    if shift and -min(offsets.values()) > shift:
        await calls.advance(shift)
        offsets = await calls.offsets()
    days = int(-min(offsets.values()) / timedelta(days=1))
    if days < options.step_days:
        raise SeedingError(
            "the services' clocks run at today: start them with BRIDGEWORK_TIME_TRAVEL=true and "
            "BRIDGEWORK_TIME_TRAVEL_START=-P365D on fresh schemas to seed a year"
        )
    tally = await _play(calls, options, days=days, offset=offsets["intake"])
    tally.seconds = round(time.monotonic() - started, 1)
    tally.calls = dict(calls.counts)
    tally.waited = {service: round(seconds, 1) for service, seconds in calls.timings.items()}
    if marker is not None:
        _write_marker(marker, {"seed": options.seed, "scale": options.scale, **tally.__dict__})
    return tally


async def _play(calls: Calls, options: Options, *, days: int, offset: timedelta) -> Tally:
    origin = datetime.now(UTC) + offset
    changes = [
        _fit_change(c, days) for c in planned_changes(seed=options.seed, scale=options.scale)
    ]
    plans = [_fit(plan, days) for plan in year(seed=options.seed, scale=options.scale)]
    plans += [_fit(harm, days) for change in changes for harm in change.harms]
    plans.sort(key=lambda plan: (plan.day, plan.index))
    await _contacts(calls, plans, changes)
    walks: dict[str, Walk] = {}  # by the affected person, whom the check-in mail names
    change_walks = [ChangeWalk(plan=c, calls=calls, origin=origin) for c in changes]
    mailbox = Mailbox.from_now(options.maildir) if options.maildir else None
    tally = Tally(incidents=len(plans), changes=len(changes))
    day, reported_until = 0, -1
    with _progress() as progress:
        bar = progress.add_task("seeding the demo year", total=days)
        while True:
            await _walk(change_walks, day)  # recorded and live before the harm that follows
            reported = [p for p in plans if reported_until < p.day <= day]
            reported_until = day
            for walk in await _report(calls, reported, origin):
                walks[walk.plan.affected.person_id] = walk
            await _walk(walks.values(), day)
            if mailbox is not None:
                await _answer_check_ins(calls, mailbox, walks, change_walks, day, tally)
            tally.steps_taken += 1
            if day >= days:
                break
            step = min(options.step_days, days - day)
            await calls.advance(timedelta(days=step))
            await calls.followup_caught_up()
            day += step
            progress.update(bar, completed=day)
    await calls.bring_to_today()
    return tally


def to_step_time(now: datetime) -> timedelta:
    """How far to move a clock reading `now` so it reads the step time of day next."""
    target = datetime.combine(now.astimezone(UTC).date(), STEP_TIME_OF_DAY, UTC)
    if target < now:
        target += timedelta(days=1)
    return target - now


def _fit(plan: RepairPlan, days: int) -> RepairPlan:
    """The story's day on a clock that started `days` back instead of a year."""
    if days != YEAR_DAYS:
        plan.day = plan.day * days // YEAR_DAYS
    return plan


def _fit_change(plan: ChangePlan, days: int) -> ChangePlan:
    """A change's days on a clock that started `days` back (its harms are fitted as plans)."""
    if days != YEAR_DAYS:
        plan.recorded_day = plan.recorded_day * days // YEAR_DAYS
        plan.go_live_day = plan.go_live_day * days // YEAR_DAYS
    return plan


async def _contacts(calls: Calls, plans: list[RepairPlan], changes: list[ChangePlan]) -> None:
    people = {p.responsible for p in plans} | {p.affected for p in plans}
    people |= {p.facilitator for p in plans} | {c.owner for c in changes}
    leads = {lead.person_id: department for department, lead in LEADS.items()}
    people -= set(LEADS.values())
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(person_id: str) -> None:
        async with semaphore:
            department = leads.get(person_id)
            name = f"Lead of {department}" if department else person_id
            await calls.contact(person_id, name, lead_of=department)

    everyone = sorted([p.person_id for p in people] + list(leads))
    await asyncio.gather(*(one(person_id) for person_id in everyone))


async def _report(calls: Calls, plans: list[RepairPlan], origin: datetime) -> list[Walk]:
    """Report the step's incidents, a batch per reporting department; their repairs open
    through Kafka meanwhile, and a walk looks its repair up at its first step."""
    by_department: dict[str, list[RepairPlan]] = {}
    for plan in plans:
        by_department.setdefault(plan.reporter, []).append(plan)
    walks: list[Walk] = []
    for department, batch in sorted(by_department.items()):
        results = await calls.report(department, [_incident(p, origin) for p in batch])
        walks += [
            Walk(plan=plan, incident_id=result["incident_id"], calls=calls, origin=origin)
            for plan, result in zip(batch, results, strict=True)
        ]
    return walks


def _incident(plan: RepairPlan, origin: datetime) -> dict[str, Any]:
    occurred = origin + plan.day * timedelta(days=1) - timedelta(hours=3 + plan.index % 20)
    named = {"change_ref": plan.change_ref} if plan.change_ref else {}
    return named | {
        "department": plan.reporter,
        "category": plan.category,
        "severity": plan.severity,
        "summary": plan.summary,
        "occurred_at": occurred.isoformat(),
        "responsible": [plan.responsible.ref()],
        "affected_people": [plan.affected.ref()],
        "affected_departments": [plan.affected.department],
        "source": {"tool": "native", "reference": plan.reference},
    }


async def _walk(walks: Iterable[Walk | ChangeWalk], day: int) -> None:
    """Every repair's (or change's) steps due by `day`, side by side, each one's in order."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(walk: Walk | ChangeWalk) -> None:
        async with semaphore:
            await walk.take_steps(day)

    await asyncio.gather(*(one(walk) for walk in list(walks)))


async def _answer_check_ins(
    calls: Calls,
    mailbox: Mailbox,
    walks: dict[str, Walk],
    change_walks: list[ChangeWalk],
    day: int,
    tally: Tally,
) -> None:
    for mail in mailbox.new_check_ins():
        if mail.person_id in {lead.person_id for lead in LEADS.values()}:
            await _answer_change_check_in(calls, mail, change_walks, tally)
            continue
        walk = walks.get(mail.person_id)
        if walk is None:
            continue
        confirmed = walk.plan.confirms
        # Whatever order mail arrives in, a repair's answer is the story's.
        outcome = "yes" if confirmed else ("partly", "no")[walk.plan.index % 2]
        comment = "Yes, it was put right." if confirmed else "Not yet: it could happen again."
        if not await calls.answer_check_in(mail.token, outcome, comment):
            continue  # answered or closed before: agreements will hear nothing new
        tally.check_ins[outcome] = tally.check_ins.get(outcome, 0) + 1
        walk.after_check_in(day, confirmed)


async def _answer_change_check_in(
    calls: Calls, mail: CheckInMail, change_walks: list[ChangeWalk], tally: Tally
) -> None:
    """A lead asked whether a change works for their department answers as the story's mode
    makes them feel (the mail's subject names the change)."""
    walk = next((w for w in change_walks if mail.subject.endswith(w.plan.title)), None)
    if walk is None:
        return
    outcome, comment = check_in_answer(walk.plan.mode)
    if await calls.answer_check_in(mail.token, outcome, comment):
        key = f"change {outcome}"
        tally.check_ins[key] = tally.check_ins.get(key, 0) + 1


def _write_marker(marker: Path, content: dict[str, Any]) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
    )
