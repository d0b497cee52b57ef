"""The people's workspace, as pure rules over the read model's records: which proposal waits
for consent, what a repair waits for next (and on whom), and which actions a viewer is
offered on a repair's page. The agreements service stays the judge of every action; these
rules only decide what the pages show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bridgework.common.contracts.sealed import Sealed
from bridgework.graphql_gateway.read.domain.records import (
    AgreementRecord,
    CheckInRecord,
    CommitmentRecord,
    ConsentRecord,
    FacilitationOfferRecord,
    ParticipantRecord,
    PersonRecord,
    RepairRecord,
)
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer

CONSENTING_ROLES = frozenset({"responsible", "affected"})
OPEN_COMMITMENTS = frozenset({"open", "lapsed"})


@dataclass(frozen=True)
class ProposedTerms:
    """One commitment as a proposal would have it; `action` sealed as it travels."""

    commitment_id: UUID
    terms_version: int
    owner: PersonRecord
    owed_to_departments: tuple[str, ...]
    action: Sealed | None
    due_at: datetime


@dataclass(frozen=True)
class ProposalRecord:
    """A proposed version of a repair's agreement (terms, a renegotiation or a release)."""

    agreement_id: UUID
    repair_id: UUID
    version: int
    proposed_by: PersonRecord
    proposed_at: datetime
    consent_required_from: tuple[PersonRecord, ...]
    commitments: tuple[ProposedTerms, ...]


@dataclass(frozen=True)
class OfferHistoryRecord:
    """An offer to facilitate and its answer (decision None while it waits)."""

    repair_id: UUID
    person: PersonRecord
    offered_at: datetime
    decision: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class LapseRecord:
    """When a commitment's terms (of this version) last lapsed."""

    repair_id: UUID
    commitment_id: UUID
    terms_version: int
    lapsed_at: datetime


@dataclass(frozen=True)
class RepairFacts:
    """What the read model holds of one repair, as the workspace rules read it."""

    repair: RepairRecord
    participants: Sequence[ParticipantRecord]
    proposals: Sequence[ProposalRecord]
    consents: Sequence[ConsentRecord]
    agreements: Sequence[AgreementRecord]
    commitments: Sequence[CommitmentRecord]
    check_ins: Sequence[CheckInRecord]
    pending_offers: Sequence[FacilitationOfferRecord]


def _concluded(proposal: ProposalRecord, facts: RepairFacts) -> bool:
    """Whether a later fact settled the proposal: the repair closed, its version reached
    (terms), its new terms in force (a renegotiation), or the commitment it leaves out
    released since (a release)."""
    if facts.repair.closed_at is not None:
        return True
    reached = [a for a in facts.agreements if a.agreement_id == proposal.agreement_id]
    if not reached:
        return False  # terms not yet in force: consent still decides them
    if max(a.version for a in reached) >= proposal.version:
        return True
    in_force = {c.commitment_id: c for c in facts.commitments}
    changed = [
        t
        for t in proposal.commitments
        if t.commitment_id in in_force and t.terms_version > in_force[t.commitment_id].terms_version
    ]
    if changed:
        return False  # a renegotiation whose new terms are not in force yet
    proposed = {t.commitment_id for t in proposal.commitments}
    left_out = [c for c in facts.commitments if c.commitment_id not in proposed]
    # A release leaves its commitment out; it is settled once that one is released.
    return all(c.released_at is not None for c in left_out)


def pending_proposal(facts: RepairFacts) -> ProposalRecord | None:
    """The latest proposal of the repair while it still waits for consent."""
    if not facts.proposals:
        return None
    latest = max(facts.proposals, key=lambda p: (p.proposed_at, p.version))
    return None if _concluded(latest, facts) else latest


def consents_to(proposal: ProposalRecord, consents: Iterable[ConsentRecord]) -> list[ConsentRecord]:
    """The answers given to one proposed version."""
    return [c for c in consents if c.version == proposal.version]


def awaiting_consent(proposal: ProposalRecord, facts: RepairFacts) -> list[PersonRecord]:
    """Who has yet to consent: those asked when it was proposed and every responsible or
    affected participant since (agreements counts whoever takes part now)."""
    given = {
        c.person.person_id for c in consents_to(proposal, facts.consents) if c.decision == "given"
    }
    asked: dict[str, PersonRecord] = {p.person_id: p for p in proposal.consent_required_from}
    for participant in facts.participants:
        if participant.role in CONSENTING_ROLES:
            asked.setdefault(participant.person.person_id, participant.person)
    return [person for person_id, person in sorted(asked.items()) if person_id not in given]


class Waiting(StrEnum):
    """What a repair waits for next."""

    FACILITATOR = "facilitator"  # nobody facilitates it yet
    PARTICIPANTS = "participants"  # the facilitator has yet to bring the sides in
    PROPOSAL = "proposal"  # the facilitator has yet to propose terms (or new ones)
    CONSENT = "consent"  # a proposal waits for consent
    COMMITMENT = "commitment"  # a commitment is due
    RENEGOTIATION = "renegotiation"  # a commitment lapsed: renegotiate, release or keep late
    CHECK_IN = "check_in"  # every commitment settled: the affected are asked
    CLOSING = "closing"  # the affected confirmed: the facilitator may close it
    NOTHING = "nothing"  # closed


@dataclass(frozen=True)
class NextAction:
    """What a repair waits for, on whom (people), and by when (None: no date)."""

    waiting: Waiting
    on: tuple[PersonRecord, ...]
    due_at: datetime | None


