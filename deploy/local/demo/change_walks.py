"""A planned change played through intake and agreements, the way its people would.

The owner's department records it through intake (its own token) and reports its go-live; the
affected departments' leads join its engagement, answer the proactive questions, and consent or
object for their department; the owner proposes adjustments and keeps them. Each engagement call
carries the acting person's own development token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo.calls import Calls
from demo.change_story import Approach, ChangePlan
from demo.story import Person
from demo.walks import Action, split_due

DAY = timedelta(days=1)

ANSWERS = {
    "what_changes_for_you": "Our people sign in differently, at the busiest time of our month.",
    "what_worries_you": "That nobody can reach IT when it locks someone out before a deadline.",
    "what_would_make_it_work": "A week's notice, two testers of ours first, and a way out.",
}
OBJECTION = "Going live in our month end would stop payments; we need another date."
CHECK_IN = {  # the lead's answer after go-live, by the mode agreements decided
    "with": ("yes", "It works: we knew what was coming and our testers caught the snags."),
    "to": ("no", "It still gets in our way every day, as we said before it went live."),
    "for": ("partly", "Some of it helps, but nobody asked what we needed."),
    "not": ("no", "We found out when it stopped us working."),
}


@dataclass
class ChangeWalk:
    """One planned change on its way through the year: what is left to do, and when."""

    plan: ChangePlan
    calls: Calls
    origin: datetime  # the services' time on the year's first day
    steps: list[tuple[int, Action]] = field(default_factory=list)
    change_id: str = ""  # known once intake recorded it
    version: int = 0
    adjustment_ids: list[str] = field(default_factory=list)
    known_to_agreements: bool = False

    def __post_init__(self) -> None:
        self.steps = sorted(_steps(self), key=lambda step: step[0])

    def due(self, day: int) -> list[Action]:
        ready, self.steps = split_due(self.steps, day)
        return ready

    async def take_steps(self, day: int) -> None:
        for action in self.due(day):
            await action()

    def at(self, day: int, hours: float = 0) -> str:
        # The step's clocks read 10:00 on the day; times before that are already past.
        return (self.origin + day * DAY + timedelta(hours=hours)).isoformat()

    # --- intake -----------------------------------------------------------------------------

    def submission(self, affected: tuple[str, ...], went_live_at: str | None) -> dict[str, Any]:
        plan = self.plan
        body: dict[str, Any] = {
            "department": plan.owner.department,
            "title": plan.title,
            "kind": plan.kind,
            "owner": plan.owner.ref(),
            "affected_departments": list(affected),
            "planned_go_live": self.at(plan.go_live_day, -1),
            "source": {"tool": "native", "reference": plan.reference},
        }
        if went_live_at is not None:
            body["went_live_at"] = went_live_at
        return body

    async def record(self) -> None:
        receipt = await self.calls.record_change(
            self.plan.owner.department, self.submission(self.plan.affected, None)
        )
        self.change_id = str(receipt["change_id"])

    async def go_live(self) -> None:
        """Reported at 08:00 of the go-live day, through the API; an untold department is
        added by the tool's update that reports the go-live (it heard at go-live, too late)."""
        went_live_at = self.at(self.plan.go_live_day, -2)
        late = self.plan.late_department
        if late is None:
            await self.calls.report_go_live(
                self.plan.owner.department, self.change_id, went_live_at
            )
            return
        update = self.submission((*self.plan.affected, late), went_live_at)
        await self.calls.record_change(self.plan.owner.department, update)

    # --- agreements ---------------------------------------------------------------------------

    async def post(self, path: str, body: dict[str, Any], by: Person) -> None:
        if not self.known_to_agreements:
            await self.calls.change_known(self.change_id)
            self.known_to_agreements = True
        view = await self.calls.engage(
            self.change_id, path, body, person_id=by.person_id, department=by.department
        )
        proposal = view.get("current_proposal") or {}
        if proposal:
            self.version = int(proposal["version"])
            self.adjustment_ids = [a["commitment_id"] for a in proposal["adjustments"]]

    async def join(self, departments: tuple[str, ...]) -> None:
        await self.post(
            "/participants",
            {"participant": self.plan.owner.ref(), "role": "owner"},
            self.plan.owner,
        )
        for department in departments:
            lead = self.plan.representative(department)
            await self.post(
                "/participants", {"participant": lead.ref(), "role": "representative"}, lead
            )

    async def answer(self, departments: tuple[str, ...]) -> None:
        answers = [{"question": q, "text": t} for q, t in ANSWERS.items()]
        for department in departments:
            await self.post("/answers", {"answers": answers}, self.plan.representative(department))

    async def propose(self, *, revised: bool) -> None:
        """The owner proposes: notice from the owner, testers from the first department; a
        revision moves the notice earlier and adds an approved alternative."""
        plan = self.plan
        first = plan.representative(plan.affected[0])
        due = plan.go_live_day - (6 if revised else 4)
        adjustments: list[dict[str, Any]] = [
            {
                "kind": "notice",
                "owner": plan.owner.ref(),
                "owed_to_departments": list(plan.affected),
                "action": "Announce the date in each department's own channel, a week ahead.",
                "due_at": self.at(due, 2),
                **({"commitment_id": self.adjustment_ids[0]} if revised else {}),
            },
            {
                "kind": "testers",
                "owner": first.ref(),
                "owed_to_departments": [plan.owner.department],
                "action": "Name two testers who try it on real work first.",
                "due_at": self.at(due, 2),
                **({"commitment_id": self.adjustment_ids[1]} if revised else {}),
            },
        ]
        if revised:
            adjustments.append(
                {
                    "kind": "alternative",
                    "owner": plan.owner.ref(),
                    "owed_to_departments": [plan.affected[0]],
                    "action": "Keep a supported way through for the month end.",
                    "due_at": self.at(due, 2),
                }
            )
        await self.post("/proposals", {"adjustments": adjustments}, plan.owner)

    async def word(self, department: str, *, objection: str | None = None) -> None:
        body: dict[str, Any] = {"department": department, "version": self.version}
        body |= (
            {"decision": "object", "reason": objection} if objection else {"decision": "consent"}
        )
        await self.post("/consents", body, self.plan.representative(department))

    async def everyone_consents(self) -> None:
        for department in self.plan.affected:
            await self.word(department)

    async def keep_all(self) -> None:
        for commitment_id in self.adjustment_ids:
            await self.post(f"/commitments/{commitment_id}/kept", {}, self.plan.owner)


