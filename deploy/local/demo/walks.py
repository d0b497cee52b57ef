"""A repair's plan played through the agreements API, the way its people would.

Each step is sent with the acting person's own development token: the change team assigns
the facilitator, the facilitator adds people, records answers, proposes, imposes, closes;
the responsible and the affected consent, decline and keep their commitments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo.calls import Calls
from demo.story import Fate, Keeping, Person, RepairPlan

DAY = timedelta(days=1)
Action = Callable[[], Awaitable[None]]
Steps = list[tuple[int, Action]]


def split_due(steps: Steps, day: int) -> tuple[list[Action], Steps]:
    """The actions whose day has come (in order), and the steps still to come."""
    return [a for when, a in steps if when <= day], [(w, a) for w, a in steps if w > day]


ANSWERS = {
    "responsible": {
        "what_happened": "We went ahead without asking the people it would touch.",
        "thinking_at_the_time": "That it was urgent and that someone had told them.",
        "who_affected_and_how": "The other team lost days of work and trust in us.",
    },
    "affected": {
        "impact_on_you_and_others": "We were caught out at the worst moment and felt ignored.",
        "needs_to_happen": "To be asked first, and a way to reach them when it goes wrong.",
    },
}
RETURN_REASONS = ("unsafe_to_continue", "outside_restorative_scope", "participant_withdrew")


@dataclass
class Walk:
    """One repair on its way through the year: what is left to do, and on which day."""

    plan: RepairPlan
    incident_id: str
    calls: Calls
    origin: datetime  # the services' time on the year's first day
    steps: list[tuple[int, Action]] = field(default_factory=list)
    commitment_ids: list[str] = field(default_factory=list)
    version: int = 0
    repair_id: str = ""  # known once agreements has opened the repair (through Kafka)

    def __post_init__(self) -> None:
        self.steps = sorted(_steps(self), key=lambda step: step[0])

    def due(self, day: int) -> list[Action]:
        """The steps whose day has come, taken off the list in order."""
        ready, self.steps = split_due(self.steps, day)
        return ready

    async def take_steps(self, day: int) -> None:
        """Take the steps whose day has come, in order."""
        actions = self.due(day)
        if actions and not self.repair_id:
            self.repair_id = (await self.calls.repair_of(self.incident_id))["repair_id"]
        for action in actions:
            await action()

    def after_check_in(self, day: int, confirmed: bool) -> None:
        """The affected answered: the facilitator closes the repair two days later, as
        repaired once agreements has heard the answer."""
        if confirmed:
            self.steps.append((day + 2, self.close_repaired))
        else:
            self.steps.append((day + 2, lambda: self.close("unrepaired", "not_made_right")))

    async def close_repaired(self) -> None:
        await self.calls.check_in_heard(self.repair_id)
        await self.close("repaired", None)

    # --- the calls ------------------------------------------------------------------------

    async def post(
        self, path: str, body: dict[str, Any], *, by: Person, role: str
    ) -> dict[str, Any]:
        token = self.calls.token(by.person_id, by.department, role)
        view: dict[str, Any] = await self.calls.send(
            "agreements",
            "POST",
            f"/v1/repairs/{self.repair_id}{path}",
            body=body,
            headers={"authorization": f"Bearer {token}"},
        )
        agreement = view.get("agreement") or {}
        if agreement:
            self.version = int(agreement["latest_version"])
            self.commitment_ids = [c["commitment_id"] for c in agreement.get("commitments", [])]
        return view

    async def gather(self, *, answers: bool) -> None:
        """The change team assigns the facilitator, who adds both sides (and their answers)."""
        plan = self.plan
        await self.calls.send(
            "agreements",
            "POST",
            f"/v1/repairs/{self.repair_id}/facilitators",
            body={"facilitator": plan.facilitator.ref()},
            headers=self.calls.change_team(),
        )
        for person, role in ((plan.responsible, "responsible"), (plan.affected, "affected")):
            await self.by_facilitator("/participants", {"participant": person.ref(), "role": role})
            if answers:
                await self.by_facilitator(
                    "/conversation",
                    {
                        "participant": person.ref(),
                        "answers": [{"question": q, "text": t} for q, t in ANSWERS[role].items()],
                    },
                )

    async def by_facilitator(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.post(path, body, by=self.plan.facilitator, role="facilitator")

    def terms(self, start_day: int, count: int) -> list[dict[str, Any]]:
        plan = self.plan
        return [
            {
                "owner": plan.responsible.ref(),
                "owed_to": [plan.affected.ref()],
                "action": plan.promises[i % len(plan.promises)],
                "due_at": self.at(_due_day(start_day, i)).isoformat(),
            }
            for i in range(count)
        ]

    def at(self, day: int) -> datetime:
        # Midday of the day: the seeding's own minutes never make a due date slip.
        return self.origin + day * DAY + timedelta(hours=12)

    async def propose(self, start_day: int, count: int) -> None:
        await self.by_facilitator("/agreement", {"commitments": self.terms(start_day, count)})

    async def consent(self, who: Person, *, decline: str | None = None) -> None:
        body: dict[str, Any] = {"version": self.version, "decision": "give"}
        if decline is not None:
            body |= {"decision": "decline", "reason": decline}
        await self.post("/agreement/consents", body, by=who, role="participant")

    async def everyone_consents(self) -> None:
        await self.consent(self.plan.responsible)
        await self.consent(self.plan.affected)

    async def impose(self, start_day: int | None) -> None:
        """`for` when the pending terms are imposed (the responsible consented), else `to`."""
        terms = [] if start_day is None else self.terms(start_day, len(self.plan.keepings))
        reason = "A decision could not wait for everyone's consent."
        await self.by_facilitator("/impose", {"reason": reason, "commitments": terms})

    async def keep(self, index: int) -> None:
        owner = self.plan.responsible
        await self.post(
            f"/commitments/{self.commitment_ids[index]}/kept", {}, by=owner, role="participant"
        )

    async def renegotiate(self, index: int, new_due_day: int) -> None:
        await self.by_facilitator(
            f"/commitments/{self.commitment_ids[index]}/renegotiate",
            {"due_at": self.at(new_due_day).isoformat(), "reason": "The first date was missed."},
        )
        await self.everyone_consents()

    async def release(self, index: int) -> None:
        await self.by_facilitator(
            f"/commitments/{self.commitment_ids[index]}/release",
            {"reason": "The other commitment already puts this right."},
        )
        await self.everyone_consents()

    async def close(self, outcome: str, reason_code: str | None) -> None:
        body: dict[str, Any] = {"outcome": outcome}
        if outcome != "repaired":
            body |= {"reason_code": reason_code, "reason": "As agreed with the people involved."}
        await self.by_facilitator("/close", body)


def _due_day(start_day: int, index: int) -> int:
    return start_day + 10 + 7 * index


def _steps(walk: Walk) -> list[tuple[int, Action]]:
    """The plan's steps, by day: who acts when, according to how the repair is to end."""
    plan, r = walk.plan, walk.plan.day
    fate = plan.fate
    if fate == Fate.NOT:
        if plan.close_unrepaired_after is None:
            return []
        day = r + plan.close_unrepaired_after
        return [
            (day, lambda: walk.gather(answers=False)),
            (day, lambda: walk.close("unrepaired", "no_agreement")),
        ]
    steps: list[tuple[int, Action]] = [(r + 1, lambda: walk.gather(answers=fate != Fate.TO))]
    if fate == Fate.RETURNED:
        reason = RETURN_REASONS[plan.index % len(RETURN_REASONS)]
        return [*steps, (r + 6, lambda: walk.close("returned_to_formal_process", reason))]
    count = len(plan.keepings)
    agreed = r + 3
    if fate == Fate.WITH:
        steps += [(agreed, lambda: _propose_and_agree(walk, agreed, count))]
    elif fate == Fate.DECLINED_THEN_WITH:
        agreed = r + 6
        steps += [
            (r + 3, lambda: _propose_and_decline(walk, r + 3, count)),
            (agreed, lambda: _propose_and_agree(walk, agreed, count)),
        ]
    elif fate == Fate.FOR:
        agreed = r + 8
        steps += [
            (r + 3, lambda: _propose_and_responsible_consents(walk, agreed, count)),
            (agreed, lambda: walk.impose(None)),
        ]
    elif fate == Fate.TO:
        steps += [(agreed, lambda: walk.impose(agreed))]
    for index, keeping in enumerate(plan.keepings):
        steps += _keeping_steps(walk, index, keeping, _due_day(agreed, index))
    if Keeping.ABANDONED in plan.keepings:
        # No check-in comes while a commitment stands lapsed: after every other step, the
        # facilitator closes the repair as not put right.
        last_due = _due_day(agreed, len(plan.keepings) - 1)
        steps += [(last_due + 30, lambda: walk.close("unrepaired", "commitments_not_kept"))]
    return steps


def _keeping_steps(walk: Walk, index: int, keeping: Keeping, due: int) -> list[tuple[int, Action]]:
    if keeping == Keeping.ON_TIME:
        return [(due - 3, lambda: walk.keep(index))]
    if keeping == Keeping.LATE:
        return [(due + 5, lambda: walk.keep(index))]  # follow-up reports the lapse at `due`
    if keeping == Keeping.ABANDONED:
        return []  # follow-up reports the lapse at `due` and offers to renegotiate; nobody does
    if keeping == Keeping.RENEGOTIATED:
        return [
            (due + 5, lambda: walk.renegotiate(index, due + 19)),
            (due + 16, lambda: walk.keep(index)),
        ]
    return [(due - 5, lambda: walk.release(index))]


async def _propose_and_agree(walk: Walk, day: int, count: int) -> None:
    await walk.propose(day, count)
    await walk.everyone_consents()


async def _propose_and_decline(walk: Walk, day: int, count: int) -> None:
    await walk.propose(day, 1)
    await walk.consent(walk.plan.affected, decline="This does not stop it happening again.")


async def _propose_and_responsible_consents(walk: Walk, day: int, count: int) -> None:
    await walk.propose(day, count)
    await walk.consent(walk.plan.responsible)
