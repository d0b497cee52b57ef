"""Intake's HTTP API for departments' own tools: native JSON, batches, CloudEvents (OpenAPI at /docs).

Every route authenticates the department by its API token (`Authorization: Bearer`);
a 2xx answer means the incident is stored durably and its event is in the outbox.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bridgework.common.clock import Clock
from bridgework.common.runtime import Runtime
from bridgework.intake import cloudevents, receipts, service
from bridgework.intake.cloudevents import CloudEventError, IncomingCloudEvent
from bridgework.intake.domain import IncidentSubmission
from bridgework.intake.http_input import (
    bearer_principal,
    ensure_department,
    get_clock,
    invalid,
    parse_json,
    principal_of,
    require_json,
    runtime_of,
    unauthenticated,
    unsupported_media_type,
)
from bridgework.intake.receipts import BatchReceipt, IncidentReceipt
from bridgework.intake.service import Delivery, Item, Principal
from bridgework.intake.settings import IntakeSettings

_CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token: `{error, detail}`."},
    403: {"description": "The token reports for another department."},
    413: {"description": "The body is over the documented limit."},
    415: {"description": "Not a JSON body."},
    422: {"description": "Invalid: every failing field and why."},
}


class BatchSubmission(BaseModel):
    """Incidents to back-fill, all of the token's department; applied in one transaction."""

    incidents: list[IncidentSubmission] = Field(min_length=1)


def build_router(settings: IntakeSettings) -> APIRouter:
    """The routes for native JSON, batches and CloudEvents."""
    router = APIRouter(prefix="/v1", tags=["incidents"])

    @router.post(
        "/incidents",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=IncidentReceipt,
        response_model_exclude_none=True,
        dependencies=[Depends(require_json)],
        responses={
            200: {"model": IncidentReceipt, "description": "Known: updated, duplicate or stale."},
            **_CLIENT_ERRORS,
        },
    )
    async def submit_incident(
        submission: IncidentSubmission,
        principal: Annotated[Principal, Depends(bearer_principal)],
        runtime: Annotated[Runtime, Depends(runtime_of)],
        clock: Annotated[Clock, Depends(get_clock)],
    ) -> JSONResponse:
        """Report an incident in native JSON (202 new; 200 updated, duplicate or stale)."""
        ensure_department(principal, submission.department)
        [outcome] = await service.accept(
            pool=runtime.pool, clock=clock, settings=settings, items=[Item(submission)]
        )
        return receipts.single(outcome)

    @router.post(
        "/incidents/batch",
        response_model=BatchReceipt,
        dependencies=[Depends(require_json)],
        responses=_CLIENT_ERRORS,
    )
    async def submit_batch(
        batch: BatchSubmission,
        principal: Annotated[Principal, Depends(bearer_principal)],
        runtime: Annotated[Runtime, Depends(runtime_of)],
        clock: Annotated[Clock, Depends(get_clock)],
    ) -> JSONResponse:
        """Back-fill up to `max_batch_items` incidents: all stored, or none (one transaction)."""
        _bounded(len(batch.incidents), settings, at="incidents")
        for index, submission in enumerate(batch.incidents):
            ensure_department(
                principal, submission.department, where=f"incidents.{index}.department"
            )
        outcomes = await service.accept(
            pool=runtime.pool,
            clock=clock,
            settings=settings,
            items=[Item(submission) for submission in batch.incidents],
        )
        return receipts.batch(outcomes)

    @router.post(
        "/cloudevents",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=IncidentReceipt,
        response_model_exclude_none=True,
        responses={
            200: {
                "description": "Known (updated, duplicate, stale), or a batch: BatchReceipt.",
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/IncidentReceipt"},
                                {"$ref": "#/components/schemas/BatchReceipt"},
                            ]
                        }
                    }
                },
            },
            **_CLIENT_ERRORS,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "A CloudEvent of type `bridgework.intake.incident.v1` whose data is "
                "an IncidentSubmission: structured (`application/cloudevents+json`), batched "
                "(`application/cloudevents-batch+json`) or binary (`ce-*` headers, JSON body).",
                "content": {
                    cloudevents.STRUCTURED: {"schema": {"type": "object"}},
                    cloudevents.BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/IncidentSubmission"}
                    },
                },
            }
        },
    )
    async def submit_cloudevent(
        request: Request,
        runtime: Annotated[Runtime, Depends(runtime_of)],
        clock: Annotated[Clock, Depends(get_clock)],
    ) -> JSONResponse:
        """Report incidents as CloudEvents 1.0 over HTTP (structured, batched or binary mode)."""
        content_type = request.headers.get("content-type")
        kind = cloudevents.media_type(content_type)
        body = await request.body()
        if kind == cloudevents.BATCH:
            events = _batch_of_events(parse_json(body), settings)
        elif kind == cloudevents.STRUCTURED:
            events = [_structured(parse_json(body))]
        elif "ce-specversion" in request.headers:
            events = [_binary(request, body)]
        else:
            raise unsupported_media_type(
                content_type,
                cloudevents.STRUCTURED,
                cloudevents.BATCH,
                "application/json with ce-* headers (binary mode)",
            )
        await _authorise(runtime, request.headers.get("authorization"), events)
        outcomes = await service.accept(
            pool=runtime.pool,
            clock=clock,
            settings=settings,
            items=[
                Item(event.submission, Delivery("cloudevents", event.delivery_id))
                for event in events
            ],
        )
        if kind == cloudevents.BATCH:
            return receipts.batch(outcomes, exclude_none=True)
        return receipts.single(outcomes[0])

    return router


