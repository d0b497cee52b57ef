"""The response mode (with / to / for / not), derived from what happened in a repair."""

from __future__ import annotations

from datetime import datetime

from bridgework.agreements.domain.agreement import Agreement, AgreementStatus
from bridgework.agreements.domain.repair import Repair
from bridgework.common.contracts import ResponseMode


def response_mode(repair: Repair, *, now: datetime) -> ResponseMode | None:
    """How the organisation responded, derived from what happened (None: not decided yet)."""
    if repair.closure is not None:
        return repair.closure.response_mode
    return settled_or_overdue_mode(
        settled_mode(repair.agreement), agreement_due_by=repair.agreement_due_by, now=now
    )


def settled_or_overdue_mode(
    settled: ResponseMode | None, *, agreement_due_by: datetime, now: datetime
) -> ResponseMode | None:
    """The mode an agreement or outcome set; else `not` once the window for an agreement passed."""
    if settled is not None:
        return settled
    return ResponseMode.NOT if now >= agreement_due_by else None


def recorded_mode(repair: Repair) -> ResponseMode | None:
    """The mode that facts recorded so far fix, without the clock (what storage keeps)."""
    if repair.closure is not None:
        return repair.closure.response_mode
    return settled_mode(repair.agreement)


def settled_mode(agreement: Agreement | None) -> ResponseMode | None:
    """`with` for an agreement reached by consent, the imposed mode for an imposed one."""
    if agreement is None:
        return None
    if agreement.status == AgreementStatus.REACHED:
        return ResponseMode.WITH
    if agreement.imposition is not None:
        return agreement.imposition.response_mode
    return None
