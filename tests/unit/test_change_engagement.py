"""The engagement of a planned change: who joins, answers, proposals, each department's word,
and the response mode at go-live for every edge case docs/agreements.md ("Changes") names."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest

from bridgework.agreements.domain.changes import Change, ChangeDecision, fold_facts, new_change
from bridgework.agreements.domain.changes_mode import go_live, mode_of, standing_at
from bridgework.agreements.domain.changes_readers import require_may_bring_in, require_may_see
from bridgework.agreements.domain.engagement import answer, consent, join, object_to
from bridgework.agreements.domain.engagement_proposals import AdjustmentDraft, keep, propose
from bridgework.agreements.domain.readers import Reader
from bridgework.common.contracts import (
    AdjustmentKind,
    AdjustmentsAgreedV1,
    ChangeKind,
    ChangeModeDecidedV1,
    DepartmentConsentedV1,
    DepartmentStanding,
    EngagementAnswer,
    EngagementQuestion,
    EngagementRole,
    PersonRef,
    ResponseMode,
)
from bridgework.common.errors import DomainError, ErrorKind
from tests.agreements_change_factories import (
    FINANCE_REP,
    GO_LIVE,
    HR_REP,
    OWNER,
    SALES_REP,
    change_recorded,
    change_updated,
)
from tests.agreements_factories import NOW, new_ids, refusal
from tests.factories import sealed

REP = EngagementRole.REPRESENTATIVE


def recorded(**overrides: object) -> Change:
    return new_change(change_recorded(**overrides))


def then(decision: ChangeDecision) -> Change:
    assert decision.changed
    return decision.change


def engaged(change: Change | None = None, *, at: datetime = NOW) -> Change:
    """The owner and one representative of finance and of hr take part."""
    change = change or recorded()
    change = then(join(change, OWNER, EngagementRole.OWNER, now=at))
    change = then(join(change, FINANCE_REP, REP, now=at))
    return then(join(change, HR_REP, REP, now=at))


def notice(**overrides: object) -> AdjustmentDraft:
    values: dict[str, object] = {
        "kind": AdjustmentKind.NOTICE,
        "owner": OWNER,
        "owed_to_departments": ("finance", "hr"),
        "action": sealed("Two weeks' notice and a written guide."),
        "due_at": NOW + timedelta(days=14),
    }
    values.update(overrides)
    return AdjustmentDraft(**values)  # type: ignore[arg-type]


def proposed(change: Change, *drafts: AdjustmentDraft, at: datetime = NOW) -> Change:
    return then(propose(change, actor=OWNER, drafts=drafts, now=at, new_id=new_ids()))


def consented(change: Change, *reps: PersonRef, version: int = 1, at: datetime = NOW) -> Change:
    for rep in reps:
        change = then(
            consent(change, actor=rep, department=rep.department, version=version, now=at)
        )
    return change


def objected(change: Change, rep: PersonRef, *, version: int = 1, at: datetime = NOW) -> Change:
    reason = sealed("We close the books that week.")
    return then(
        object_to(
            change, actor=rep, department=rep.department, version=version, reason=reason, now=at
        )
    )


def mode(change: Change, at: datetime = GO_LIVE) -> ResponseMode:
    decision = go_live(change, went_live_at=at)
    (event,) = decision.events
    assert isinstance(event, ChangeModeDecidedV1)
    assert decision.change.go_live is not None
    assert decision.change.go_live.response_mode == event.response_mode
    return event.response_mode


# --- joining and answering ----------------------------------------------------------------------


def test_a_representative_of_a_department_the_change_does_not_affect_is_refused_naming_the_field() -> (
    None
):
    with pytest.raises(DomainError) as refused:
        join(recorded(), SALES_REP, REP, now=NOW)
    assert refused.value.kind is ErrorKind.INVALID
    assert refused.value.field == "participant.department"


def test_the_owner_side_is_the_department_that_plans_the_change() -> None:
    with pytest.raises(DomainError) as refused:
        join(recorded(), FINANCE_REP, EngagementRole.OWNER, now=NOW)
    assert refused.value.field == "participant.department"
    assert then(join(recorded(), OWNER, EngagementRole.OWNER, now=NOW)).person("p-it-7")


def test_joining_again_in_the_same_role_changes_nothing_and_in_another_is_a_conflict() -> None:
    change = engaged()
    assert not join(change, FINANCE_REP, REP, now=NOW).changed
    with refusal(ErrorKind.CONFLICT):
        join(change, PersonRef(person_id="p-fin-2", department="hr"), REP, now=NOW)


def test_only_a_representative_answers_the_proactive_questions_and_each_once_per_record() -> None:
    change = engaged()
    answers = [
        EngagementAnswer(question=EngagementQuestion.WHAT_WORRIES_YOU, text=sealed("Month end.")),
        EngagementAnswer(question=EngagementQuestion.WHAT_WORRIES_YOU, text=sealed("Again.")),
    ]
    with pytest.raises(DomainError) as twice:
        answer(change, actor=FINANCE_REP, answers=answers, now=NOW)
    assert twice.value.field == "answers.1.question"
    with refusal(ErrorKind.FORBIDDEN):
        answer(change, actor=OWNER, answers=answers[:1], now=NOW)
    assert len(then(answer(change, actor=FINANCE_REP, answers=answers[:1], now=NOW)).answers) == 1


def test_who_may_see_a_change_and_who_may_bring_someone_in() -> None:
    change = recorded()
    require_may_see(change, Reader("p-fin-9", "finance", frozenset({"participant"})))
    with refusal(ErrorKind.NOT_FOUND):
        require_may_see(change, Reader("p-fin-8", "finance", frozenset({"auditor"})))
    with refusal(ErrorKind.NOT_FOUND):
        require_may_see(change, Reader("p-sales-9", "sales", frozenset({"participant"})))
    require_may_bring_in(Reader("p-fin-2", "finance", frozenset()), FINANCE_REP)
    require_may_bring_in(Reader("p-fin-1", "finance", frozenset({"department_lead"})), FINANCE_REP)
    with pytest.raises(DomainError) as refused:
        require_may_bring_in(Reader("p-hr-1", "hr", frozenset({"department_lead"})), FINANCE_REP)
    assert refused.value.kind is ErrorKind.FORBIDDEN
    assert refused.value.field == "participant"


# --- proposals and consent ----------------------------------------------------------------------


def test_consent_by_someone_who_does_not_represent_the_department_is_refused_naming_it() -> None:
    change = proposed(engaged(), notice())
    with pytest.raises(DomainError) as refused:
        consent(change, actor=HR_REP, department="finance", version=1, now=NOW)
    assert refused.value.kind is ErrorKind.FORBIDDEN
    assert refused.value.code == "not_a_representative"
    assert refused.value.field == "department"
    with pytest.raises(DomainError) as unaffected:
        consent(change, actor=SALES_REP, department="sales", version=1, now=NOW)
    assert unaffected.value.kind is ErrorKind.INVALID
    assert unaffected.value.field == "department"


def test_consent_needs_a_proposal_and_its_current_version() -> None:
    with refusal(ErrorKind.CONFLICT):
        consent(engaged(), actor=FINANCE_REP, department="finance", version=1, now=NOW)
    change = proposed(proposed(engaged(), notice()), notice())
    with refusal(ErrorKind.CONFLICT):
        consent(change, actor=FINANCE_REP, department="finance", version=1, now=NOW)


def test_a_revision_keeps_an_adjustments_id_and_raises_its_terms_version_only_if_it_changed() -> (
    None
):
    first = proposed(engaged(), notice())
    (adjustment,) = first.proposals[0].adjustments
    same = proposed(first, notice(commitment_id=adjustment.commitment_id, action=adjustment.action))
    moved = proposed(
        first, notice(commitment_id=adjustment.commitment_id, due_at=NOW + timedelta(days=20))
    )
    assert same.proposals[-1].adjustments[0].terms_version == 1
    assert moved.proposals[-1].adjustments[0].commitment_id == adjustment.commitment_id
    assert moved.proposals[-1].adjustments[0].terms_version == 2
    assert moved.proposals[-1].version == 2


def test_an_adjustment_must_be_owed_to_a_department_involved_and_owned_by_someone_taking_part() -> (
    None
):
    with pytest.raises(DomainError) as outsider:
        proposed(engaged(), notice(owed_to_departments=("finance", "sales")))
    assert outsider.value.field == "adjustments.0.owed_to_departments.1"
    with pytest.raises(DomainError) as owner:
        proposed(engaged(), notice(owner=SALES_REP))
    assert owner.value.field == "adjustments.0.owner"


def test_adjustments_are_agreed_once_every_affected_department_consented_and_then_kept() -> None:
    change = consented(proposed(engaged(), notice()), FINANCE_REP)
    assert change.agreed_version() is None
    last = consent(change, actor=HR_REP, department="hr", version=1, now=NOW)
    assert [e.event_type for e in last.events] == [
        DepartmentConsentedV1.event_type,
        AdjustmentsAgreedV1.event_type,
    ]
    reached = last.events[1]
    assert isinstance(reached, AdjustmentsAgreedV1)
    assert reached.consented_by == ["finance", "hr"]
    change = last.change
    agreed = change.agreed_version()
    assert agreed is not None
    assert reached.adjustments == list(agreed.adjustments)
    (adjustment,) = agreed.adjustments
    kept = then(
        keep(change, actor=OWNER, commitment_id=adjustment.commitment_id, kept_at=NOW, now=NOW)
    )
    assert kept.kept[0].on_time
    with refusal(ErrorKind.CONFLICT):
        keep(kept, actor=OWNER, commitment_id=adjustment.commitment_id, kept_at=NOW, now=NOW)


def test_nothing_is_engaged_after_go_live() -> None:
    live = go_live(engaged(), went_live_at=GO_LIVE).change
    with refusal(ErrorKind.CONFLICT):
        join(live, PersonRef(person_id="p-fin-8", department="finance"), REP, now=GO_LIVE)


# --- the response mode at go-live ---------------------------------------------------------------


def test_every_department_engaged_and_consented_before_go_live_is_with() -> None:
    change = consented(proposed(engaged(), notice()), FINANCE_REP, HR_REP)
    assert mode(change) is ResponseMode.WITH
    assert go_live(change, went_live_at=GO_LIVE).change.go_live.consented_version == 1  # type: ignore[union-attr]


def test_an_objection_then_consent_to_the_revised_proposal_is_with() -> None:
    change = objected(proposed(engaged(), notice()), HR_REP)
    change = proposed(change, notice(), notice(kind=AdjustmentKind.TESTERS, owner=HR_REP))
    assert mode(consented(change, FINANCE_REP, HR_REP, version=2)) is ResponseMode.WITH


def test_one_department_consented_another_objected_is_to_whatever_the_kind() -> None:
    for kind in ChangeKind:
        change = objected(
            consented(proposed(engaged(recorded(kind=kind)), notice()), FINANCE_REP), HR_REP
        )
        assert mode(change) is ResponseMode.TO, kind


def test_engaged_without_a_proposal_is_to_for_a_restriction_and_for_for_a_rollout() -> None:
    assert mode(engaged(recorded(kind=ChangeKind.ACCESS))) is ResponseMode.TO
    assert mode(engaged(recorded(kind=ChangeKind.ROLLOUT))) is ResponseMode.FOR


def test_told_but_never_asked_is_to_or_for_by_kind() -> None:
    expected = {
        ChangeKind.CONTROL: ResponseMode.TO,
        ChangeKind.ACCESS: ResponseMode.TO,
        ChangeKind.POLICY: ResponseMode.TO,
        ChangeKind.RETIREMENT: ResponseMode.TO,
        ChangeKind.ROLLOUT: ResponseMode.FOR,
    }
    assert {kind: mode(recorded(kind=kind)) for kind in ChangeKind} == expected


def test_a_change_first_heard_of_after_it_went_live_is_not() -> None:
    late = recorded(recorded_at=GO_LIVE + timedelta(hours=1))
    assert mode(late) is ResponseMode.NOT


def test_a_department_added_after_engagement_began_must_itself_consent() -> None:
    facts = change_recorded()
    change = consented(proposed(engaged(new_change(facts)), notice()), FINANCE_REP, HR_REP)
    added = change_updated(
        facts, 2, NOW + timedelta(days=2), affected_departments=["finance", "hr", "sales"]
    )
    folded = fold_facts(change, [added])
    assert folded is not None
    change = folded
    assert change.agreed_version() is None
    assert standing_at(change, "sales", GO_LIVE) is DepartmentStanding.TOLD
    assert mode(change) is ResponseMode.TO
    change = consented(then(join(change, SALES_REP, REP, now=NOW + timedelta(days=3))), SALES_REP)
    assert mode(change) is ResponseMode.WITH


def test_a_department_added_at_or_after_go_live_was_not_told() -> None:
    facts = change_recorded()
    change = consented(proposed(engaged(new_change(facts)), notice()), FINANCE_REP, HR_REP)
    added = change_updated(facts, 2, GO_LIVE, affected_departments=["finance", "hr", "sales"])
    folded = fold_facts(change, [added])
    assert folded is not None
    change = folded
    assert mode(change) is ResponseMode.NOT


def test_a_moved_go_live_judges_against_the_day_it_really_went_live() -> None:
    facts = change_recorded()
    change = proposed(engaged(new_change(facts)), notice())
    change = consented(change, FINANCE_REP, at=NOW + timedelta(days=1))
    change = consented(change, HR_REP, at=NOW + timedelta(days=10))
    moved = change_updated(
        facts, 2, NOW + timedelta(days=2), planned_go_live=NOW + timedelta(days=5)
    )
    folded = fold_facts(change, [moved])
    assert folded is not None
    change = folded
    # It went live on the moved date, before hr consented: hr's later word does not count.
    assert mode(change, NOW + timedelta(days=5)) is ResponseMode.TO
    assert mode(change, NOW + timedelta(days=20)) is ResponseMode.WITH


def test_an_older_revision_changes_nothing_and_go_live_is_decided_once() -> None:
    facts = change_recorded()
    newer = change_updated(facts, 3, NOW, title="Newer")
    older = change_updated(facts, 2, NOW, title="Older")
    change = fold_facts(None, [newer, older])
    assert change is not None
    assert change.title == "Newer"
    live = go_live(change, went_live_at=GO_LIVE).change
    assert not go_live(live, went_live_at=GO_LIVE + timedelta(days=1)).changed


def test_the_mode_rule_itself() -> None:
    c, o, e, t, n = (
        DepartmentStanding.CONSENTED,
        DepartmentStanding.OBJECTED,
        DepartmentStanding.ENGAGED,
        DepartmentStanding.TOLD,
        DepartmentStanding.NOT_TOLD,
    )
    assert mode_of(ChangeKind.ROLLOUT, [c, c]) is ResponseMode.WITH
    assert mode_of(ChangeKind.ROLLOUT, [c, o]) is ResponseMode.TO
    assert mode_of(ChangeKind.ROLLOUT, [c, e]) is ResponseMode.FOR
    assert mode_of(ChangeKind.POLICY, [c, t]) is ResponseMode.TO
    assert mode_of(ChangeKind.ROLLOUT, [c, c, n]) is ResponseMode.NOT


def test_sequential_ids_are_what_proposals_take() -> None:
    change = proposed(engaged(), notice())
    assert change.proposals[0].adjustments[0].commitment_id == UUID(int=1)
