"""CloudEvents 1.0 over HTTP: structured, batched or binary mode (OpenAPI at /docs).

Each event reports for the department of the bearer token, or else of its own
`bridgeworktoken` extension attribute.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from bridgework.common.errors import DomainError, FieldProblem
from bridgework.common.postgres import Pool
from bridgework.intake.domain import cloudevents
from bridgework.intake.domain.cloudevents import IncomingCloudEvent
from bridgework.intake.domain.credentials import ensure_department, unauthenticated
from bridgework.intake.entrypoints import receipts
from bridgework.intake.entrypoints.dependencies import (
    DEPARTMENT_TOKEN,
    ClockDep,
    PoolDep,
    SettingsDep,
    principal_of,
)
from bridgework.intake.entrypoints.http_incidents import CLIENT_ERRORS, ensure_bounded
from bridgework.intake.entrypoints.requests import parse_json, unsupported_media_type
from bridgework.intake.schemas import IncidentReceipt
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.cloudevents import accept_events
from bridgework.intake.use_cases.credentials import authenticate

router = APIRouter(prefix="/v1", tags=["incidents"])


@router.post(
    "/cloudevents",
    status_code=status.HTTP_202_ACCEPTED,
    # Or each event's `bridgeworktoken` attribute, which OpenAPI cannot express.
    dependencies=DEPARTMENT_TOKEN,
    response_model=IncidentReceipt,
    response_model_exclude_none=True,
    responses={
        200: {
            "description": "Known (updated, duplicate, stale; a change also went_live), or a "
            "batch: BatchReceipt. A change's receipt is a ChangeReceipt (202 when new).",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/IncidentReceipt"},
                            {"$ref": "#/components/schemas/ChangeReceipt"},
                            {"$ref": "#/components/schemas/BatchReceipt"},
                        ]
                    }
                }
            },
        },
        **CLIENT_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A CloudEvent of type `bridgework.intake.incident.v1` whose data is "
            "an IncidentSubmission, or `bridgework.intake.change.v1` whose data is a "
            "ChangeSubmission: structured (`application/cloudevents+json`), batched "
            "(`application/cloudevents-batch+json`) or binary (`ce-*` headers, JSON body).",
            "content": {
                cloudevents.STRUCTURED: {"schema": {"type": "object"}},
                cloudevents.BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/IncidentSubmission"},
                            {"$ref": "#/components/schemas/ChangeSubmission"},
                        ]
                    }
                },
            },
        }
    },
)
async def submit_cloudevent(
    request: Request, pool: PoolDep, clock: ClockDep, settings: SettingsDep
) -> JSONResponse:
    """Report incidents as CloudEvents 1.0 over HTTP (structured, batched or binary mode)."""
    content_type = request.headers.get("content-type")
    kind = cloudevents.media_type(content_type)
    body = await request.body()
    if kind == cloudevents.BATCH:
        events = _batch_of_events(parse_json(body), settings)
    elif kind == cloudevents.STRUCTURED:
        events = [cloudevents.from_structured(parse_json(body))]
    elif "ce-specversion" in request.headers:
        events = [
            cloudevents.from_binary(
                cloudevents.http_attributes(request.headers.items()),
                content_type,
                body,
                prefix="ce-",
            )
        ]
    else:
        raise unsupported_media_type(
            content_type,
            cloudevents.STRUCTURED,
            cloudevents.BATCH,
            "application/json with ce-* headers (binary mode)",
        )
    await _authorise(pool, request.headers.get("authorization"), events)
    batch = kind == cloudevents.BATCH
    outcomes = await accept_events(
        pool=pool, clock=clock, settings=settings, events=events, batch=batch
    )
    if batch:
        return receipts.batch(outcomes, exclude_none=True)
    return receipts.single(outcomes[0])


def _batch_of_events(document: Any, settings: IntakeSettings) -> list[IncomingCloudEvent]:
    if not isinstance(document, list) or not document:
        raise DomainError.invalid("(body)", "expected a JSON array of CloudEvents")
    ensure_bounded(len(document), settings, at="(batch)")
    events: list[IncomingCloudEvent] = []
    problems: list[FieldProblem] = []
    for index, entry in enumerate(document):
        try:
            events.append(cloudevents.from_structured(entry))
        except DomainError as error:
            problems.extend(
                FieldProblem(f"{index}.{p.field}" if p.field else str(index), p.reason)
                for p in error.problems()
            )
    if problems:
        raise DomainError.invalid_fields(problems)
    return events


async def _authorise(
    pool: Pool, authorization: str | None, events: list[IncomingCloudEvent]
) -> None:
    """Each event reports for the department of the bearer token, or else of its own
    `bridgeworktoken`: 401 if any has neither, 403 if any names another department."""
    if authorization:
        principal = await principal_of(pool, authorization)
        for event in events:
            ensure_department(principal, event.submission.department, where="data.department")
        return
    tokens = [event.token for event in events]
    if any(token is None for token in tokens):
        raise unauthenticated(
            "send `Authorization: Bearer <token>` or the `bridgeworktoken` extension attribute"
        )
    principals = await authenticate(pool=pool, tokens=[t for t in tokens if t])
    for event in events:
        own = principals.get(event.token or "")
        if own is None:
            raise unauthenticated("a `bridgeworktoken` is unknown or revoked")
        ensure_department(own, event.submission.department, where="data.department")
