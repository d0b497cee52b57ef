"""The agreement: proposing terms, consenting or declining, and imposing an outcome."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from bridgework.agreements.domain import consent as consent_rules
from bridgework.agreements.domain import imposition, proposals
from bridgework.agreements.domain.agreement import CommitmentDraft
from bridgework.agreements.domain.readers import Reader, acting_person
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import RepairDetails, change_repair
from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool


async def propose_agreement(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    reader: Reader,
    drafts: Sequence[CommitmentDraft],
) -> RepairDetails:
    """Put terms to the participants: a new version of the agreement, consent asked again."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: proposals.propose_agreement(
            repair, actor=acting_person(reader), drafts=drafts, now=now, new_id=uuid4
        ),
    )
    return change.details


async def consent(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    reader: Reader,
    version: int,
) -> RepairDetails:
    """The actor consents to the current version; the last consent needed brings it into force."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: consent_rules.give_consent(
            repair, participant=acting_person(reader), version=version, now=now
        ),
    )
    return change.details


async def decline(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    reader: Reader,
    version: int,
    reason: str,
) -> RepairDetails:
    """The actor declines the current version, saying why."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: consent_rules.decline_consent(
            repair, participant=acting_person(reader), version=version, reason=reason, now=now
        ),
    )
    return change.details


async def impose_outcome(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    reader: Reader,
    reason: str,
    drafts: Sequence[CommitmentDraft],
) -> RepairDetails:
    """Record an outcome decided without everyone's consent, by a facilitator of the repair
    or the change team (who need not take part in it)."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: imposition.impose_outcome(
            repair,
            decided_by=acting_person(reader),
            roles=reader.roles,
            reason=reason,
            drafts=drafts,
            now=now,
            new_id=uuid4,
        ),
    )
    return change.details
