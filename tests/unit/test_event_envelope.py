from __future__ import annotations

import pytest

from bridgework.common.contracts import IncidentReportedV1
from bridgework.common.events import Event, InvalidEventError, from_kafka, to_kafka
from tests.factories import T0, incident_reported


def test_an_event_survives_the_round_trip_through_kafka_binary_mode() -> None:
    event = Event.new(incident_reported(), source="/bridgework/intake", time=T0)

    record = to_kafka(event)
    decoded = from_kafka(record.headers, record.value)

    assert decoded == event
    assert record.key == str(event.data.incident_id).encode()
    assert record.headers["ce_type"] == "bridgework.incident.reported.v1"
    assert record.headers["ce_subject"] == str(event.data.incident_id)
    assert record.headers["ce_specversion"] == "1.0"
    assert record.headers["content-type"] == "application/json"


def test_missing_cloudevents_headers_are_named() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))
    headers = {k: v for k, v in record.headers.items() if k not in ("ce_id", "ce_type")}

    with pytest.raises(InvalidEventError, match="missing CloudEvents headers: ce_id, ce_type"):
        from_kafka(headers, record.value)


def test_an_unknown_event_type_is_rejected() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))
    headers = record.headers | {"ce_type": "bridgework.incident.invented.v9"}

    with pytest.raises(InvalidEventError, match="unknown ce_type"):
        from_kafka(headers, record.value)


def test_a_body_that_breaks_the_contract_names_the_failing_field() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))
    body = record.value.replace(b'"severity":"high"', b'"severity":"catastrophic"')

    with pytest.raises(InvalidEventError, match=r"severity: Input should be"):
        from_kafka(record.headers, body)


def test_a_body_that_is_not_json_is_rejected_with_the_reason() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))

    with pytest.raises(
        InvalidEventError, match=r"does not match bridgework\.incident\.reported\.v1"
    ):
        from_kafka(record.headers, b"{not json")


def test_a_non_uuid_event_id_is_rejected() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))

    with pytest.raises(InvalidEventError, match="ce_id 'abc' is not a UUID"):
        from_kafka(record.headers | {"ce_id": "abc"}, record.value)


def test_fields_added_later_are_ignored_by_todays_consumers() -> None:
    incident = incident_reported()
    body = incident.model_dump_json()[:-1] + ',"added_in_a_later_release":true}'

    assert IncidentReportedV1.model_validate_json(body) == incident


def test_event_ids_are_unique() -> None:
    data = incident_reported()
    assert Event.new(data, source="/t", time=T0).id != Event.new(data, source="/t", time=T0).id
