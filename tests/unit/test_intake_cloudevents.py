"""Incidents as CloudEvents: structured and binary modes, HTTP and Kafka naming, redaction."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bridgework.common.errors import DomainError
from bridgework.intake.domain.cloudevents import (
    INCIDENT_TYPE,
    from_binary,
    from_structured,
    http_attributes,
    kafka_attributes,
    redact_headers,
    redact_value,
)
from bridgework.intake.use_cases.credentials import new_token
from tests.intake_factories import binary_kafka_headers, incident_data, structured_cloudevent


def fields(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return sorted(problem.field for problem in error.value.problems())


def test_a_structured_event_carries_the_submission_the_token_and_its_delivery_id() -> None:
    token = new_token()
    event = structured_cloudevent(incident_data(), token=token, id="evt-1", source="/it/nagios")

    incoming = from_structured(event)

    assert incoming.token == token
    assert incoming.submission.department == "it"
    assert incoming.delivery_id == "/it/nagios evt-1"


def test_without_data_source_the_subject_becomes_the_reference() -> None:
    data = incident_data()
    del data["source"]

    incoming = from_structured(structured_cloudevent(data, subject="printer-7"))

    assert incoming.submission.source.tool == "cloudevents"
    assert incoming.submission.source.reference == "printer-7"


def test_a_structured_event_names_every_missing_attribute_and_invalid_data_field() -> None:
    event = structured_cloudevent(incident_data(severity="apocalyptic"))
    del event["id"]
    event["type"] = "com.example.other.v1"
    event["specversion"] = "0.3"

    with pytest.raises(DomainError) as error:
        from_structured(event)

    assert fields(error) == ["data.severity", "id", "specversion", "type"]


def test_attributes_of_the_wrong_type_and_base64_data_are_refused() -> None:
    event = structured_cloudevent(incident_data(), id=42)
    event["data_base64"] = "e30="
    event["datacontenttype"] = "text/xml"

    with pytest.raises(DomainError) as error:
        from_structured(event)

    assert fields(error) == ["data_base64", "datacontenttype", "id"]


def test_data_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        from_structured(structured_cloudevent(["not", "an", "incident"]))
    assert fields(error) == ["data"]
    with pytest.raises(DomainError):
        from_structured("just a string")


def test_a_binary_kafka_event_reads_ce_headers_and_the_json_body() -> None:
    token = new_token()
    headers = binary_kafka_headers(event_id="evt-9", token=token, subject="printer-7")
    attributes = kafka_attributes((k, v.decode()) for k, v in headers)

    incoming = from_binary(
        attributes, "application/json", json.dumps(incident_data()).encode(), prefix="ce_"
    )

    assert attributes["type"] == INCIDENT_TYPE
    assert incoming.token == token
    assert incoming.id == "evt-9"


def test_a_binary_event_names_headers_as_sent_and_refuses_non_json() -> None:
    attributes = http_attributes([("Ce-Specversion", "1.0"), ("ce-type", INCIDENT_TYPE)])

    with pytest.raises(DomainError) as error:
        from_binary(attributes, "text/plain", b"hello", prefix="ce-")

    assert fields(error) == ["ce-id", "ce-source", "content-type", "data"]


def test_a_binary_body_that_is_not_json_is_explained() -> None:
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": "1",
        "source": "/x",
        "type": INCIDENT_TYPE,
    }

    with pytest.raises(DomainError, match="not JSON"):
        from_binary(attributes, "application/json", b"{oops", prefix="ce_")


def test_redaction_removes_the_token_header_and_tokens_in_a_structured_body() -> None:
    token = new_token()
    headers = binary_kafka_headers(token=token)
    body = json.dumps(structured_cloudevent(incident_data(), token="not-even-a-real-token"))
    loose = f'{{"note": "{token}"}}'.encode()

    redacted_headers = dict(redact_headers(headers))

    assert redacted_headers["ce_bridgeworktoken"] == b"[redacted]"
    assert redacted_headers["ce_type"] == INCIDENT_TYPE.encode()
    assert b"not-even-a-real-token" not in redact_value(body.encode())
    assert json.loads(redact_value(body.encode()))["bridgeworktoken"] == "[redacted]"
    assert token.encode() not in redact_value(loose)
    assert redact_value(b"\xff\xfe binary") == b"\xff\xfe binary"