def body_limit(settings: IntakeSettings, path: str, content_type: str | None) -> int:
    """The body limit of a request: batches may be larger than single submissions."""
    if (
        path.endswith("/incidents/batch")
        or cloudevents.media_type(content_type) == cloudevents.BATCH
    ):
        return settings.max_batch_body_bytes
    return settings.max_body_bytes


def _bounded(count: int, settings: IntakeSettings, *, at: str) -> None:
    if count > settings.max_batch_items:
        raise invalid(
            [{"loc": (at,), "msg": f"at most {settings.max_batch_items} items per batch"}]
        )


def _structured(document: Any) -> IncomingCloudEvent:
    try:
        return cloudevents.from_structured(document)
    except CloudEventError as error:
        raise invalid(error.errors) from error


def _batch_of_events(document: Any, settings: IntakeSettings) -> list[IncomingCloudEvent]:
    if not isinstance(document, list) or not document:
        raise invalid([{"loc": (), "msg": "expected a JSON array of CloudEvents"}])
    _bounded(len(document), settings, at="(batch)")
    events: list[IncomingCloudEvent] = []
    errors: list[dict[str, Any]] = []
    for index, entry in enumerate(document):
        try:
            events.append(cloudevents.from_structured(entry))
        except CloudEventError as error:
            errors.extend({**e, "loc": (index, *e["loc"])} for e in error.errors)
    if errors:
        raise invalid(errors)
    return events


def _binary(request: Request, body: bytes) -> IncomingCloudEvent:
    try:
        return cloudevents.from_binary(
            cloudevents.http_attributes(request.headers.items()),
            request.headers.get("content-type"),
            body,
            prefix="ce-",
        )
    except CloudEventError as error:
        raise invalid(error.errors) from error


async def _authorise(
    runtime: Runtime, authorization: str | None, events: list[IncomingCloudEvent]
) -> None:
    """Each event reports for the department of the bearer token, or else of its own
    `bridgeworktoken`: 401 if any has neither, 403 if any names another department."""
    if authorization:
        principal = await principal_of(runtime, authorization)
        for event in events:
            ensure_department(principal, event.submission.department, where="data.department")
        return
    tokens = [event.token for event in events]
    if any(token is None for token in tokens):
        raise unauthenticated(
            "send `Authorization: Bearer <token>` or the `bridgeworktoken` extension attribute"
        )
    principals = await service.authenticate(runtime.pool, [t for t in tokens if t])
    for event in events:
        own = principals.get(event.token or "")
        if own is None:
            raise unauthenticated("a `bridgeworktoken` is unknown or revoked")
        ensure_department(own, event.submission.department, where="data.department")