def _steps(walk: ChangeWalk) -> list[tuple[int, Action]]:
    """The change's steps, by day, according to its approach."""
    plan = walk.plan
    r, g = plan.recorded_day, plan.go_live_day
    approach = plan.approach
    steps: list[tuple[int, Action]] = [(r, walk.record)]
    everyone = plan.affected
    if approach in (Approach.WITH, Approach.OVERRULED, Approach.UNTOLD) or (
        approach == Approach.COMING and plan.stage != "told"
    ):
        steps += [(r + 3, lambda: walk.join(everyone)), (r + 4, lambda: walk.answer(everyone))]
    if approach == Approach.PROVIDED:
        # One department's lead joins, but nobody proposes: no say in what is provided.
        steps += [(r + 5, lambda: walk.join(everyone[:1]))]
    if approach in (Approach.WITH, Approach.UNTOLD) or plan.stage == "consented":
        steps += [(r + 6, lambda: walk.propose(revised=False))]
        if plan.objects_first:
            steps += [
                (r + 9, lambda: walk.word(everyone[0], objection=OBJECTION)),
                (r + 13, lambda: walk.propose(revised=True)),
                (r + 16, walk.everyone_consents),
            ]
        else:
            steps += [(r + 9, walk.everyone_consents)]
        if approach != Approach.COMING:
            steps += [(g - 8, walk.keep_all)]
    if approach == Approach.OVERRULED:
        steps += [
            (r + 6, lambda: walk.propose(revised=False)),
            (r + 9, lambda: walk.word(everyone[0], objection=OBJECTION)),
        ]
    if approach != Approach.COMING:
        steps += [(g, walk.go_live)]
    return steps


def check_in_answer(mode: str) -> tuple[str, str]:
    """What an affected department's lead says when asked whether the change works for them."""
    return CHECK_IN.get(mode, CHECK_IN["to"])
