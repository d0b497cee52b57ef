"""The confidential conversation: participants' answers, kept apart from the repair."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.agreements.domain.conversation import ConversationRecord
from bridgework.common.contracts import Answer, ConversationRecordedV1, ParticipantRole, PersonRef
from bridgework.common.postgres import Connection


async def insert_conversation(
    connection: Connection, records: Sequence[ConversationRecordedV1], *, recorded_by: str
) -> None:
    """Keep participants' answers (confidential: read only through `conversation_of`)."""
    await connection.executemany(
        "INSERT INTO conversation_records"
        " (repair_id, person_id, department, role, answers, recorded_by, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (
                r.repair_id,
                r.participant.person_id,
                r.participant.department,
                r.role.value,
                [a.model_dump(mode="json") for a in r.answers],
                recorded_by,
                r.recorded_at,
            )
            for r in records
        ],
    )


async def conversation_of(connection: Connection, repair_id: UUID) -> list[ConversationRecord]:
    """Every record of a repair's conversation, oldest first."""
    rows = await connection.fetch(
        "SELECT person_id, department, role, answers, recorded_by, recorded_at"
        " FROM conversation_records WHERE repair_id = $1 ORDER BY record_id",
        repair_id,
    )
    return [
        ConversationRecord(
            participant=PersonRef(person_id=row["person_id"], department=row["department"]),
            role=ParticipantRole(row["role"]),
            answers=tuple(Answer.model_validate(a) for a in row["answers"]),
            recorded_by=row["recorded_by"],
            recorded_at=row["recorded_at"],
        )
        for row in rows
    ]
