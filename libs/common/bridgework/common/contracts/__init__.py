"""Versioned event contracts: the JSON body of every Bridgework event.

A change that would break an old consumer is a new class with a new version
(`...v2`), never an edit of an existing one. `event-schemas/` holds the
generated JSON Schemas, and unit tests fail when they drift or break
compatibility. One module per stream: incidents, repairs, followups.
"""

from __future__ import annotations

from bridgework.common.contracts.base import (
    Contract,
    DepartmentSlug,
    FreeText,
    PersonRef,
    PseudonymousId,
    Reason,
    RelationshipPair,
    ResponseMode,
    Stream,
)
from bridgework.common.contracts.followups import (
    Channel,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentLapsedV1,
    FollowupEvent,
    NudgeKind,
    NudgeSentV1,
)
from bridgework.common.contracts.incidents import (
    IncidentCategory,
    IncidentFacts,
    IncidentReportedV1,
    IncidentUpdatedV1,
    ReportedAnswers,
    Severity,
    SourceRef,
)
from bridgework.common.contracts.repairs import (
    AgreementProposedV1,
    AgreementReachedV1,
    Answer,
    CommitmentKeptV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    ConsentDeclinedV1,
    ConsentGivenV1,
    ConversationRecordedV1,
    IncidentLinkedV1,
    OutcomeImposedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    Question,
    RepairClosedV1,
    RepairEvent,
    RepairOpenedV1,
    RepairOutcome,
)

CONTRACTS: tuple[type[Contract], ...] = (
    IncidentReportedV1,
    IncidentUpdatedV1,
    RepairOpenedV1,
    IncidentLinkedV1,
    ParticipantJoinedV1,
    ConversationRecordedV1,
    AgreementProposedV1,
    ConsentGivenV1,
    ConsentDeclinedV1,
    AgreementReachedV1,
    OutcomeImposedV1,
    CommitmentKeptV1,
    CommitmentRenegotiatedV1,
    CommitmentReleasedV1,
    RepairClosedV1,
    CommitmentLapsedV1,
    NudgeSentV1,
    CheckInRecordedV1,
)
CONTRACTS_BY_TYPE: dict[str, type[Contract]] = {c.event_type: c for c in CONTRACTS}

__all__ = [
    "CONTRACTS",
    "CONTRACTS_BY_TYPE",
    "AgreementProposedV1",
    "AgreementReachedV1",
    "Answer",
    "Channel",
    "CheckInOutcome",
    "CheckInRecordedV1",
    "CommitmentKeptV1",
    "CommitmentLapsedV1",
    "CommitmentReleasedV1",
    "CommitmentRenegotiatedV1",
    "CommitmentTerms",
    "ConsentDeclinedV1",
    "ConsentGivenV1",
    "Contract",
    "ConversationRecordedV1",
    "DepartmentSlug",
    "FollowupEvent",
    "FreeText",
    "IncidentCategory",
    "IncidentFacts",
    "IncidentLinkedV1",
    "IncidentReportedV1",
    "IncidentUpdatedV1",
    "NudgeKind",
    "NudgeSentV1",
    "OutcomeImposedV1",
    "ParticipantJoinedV1",
    "ParticipantRole",
    "PersonRef",
    "PseudonymousId",
    "Question",
    "Reason",
    "RelationshipPair",
    "RepairClosedV1",
    "RepairEvent",
    "RepairOpenedV1",
    "RepairOutcome",
    "ReportedAnswers",
    "ResponseMode",
    "Severity",
    "SourceRef",
    "Stream",
]
