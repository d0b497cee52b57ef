"""Incidents as CloudEvents 1.0, over HTTP (structured and binary modes) and over Kafka.

Intake accepts two event types: `bridgework.intake.incident.v1`, whose `data` is the
native submission (IncidentSubmission), and `bridgework.intake.change.v1`, whose `data` is
a planned change (ChangeSubmission); `data.source` may be left out, and then the item's
source is `cloudevents` with the event's `subject` (or its `id`) as the reference.
The event's `source` + `id` identify the delivery, as the specification
makes them unique: a producer's retry is recognised before anything else.

A producer proves its department with the department's API token: over HTTP in
`Authorization: Bearer`, or (HTTP and Kafka) in the extension attribute
`bridgeworktoken`. Intake never keeps a token: `redact_*` strip them from
anything it dead-letters. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bridgework.common.contracts.nul import NUL, NUL_REFUSED
from bridgework.intake.domain.adapters import delivery_key
from bridgework.intake.domain.changes import ChangeSubmission
from bridgework.intake.domain.credentials import REDACTED, redact_text
from bridgework.intake.domain.errors import FieldError, invalid_fields
from bridgework.intake.domain.incidents import IncidentSubmission, SourceInput

SPEC_VERSION = "1.0"
INCIDENT_TYPE = "bridgework.intake.incident.v1"
CHANGE_TYPE = "bridgework.intake.change.v1"
_SUBMISSIONS: dict[str, type[IncidentSubmission | ChangeSubmission]] = {
    INCIDENT_TYPE: IncidentSubmission,
    CHANGE_TYPE: ChangeSubmission,
}
TOKEN_ATTRIBUTE = "bridgeworktoken"  # noqa: S105 - the attribute name, not a secret
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
_REQUIRED = ("specversion", "id", "source", "type")
_ATTRIBUTE_LIMIT = 500
_TOKEN_FIELD = re.compile(rb'("' + TOKEN_ATTRIBUTE.encode() + rb'"\s*:\s*")(?:[^"\\]|\\.)*(")')


@dataclass(frozen=True)
class IncomingCloudEvent:
    """A validated incident or change CloudEvent, with the token it carried (if any)."""

    id: str
    source: str
    token: str | None
    submission: IncidentSubmission | ChangeSubmission

    @property
    def delivery_id(self) -> str:
        """The delivery this event is: its source and id, as intake keeps delivery ids."""
        key = delivery_key(f"{self.source} {self.id}")
        assert key is not None
        return key


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return (content_type or "").split(";")[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    """Whether a content type is JSON (`application/json` or `application/*+json`)."""
    kind = media_type(content_type)
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def from_structured(document: Any) -> IncomingCloudEvent:
    """An event in structured mode: attributes and `data` in one JSON object."""
    if not isinstance(document, dict):
        raise invalid_fields([{"loc": (), "msg": "expected a CloudEvent as a JSON object"}])
    errors: list[FieldError] = []
    attributes = {
        name: value
        for name, value in document.items()
        if name not in ("data", "data_base64") and isinstance(value, str)
    }
    for name, value in document.items():
        # Extensions may be integers or booleans too; the required attributes are strings.
        allowed: tuple[type, ...] = (str,) if name in _REQUIRED else (str, int, bool)
        if name not in ("data", "data_base64") and not isinstance(value, allowed):
            errors.append({"loc": (name,), "msg": "must be a string"})
    if "data_base64" in document:
        errors.append({"loc": ("data_base64",), "msg": "send the incident as JSON in `data`"})
    content_type = attributes.get("datacontenttype")
    if content_type is not None and not is_json(content_type):
        errors.append(
            {"loc": ("datacontenttype",), "msg": f"must be application/json, not {content_type!r}"}
        )
    return _event(attributes, document.get("data"), errors, naming=lambda name: name)


def from_binary(
    attributes: Mapping[str, str], content_type: str | None, body: bytes, *, prefix: str
) -> IncomingCloudEvent:
    """An event in binary mode: attributes in `ce-`/`ce_` headers, the body is `data`.

    Without a content type the body is read as JSON: `datacontenttype` is optional, and the
    official SDKs leave it out for data given as a dict.
    """
    errors: list[FieldError] = []
    data: Any = None
    if content_type and not is_json(content_type):
        errors.append(
            {"loc": ("content-type",), "msg": f"must be application/json, not {content_type!r}"}
        )
    else:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as invalid:
            errors.append({"loc": ("data",), "msg": f"not JSON: {invalid}"})
    return _event(dict(attributes), data, errors, naming=lambda name: prefix + name)


def from_kafka(headers: Mapping[str, str], value: bytes | None) -> IncomingCloudEvent:
    """An event in a raw-topic record (its headers decoded): structured or binary mode."""
    if value is None:
        raise invalid_fields([{"loc": ("value",), "msg": "empty record"}])
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if media_type(content_type) == STRUCTURED:
        try:
            document = json.loads(value)
        except (ValueError, RecursionError) as error:
            raise invalid_fields([{"loc": ("value",), "msg": f"not JSON: {error}"}]) from error
        return from_structured(document)
    attributes = kafka_attributes(headers.items())
    if "specversion" not in attributes and not content_type:
        # The Python SDK's structured mode for Kafka sends no content-type header.
        document = _json_object(value)
        if document is not None and "specversion" in document:
            return from_structured(document)
    if "specversion" not in attributes:
        raise invalid_fields(
            [
                {
                    "loc": ("headers",),
                    "msg": "not a CloudEvent: no ce_specversion header (binary mode) and no "
                    f"content-type {STRUCTURED} (structured mode)",
                }
            ]
        )
    return from_binary(attributes, content_type, value, prefix="ce_")


def _json_object(value: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def http_attributes(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The CloudEvents attributes among HTTP headers (`ce-<name>`)."""
    return _attributes(headers, "ce-")


