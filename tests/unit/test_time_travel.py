"""The demo's movable clock (bridgework.common.time_travel): one piece every service uses,
served only when BRIDGEWORK_TIME_TRAVEL=true and refused in production."""

from __future__ import annotations

import base64
import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bridgework.common.clock import ManualClock
from bridgework.common.errors import DomainError
from bridgework.common.identity import development_token
from bridgework.common.settings import ServiceSettings
from bridgework.common.time_travel import AdvanceIn, TravellingClock, travelling

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SECRET = "bridgework-tests-only-hs256-secret-0123456789"
SERVICES = {
    "intake": "IntakeSettings",
    "agreements": "AgreementsSettings",
    "followup": "FollowupSettings",
    "graphql_gateway": "GatewaySettings",
}


def test_a_travelling_clock_starts_where_it_is_told_and_follows_its_base() -> None:
    base = ManualClock(START)
    clock = TravellingClock(base, start=timedelta(days=-365))

    base.advance(timedelta(hours=2))

    assert clock.now() == START - timedelta(days=365) + timedelta(hours=2)


def test_taking_up_a_stored_offset_never_moves_time_back() -> None:
    clock = TravellingClock(ManualClock(START), start=timedelta(days=-365))

    clock.take_up(timedelta(days=-300))
    clock.take_up(timedelta(days=-364))

    assert clock.offset == timedelta(days=-300)


def test_advancing_refuses_to_move_time_back_or_stand_still() -> None:
    clock = TravellingClock(ManualClock(START), start=timedelta(days=-7))

    with pytest.raises(DomainError) as refused:
        clock.advanced(timedelta(0))

    assert refused.value.field == "by"
    assert clock.advanced(timedelta(days=7)) == timedelta(0)


def test_an_advance_names_its_field_when_it_goes_back_or_too_far() -> None:
    for by in ("-P1D", "P400D"):
        with pytest.raises(ValidationError) as invalid:
            AdvanceIn.model_validate({"by": by})
        assert invalid.value.errors()[0]["loc"] == ("by",)


def test_without_time_travel_the_clock_is_left_alone() -> None:
    base = ManualClock(START)

    clock, tasks = travelling(ServiceSettings(), base)

    assert clock is base
    assert tasks == []


def test_with_time_travel_the_service_runs_a_year_back_with_a_keeper() -> None:
    settings = ServiceSettings(time_travel=True, time_travel_start="-P365D")

    clock, tasks = travelling(settings, ManualClock(START))

    assert clock.now() == START - timedelta(days=365)
    assert len(tasks) == 1


@pytest.mark.parametrize("service", SERVICES)
def test_production_refuses_time_travel_in_every_service(service: str) -> None:
    settings = _settings(service, development_mode=False)

    assert any("BRIDGEWORK_TIME_TRAVEL" in line for line in settings.missing_settings())


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_serves_the_same_clock_routes_only_with_time_travel(service: str) -> None:
    on = _paths(_app(service, time_travel=True))
    off = _paths(_app(service, time_travel=False))

    assert {"/v1/admin/clock", "/v1/admin/clock/advance"} <= on
    assert not {p for p in off if p.startswith("/v1/admin/clock")}


@pytest.mark.parametrize("service", ["agreements", "graphql_gateway"])
def test_only_the_change_team_moves_a_services_time(service: str) -> None:
    client = TestClient(_app(service, time_travel=True))
    participant = development_token(SECRET, sub="p-it-001", roles=["participant"])

    anonymous = client.post("/v1/admin/clock/advance", json={"by": "P1D"})
    refused = client.post(
        "/v1/admin/clock/advance",
        json={"by": "P1D"},
        headers={"authorization": f"Bearer {participant}"},
    )

    assert anonymous.status_code == 401
    assert refused.status_code == 403


def _settings(service: str, *, development_mode: bool = True, **values: Any) -> ServiceSettings:
    module = importlib.import_module(f"bridgework.{service}.settings")
    settings: ServiceSettings = getattr(module, SERVICES[service])(
        development_mode=development_mode,
        time_travel=True,
        jwt_hs256_secret=SECRET,
        privacy_kek=base64.b64encode(bytes(32)).decode(),
        **values,
    )
    return settings


def _app(service: str, *, time_travel: bool) -> FastAPI:
    module = importlib.import_module(f"bridgework.{service}.app")
    app: FastAPI = module.create_app(
        _settings(service).model_copy(update={"time_travel": time_travel})
    )
    return app


def _paths(app: FastAPI) -> set[str]:
    return set(app.openapi()["paths"])
