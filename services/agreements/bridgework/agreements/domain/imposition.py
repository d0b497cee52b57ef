"""Imposed outcomes: an outcome decided without everyone's consent, recorded so the response
mode tells the truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bridgework.agreements.domain.agreement import (
    Agreement,
    AgreementStatus,
    Commitment,
    CommitmentDraft,
    Imposition,
)
from bridgework.agreements.domain.consent import responsible_consented
from bridgework.agreements.domain.proposals import terms_from_drafts
from bridgework.agreements.domain.readers import CHANGE_TEAM
from bridgework.agreements.domain.repair import Decision, NewId, Repair, require_open
from bridgework.common.contracts import OutcomeImposedV1, ParticipantRole, PersonRef, ResponseMode
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


def require_may_impose(repair: Repair, actor: PersonRef, roles: frozenset[str]) -> None:
    """Only a facilitator of this repair, or the change team, imposes an outcome."""
    if CHANGE_TEAM in roles:
        return
    if any(p.person == actor for p in repair.with_role(ParticipantRole.FACILITATOR)):
        return
    raise DomainError(
        "facilitator_or_change_team_only",
        "only a facilitator of this repair, or the change team, imposes an outcome",
        kind=ErrorKind.FORBIDDEN,
    )


def impose_outcome(
    repair: Repair,
    *,
    decided_by: PersonRef,
    roles: frozenset[str],
    reason: Sealed,
    drafts: Sequence[CommitmentDraft[Sealed]],
    now: datetime,
    new_id: NewId,
) -> Decision:
    """Record an outcome decided without everyone's consent, so the response mode tells the truth.

    With `drafts`, the outcome is those new terms (nobody consented to them: `to`). Without,
    it is the pending proposal: `for` when every responsible participant consented to it
    (only the affected's voice is missing), `to` otherwise; with no proposal either, an
    outcome without commitments (`to`). Only a facilitator of the repair or the change team
    (`roles`: the token's) decides one.
    """
    require_may_impose(repair, decided_by, roles)
    require_open(repair)
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        raise DomainError(
            "agreement_in_force", "an agreement is already in force", kind=ErrorKind.CONFLICT
        )
    latest = agreement.latest_version if agreement else 0
    pending = agreement.pending if agreement else None
    if drafts:
        terms = terms_from_drafts(
            repair, drafts, previous=None, now=now, new_id=new_id, owners_must_take_part=False
        )
        version, mode = latest + 1, ResponseMode.TO
    elif pending is not None:
        terms, version = pending.commitments, pending.version
        mode = ResponseMode.FOR if responsible_consented(repair, pending) else ResponseMode.TO
    else:
        terms, version, mode = (), latest + 1, ResponseMode.TO
    imposition = Imposition(
        decided_by=decided_by, response_mode=mode, reason=reason, imposed_at=now
    )
    imposed = Agreement(
        agreement_id=agreement.agreement_id if agreement else new_id(),
        status=AgreementStatus.IMPOSED,
        latest_version=version,
        in_force_version=version,
        commitments=tuple(Commitment(terms=t) for t in terms),
        in_force_since=now,
        imposition=imposition,
    )
    event = OutcomeImposedV1(
        repair_id=repair.repair_id,
        decided_by=decided_by,
        response_mode=mode,
        reason=reason,
        commitments=list(terms),
        imposed_at=now,
    )
    return Decision(replace(repair, agreement=imposed), (event,))