def kafka_attributes(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The CloudEvents attributes among Kafka headers (`ce_<name>`)."""
    return _attributes(headers, "ce_")


def _attributes(headers: Iterable[tuple[str, str]], prefix: str) -> dict[str, str]:
    return {
        name.lower()[len(prefix) :]: value
        for name, value in headers
        if name.lower().startswith(prefix)
    }


def _event(
    attributes: dict[str, str],
    data: Any,
    errors: list[FieldError],
    *,
    naming: Callable[[str], str],
) -> IncomingCloudEvent:
    def complain(name: str, message: str) -> None:
        errors.append({"loc": (naming(name),), "msg": message})

    complained = {error["loc"][:1] for error in errors}
    for name in _REQUIRED:
        value = attributes.get(name)
        if not value:
            if (naming(name),) not in complained:
                complain(name, "required CloudEvents attribute is missing")
        elif len(value) > _ATTRIBUTE_LIMIT:
            complain(name, f"longer than {_ATTRIBUTE_LIMIT} characters")
    for name, value in attributes.items():
        if isinstance(value, str) and NUL in value:  # an id is kept as a delivery id in Postgres
            complain(name, NUL_REFUSED)
    if attributes.get("specversion") not in (None, "", SPEC_VERSION):
        complain("specversion", f"must be {SPEC_VERSION!r}")
    if attributes.get("type") not in (None, "", *_SUBMISSIONS):
        complain("type", f"intake accepts only {INCIDENT_TYPE!r} and {CHANGE_TYPE!r}")
    submission = _submission(data, attributes, errors)
    if errors or submission is None:
        raise invalid_fields(errors)
    return IncomingCloudEvent(
        id=attributes["id"],
        source=attributes["source"],
        token=attributes.get(TOKEN_ATTRIBUTE) or None,
        submission=submission,
    )


def _submission(
    data: Any, attributes: Mapping[str, str], errors: list[FieldError]
) -> IncidentSubmission | ChangeSubmission | None:
    model = _SUBMISSIONS.get(attributes.get("type") or "", IncidentSubmission)
    if not isinstance(data, dict):
        if not any(error["loc"][:1] == ("data",) for error in errors):
            what = "change" if model is ChangeSubmission else "incident"
            errors.append({"loc": ("data",), "msg": f"expected the {what} as a JSON object"})
        return None
    if "source" not in data:
        reference = (attributes.get("subject") or attributes.get("id") or "")[:200]
        data = {**data, "source": SourceInput(tool="cloudevents", reference=reference or "-")}
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        errors.extend(
            {"loc": ("data", *error["loc"]), "msg": error["msg"]} for error in invalid.errors()
        )
        return None


def redact_headers(headers: Iterable[tuple[str, bytes | None]]) -> list[tuple[str, bytes]]:
    """Kafka headers without the token attribute's value, or any token anywhere."""
    redacted: list[tuple[str, bytes]] = []
    for name, value in headers:
        if name.lower() == "ce_" + TOKEN_ATTRIBUTE:
            redacted.append((name, REDACTED.encode()))
        else:
            text = (value or b"").decode(errors="backslashreplace")
            redacted.append((name, redact_text(text).encode()))
    return redacted


def redact_value(value: bytes | None) -> bytes:
    """A record body without the structured-mode token attribute, or any token anywhere."""
    if not value:
        return b""
    without_field = _TOKEN_FIELD.sub(rb"\1" + REDACTED.encode() + rb"\2", value)
    return redact_text(without_field.decode(errors="surrogateescape")).encode(
        errors="surrogateescape"
    )
