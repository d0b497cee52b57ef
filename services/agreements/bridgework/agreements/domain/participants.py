"""Who takes part in a repair, in which role: joining, and who must consent to terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bridgework.agreements.domain.agreement import CONSENTING_ROLES
from bridgework.agreements.domain.repair import Decision, Participant, Repair, require_open
from bridgework.common.contracts import ParticipantJoinedV1, ParticipantRole, PersonRef
from bridgework.common.errors import DomainError, ErrorKind


def join(
    repair: Repair, person: PersonRef, role: ParticipantRole, *, actor: PersonRef, now: datetime
) -> Decision:
    """The actor adds a person to the repair in one role.

    Who may add whom:
    - a repair that has a facilitator: only one of its facilitators adds participants, in any
      role (another facilitator too); anyone else is refused `not_the_facilitator`;
    - a repair with no facilitator yet: nobody adds anyone, and no facilitator joins
      themselves (`facilitator_needs_assignment`): its first facilitator is assigned by the
      change team or a lead of a department involved, or offers and is approved
      (domain/facilitation.py).
    Joining again in the same role changes nothing, for an actor who may add that person; in
    another role it is a conflict.
    """
    require_open(repair)
    _require_may_add(repair, actor=actor)
    return add_person(repair, person, role, now=now)


def add_person(
    repair: Repair, person: PersonRef, role: ParticipantRole, *, now: datetime
) -> Decision:
    """The person takes part in the role, once someone allowed to has decided so: nothing
    changes if they already do, in that role; another role is a conflict."""
    present = repair.participant(person.person_id)
    if present is not None:
        if present.person == person and present.role == role:
            return Decision(repair)
        raise DomainError(
            "already_participant",
            f"{person.person_id} already takes part as {present.role.value}"
            f" from {present.person.department}",
            kind=ErrorKind.CONFLICT,
        )
    joined = Participant(person=person, role=role, joined_at=now)
    event = ParticipantJoinedV1(
        repair_id=repair.repair_id, participant=person, role=role, joined_at=now
    )
    return Decision(replace(repair, participants=(*repair.participants, joined)), (event,))


def _require_may_add(repair: Repair, *, actor: PersonRef) -> None:
    """The rule of `join`: a facilitator of the repair adds people; nobody before there is one."""
    if repair.with_role(ParticipantRole.FACILITATOR):
        acting = repair.participant(actor.person_id)
        if acting is None or acting.person != actor:
            raise DomainError(
                "not_the_facilitator",
                f"{actor.person_id} does not take part in this repair; only one of its"
                " facilitators adds participants",
                kind=ErrorKind.FORBIDDEN,
            )
        if acting.role != ParticipantRole.FACILITATOR:
            raise DomainError(
                "not_the_facilitator",
                f"{actor.person_id} takes part as {acting.role.value}; only one of the"
                " repair's facilitators adds participants",
                kind=ErrorKind.FORBIDDEN,
            )
        return
    raise DomainError(
        "facilitator_needs_assignment",
        "this repair has no facilitator yet, and nobody appoints themselves: offer to"
        f" facilitate (POST /v1/repairs/{repair.repair_id}/facilitation-offers) and wait for"
        " approval, or be assigned by the change team or a lead of a department involved"
        f" (POST /v1/repairs/{repair.repair_id}/facilitators)",
        kind=ErrorKind.FORBIDDEN,
    )


def consent_parties(repair: Repair) -> tuple[PersonRef, ...]:
    """Who must consent: every responsible and every affected participant, at least one of each."""
    responsible = repair.with_role(ParticipantRole.RESPONSIBLE)
    affected = repair.with_role(ParticipantRole.AFFECTED)
    if not responsible or not affected:
        missing = "a responsible" if not responsible else "an affected"
        raise DomainError(
            "consent_parties_missing",
            f"{missing} participant must take part before terms are proposed",
            kind=ErrorKind.CONFLICT,
        )
    return tuple(p.person for p in repair.participants if p.role in CONSENTING_ROLES)
