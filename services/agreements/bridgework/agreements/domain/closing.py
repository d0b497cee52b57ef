"""Linking a further incident (merging its untouched repair) and closing a repair: repaired
only when nothing stands in the way, otherwise unrepaired or returned to the formal process."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain.repair import (
    MERGED,
    CheckIn,
    CloseReason,
    Closure,
    Decision,
    Repair,
    require_facilitator,
    require_open,
)
from bridgework.agreements.domain.response_mode import settled_mode
from bridgework.common.contracts import (
    CheckInOutcome,
    IncidentLinkedV1,
    ParticipantRole,
    PersonRef,
    RepairClosedV1,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


@dataclass(frozen=True)
class Linking:
    """The repair an incident joined, and the incident's own repair if it merged into it."""

    linked: Decision
    merged: Decision | None = None

    @property
    def decisions(self) -> tuple[Decision, ...]:
        """Every decision to store, the linked repair first."""
        return (self.linked,) if self.merged is None else (self.linked, self.merged)


def link_incident(
    repair: Repair,
    *,
    actor: PersonRef,
    incident_id: UUID,
    incident_repair: Repair,
    now: datetime,
) -> Linking:
    """A further incident about the same harm joins this repair.

    Every reported incident opened a repair of its own. If that one is untouched (open, one
    incident, nobody joined, nothing proposed) it is merged: closed with reason code
    `merged`. A repair already under way keeps its incident.
    """
    require_open(repair)
    require_facilitator(repair, actor)
    if incident_id in repair.incident_ids:
        return Linking(Decision(repair))
    if not _untouched(incident_repair):
        raise DomainError(
            "incident_in_another_repair",
            f"incident {incident_id} belongs to repair {incident_repair.repair_id},"
            " which is already under way",
            kind=ErrorKind.CONFLICT,
        )
    linked = replace(repair, incident_ids=(*repair.incident_ids, incident_id))
    linked_event = IncidentLinkedV1(
        repair_id=repair.repair_id, incident_id=incident_id, linked_at=now
    )
    closure = Closure(
        outcome=RepairOutcome.UNREPAIRED,
        response_mode=ResponseMode.NOT,
        closed_at=now,
        reason_code=MERGED,
        # No text: the reason code and `merged_into` say it all, and nobody wrote it.
        merged_into=repair.repair_id,
    )
    merged = replace(incident_repair, incident_ids=(), closure=closure)
    return Linking(
        linked=Decision(linked, (linked_event,)),
        merged=Decision(merged, (_closed_event(merged, closure),)),
    )


def unmet_for_repaired(repair: Repair) -> list[str]:
    """What still stands between the repair and closing as repaired (empty: nothing)."""
    agreement = repair.agreement
    if agreement is None or not agreement.in_force:
        return ["no agreement is in force"]
    unmet = [
        f"commitment {c.commitment_id} is {c.status.value}"
        for c in agreement.commitments
        if not c.settled
    ]
    affected = {p.person.person_id for p in repair.with_role(ParticipantRole.AFFECTED)}
    latest: dict[str, CheckIn] = {}
    for check_in in sorted(repair.check_ins, key=lambda c: c.recorded_at):
        if check_in.participant.person_id in affected:
            latest[check_in.participant.person_id] = check_in
    if not latest:
        unmet.append(
            "no affected participant has confirmed at check-in that things were made right"
        )
    unmet.extend(
        f"{person_id} answered {check_in.outcome.value} at check-in"
        for person_id, check_in in sorted(latest.items())
        if check_in.outcome != CheckInOutcome.YES
    )
    return unmet


def close_repair(
    repair: Repair,
    *,
    actor: PersonRef,
    outcome: RepairOutcome,
    reason_code: CloseReason | None,
    reason: Sealed | None,
    now: datetime,
) -> Decision:
    """A facilitator closes the repair: `repaired` only when nothing in `unmet_for_repaired`
    stands; otherwise `unrepaired` or `returned_to_formal_process`, with a reason code."""
    require_open(repair)
    require_facilitator(repair, actor)
    if outcome == RepairOutcome.REPAIRED:
        if reason_code is not None:
            raise DomainError.invalid(
                "reason_code", "a repaired repair closes without a reason code"
            )
        unmet = unmet_for_repaired(repair)
        if unmet:
            raise DomainError("not_repaired_yet", "; ".join(unmet), kind=ErrorKind.CONFLICT)
    elif reason_code is None:
        raise DomainError.invalid("reason_code", f"required to close as {outcome.value}")
    elif reason_code == CloseReason.OTHER and not reason:
        raise DomainError.invalid("reason", "required with reason code `other`")
    if outcome == RepairOutcome.RETURNED_TO_FORMAL_PROCESS:
        mode = ResponseMode.TO  # the formal process is done to people, whatever came before
    else:
        mode = settled_mode(repair.agreement) or ResponseMode.NOT
    closure = Closure(
        outcome=outcome,
        response_mode=mode,
        closed_at=now,
        reason_code=reason_code.value if reason_code else None,
        reason=reason,
    )
    agreement = replace(repair.agreement, pending=None) if repair.agreement else None
    closed = replace(repair, agreement=agreement, closure=closure)
    return Decision(closed, (_closed_event(closed, closure),))


def _untouched(repair: Repair) -> bool:
    return (
        repair.closure is None
        and len(repair.incident_ids) == 1
        and not repair.participants
        and repair.agreement is None
    )


def _closed_event(repair: Repair, closure: Closure) -> RepairClosedV1:
    return RepairClosedV1(
        repair_id=repair.repair_id,
        outcome=closure.outcome,
        reason_code=closure.reason_code,
        reason=closure.reason,
        response_mode=closure.response_mode,
        closed_at=closure.closed_at,
    )