def _with_role(facts: RepairFacts, *roles: str) -> tuple[PersonRecord, ...]:
    return tuple(p.person for p in facts.participants if p.role in roles)


def _declined(proposal: ProposalRecord, facts: RepairFacts) -> bool:
    return any(c.decision == "declined" for c in consents_to(proposal, facts.consents))


def next_action(facts: RepairFacts) -> NextAction:
    """The step a repair waits for: the first rule that holds, in the order of a repair's life."""
    repair = facts.repair
    facilitators = _with_role(facts, "facilitator")
    if repair.closed_at is not None:
        return NextAction(Waiting.NOTHING, (), None)
    if not facilitators:
        return NextAction(Waiting.FACILITATOR, (), repair.agreement_due_by)
    if not _with_role(facts, *CONSENTING_ROLES):
        return NextAction(Waiting.PARTICIPANTS, facilitators, repair.agreement_due_by)
    proposal = pending_proposal(facts)
    if proposal is not None:
        if _declined(proposal, facts):
            return NextAction(Waiting.PROPOSAL, facilitators, repair.agreement_due_by)
        due = None if facts.agreements else repair.agreement_due_by
        return NextAction(Waiting.CONSENT, tuple(awaiting_consent(proposal, facts)), due)
    if not facts.agreements and not facts.commitments:
        return NextAction(Waiting.PROPOSAL, facilitators, repair.agreement_due_by)
    lapsed = [c for c in facts.commitments if c.status == "lapsed"]
    if lapsed:
        first = min(lapsed, key=lambda c: (c.due_at or repair.opened_at, c.commitment_id))
        return NextAction(Waiting.RENEGOTIATION, (first.owner, *facilitators), first.due_at)
    open_ones = [c for c in facts.commitments if c.status == "open" and c.due_at is not None]
    if open_ones:
        first = min(open_ones, key=lambda c: (c.due_at, c.commitment_id))
        return NextAction(Waiting.COMMITMENT, (first.owner,), first.due_at)
    if not any(c.outcome == "yes" for c in facts.check_ins):
        return NextAction(Waiting.CHECK_IN, _with_role(facts, "affected"), None)
    return NextAction(Waiting.CLOSING, facilitators, None)


class Action(StrEnum):
    """An action a repair's page offers the viewer (each is one GraphQL mutation)."""

    ASSIGN_FACILITATOR = "assign_facilitator"
    OFFER_TO_FACILITATE = "offer_to_facilitate"
    ANSWER_FACILITATION_OFFER = "answer_facilitation_offer"
    INVITE_PARTICIPANT = "invite_participant"
    RECORD_CONVERSATION = "record_conversation"
    PROPOSE_AGREEMENT = "propose_agreement"
    ANSWER_PROPOSAL = "answer_proposal"
    KEEP_COMMITMENT = "keep_commitment"
    RENEGOTIATE_COMMITMENT = "renegotiate_commitment"
    RELEASE_COMMITMENT = "release_commitment"
    CLOSE_REPAIR = "close_repair"


def _roles_in(facts: RepairFacts, viewer: Viewer) -> set[str]:
    return {p.role for p in facts.participants if p.person.person_id == viewer.subject}


def _oversees(viewer: Viewer, repair: RepairRecord) -> bool:
    """The change team, or a lead of a department the repair involves."""
    if Role.CHANGE_TEAM in viewer.roles:
        return True
    return Role.DEPARTMENT_LEAD in viewer.roles and viewer.department in repair.departments


def available_actions(facts: RepairFacts, viewer: Viewer) -> list[Action]:
    """The actions the page offers this viewer now (mirrors agreements' rules, which decide)."""
    if facts.repair.closed_at is not None:
        return []
    roles = _roles_in(facts, viewer)
    facilitating = "facilitator" in roles
    has_facilitator = bool(_with_role(facts, "facilitator"))
    offered = any(o.person.person_id == viewer.subject for o in facts.pending_offers)
    actions: list[Action] = []
    if _oversees(viewer, facts.repair):
        actions.append(Action.ASSIGN_FACILITATOR)
        if facts.pending_offers:
            actions.append(Action.ANSWER_FACILITATION_OFFER)
    if Role.FACILITATOR in viewer.roles and not has_facilitator and not offered:
        actions.append(Action.OFFER_TO_FACILITATE)
    if facilitating:
        actions += [Action.INVITE_PARTICIPANT, Action.RECORD_CONVERSATION]
        actions.append(Action.PROPOSE_AGREEMENT)
    elif roles & CONSENTING_ROLES:
        actions.append(Action.RECORD_CONVERSATION)
    proposal = pending_proposal(facts)
    if proposal is not None and roles & CONSENTING_ROLES:
        waiting_on = {p.person_id for p in awaiting_consent(proposal, facts)}
        if viewer.subject in waiting_on:
            actions.append(Action.ANSWER_PROPOSAL)
    owns_open = any(
        c.owner.person_id == viewer.subject and c.status in OPEN_COMMITMENTS
        for c in facts.commitments
    )
    any_open = any(c.status in OPEN_COMMITMENTS for c in facts.commitments)
    if (facilitating or owns_open) and any_open:
        actions += [
            Action.KEEP_COMMITMENT,
            Action.RENEGOTIATE_COMMITMENT,
            Action.RELEASE_COMMITMENT,
        ]
    if facilitating or Role.CHANGE_TEAM in viewer.roles:
        actions.append(Action.CLOSE_REPAIR)
    return actions
