"""Who facilitates a repair: assigned by the change team or a lead of a department involved,
or offering and approved by them; nobody appoints themselves. Pure.

Every rule here runs after the use case checked that the person may see the repair
(`readers.require_may_read`): permission (403) comes after visibility (404), and the state
of the repair (409) after permission.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bridgework.agreements.domain.participants import add_person
from bridgework.agreements.domain.readers import (
    FACILITATOR,
    Reader,
    acting_person,
    may_assign_facilitators,
    require_role,
)
from bridgework.agreements.domain.repair import (
    Decision,
    FacilitationOffer,
    Repair,
    require_open,
)
from bridgework.common.contracts import (
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    ParticipantRole,
    PersonRef,
    RepairEvent,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


def require_may_assign(repair: Repair, reader: Reader) -> None:
    """Only the change team, or a lead of a department involved, assigns facilitators and
    answers offers."""
    if not may_assign_facilitators(repair, reader):
        raise DomainError(
            "change_team_or_lead_only",
            "facilitators are assigned (and offers answered) by the change team or by a lead"
            " of a department involved in this repair",
            kind=ErrorKind.FORBIDDEN,
        )


def assign_facilitator(
    repair: Repair, person: PersonRef, *, assigner: Reader, now: datetime
) -> Decision:
    """The assigner makes `person` a facilitator of the repair (one of several, if others
    already are). Assigning someone already facilitating changes nothing; a pending offer of
    theirs is approved by it."""
    require_may_assign(repair, assigner)
    require_open(repair)
    joined = add_person(repair, person, ParticipantRole.FACILITATOR, now=now)
    offer = joined.repair.latest_offer(person.person_id)
    if offer is None or not offer.pending:
        return joined
    return _answered(
        joined,
        offer,
        FacilitationDecision.APPROVED,
        answered_by=assigner.person_id,
        reason=None,
        now=now,
    )


def offer_to_facilitate(repair: Repair, *, offerer: Reader, now: datetime) -> Decision:
    """A holder of the facilitator role offers to facilitate; the offer waits for the change
    team or a lead of a department involved. Offering again while an offer waits, or while
    already facilitating, changes nothing."""
    require_role(offerer.roles, FACILITATOR, "offering to facilitate")
    person = acting_person(offerer)
    require_open(repair)
    present = repair.participant(person.person_id)
    if present is not None:
        if present.person == person and present.role == ParticipantRole.FACILITATOR:
            return Decision(repair)
        raise DomainError(
            "already_participant",
            f"{person.person_id} already takes part as {present.role.value}"
            f" from {present.person.department}",
            kind=ErrorKind.CONFLICT,
        )
    latest = repair.latest_offer(person.person_id)
    if latest is not None and latest.pending:
        return Decision(repair)
    offer = FacilitationOffer(facilitator=person, offered_at=now)
    event = FacilitationOfferedV1(repair_id=repair.repair_id, facilitator=person, offered_at=now)
    return Decision(
        replace(repair, facilitation_offers=(*repair.facilitation_offers, offer)), (event,)
    )


def answer_offer(
    repair: Repair,
    person_id: str,
    *,
    decision: FacilitationDecision,
    reason: Sealed | None,
    answerer: Reader,
    now: datetime,
) -> Decision:
    """The change team or a lead of a department involved answers a facilitator's offer:
    approved, they join as a facilitator; declined, the offer closes. Answering an answered
    offer again the same way changes nothing; the other way is a conflict."""
    require_may_assign(repair, answerer)
    require_open(repair)
    offer = repair.latest_offer(person_id)
    if offer is None:
        raise DomainError(
            "unknown_offer",
            f"{person_id} has not offered to facilitate this repair",
            kind=ErrorKind.NOT_FOUND,
        )
    if not offer.pending:
        if offer.decision == decision:
            return Decision(repair)
        assert offer.decision is not None
        raise DomainError(
            "offer_already_answered",
            f"the offer of {person_id} was already {offer.decision.value}",
            kind=ErrorKind.CONFLICT,
        )
    start = Decision(repair)
    if decision == FacilitationDecision.APPROVED:
        start = add_person(repair, offer.facilitator, ParticipantRole.FACILITATOR, now=now)
    return _answered(start, offer, decision, answered_by=answerer.person_id, reason=reason, now=now)


def _answered(
    before: Decision,
    offer: FacilitationOffer,
    decision: FacilitationDecision,
    *,
    answered_by: str,
    reason: Sealed | None,
    now: datetime,
) -> Decision:
    """`before` with `offer` closed by this answer, and the event that says so."""
    repair = before.repair
    answered = replace(
        offer, decision=decision, answered_by=answered_by, reason=reason, answered_at=now
    )
    offers = tuple(answered if o is offer else o for o in repair.facilitation_offers)
    event: RepairEvent = FacilitationOfferAnsweredV1(
        repair_id=repair.repair_id,
        facilitator=offer.facilitator,
        offered_at=offer.offered_at,
        decision=decision,
        answered_by=answered_by,
        reason=reason,
        answered_at=now,
    )
    return Decision(replace(repair, facilitation_offers=offers), (*before.events, event))
