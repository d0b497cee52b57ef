"""Every service documents its topics in AsyncAPI, generated from its code and checked in."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

SERVICES = ("intake", "agreements", "followup", "graphql_gateway")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checked-in documents describe an installation with the default settings."""
    for name in os.environ:
        if name.startswith("BRIDGEWORK_") or name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"):
            monkeypatch.delenv(name)


def served(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"bridgework.{service}.app").create_app()
    response = TestClient(app).get("/asyncapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def payload_models(document: dict[str, Any], address: str) -> set[str]:
    """The schema names of the payloads of every message on `address`."""
    messages = document["components"]["messages"]
    names: set[str] = set()
    for channel in document["channels"].values():
        if channel["address"] != address:
            continue
        for reference in channel["messages"].values():
            message = messages[reference["$ref"].rsplit("/", 1)[-1]]
            names |= {ref["$ref"].rsplit("/", 1)[-1] for ref in message["payload"]["oneOf"]}
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_the_checked_in_document_is_what_the_code_generates(service: str) -> None:
    checked_in = json.loads((DOCS / f"{service}.json").read_text(encoding="utf-8"))

    assert served(service) == checked_in, "run `make asyncapi` and commit docs/asyncapi/"


def test_agreements_documents_what_it_reads_and_the_events_it_writes() -> None:
    document = served("agreements")
    actions = {
        (
            operation["action"],
            document["channels"][operation["channel"]["$ref"].split("/")[-1]]["address"],
        )
        for operation in document["operations"].values()
    }

    assert ("receive", "bridgework.incidents") in actions
    assert ("receive", "bridgework.followups") in actions
    assert ("send", "bridgework.repairs") in actions
    assert ("send", "bridgework.incidents.dlq") in actions
    assert payload_models(document, "bridgework.incidents") == {
        "IncidentReportedV1",
        "IncidentUpdatedV1",
    }
    assert {"RepairOpenedV1", "AgreementReachedV1", "RepairClosedV1"} <= payload_models(
        document, "bridgework.repairs"
    )
    assert "IncidentReportedV1" in document["components"]["schemas"]


def test_messages_carry_the_cloudevents_headers_and_dead_letters_their_reason() -> None:
    document = served("graphql_gateway")
    messages = document["components"]["messages"]
    by_address = {
        channel["address"]: messages[
            next(iter(channel["messages"].values()))["$ref"].split("/")[-1]
        ]
        for channel in document["channels"].values()
    }

    assert "ce_type" in by_address["bridgework.repairs"]["headers"]["properties"]
    assert "bridgework_dlq_reason" in by_address["bridgework.repairs.dlq"]["headers"]["required"]
    assert "EmptyPayload" not in document["components"]["schemas"]


def test_intake_documents_its_raw_topic_with_the_submission_it_accepts() -> None:
    assert payload_models(served("intake"), "bridgework.intake.raw") == {
        "IncidentSubmission",
        "ChangeSubmission",
    }
