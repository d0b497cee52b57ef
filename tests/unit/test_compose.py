"""deploy/compose/compose.yaml, checked structurally: there is no Docker engine to run it
here (docs/operations.md, "Trying it with Docker")."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.database_roles import DEFAULT_ROLE_PREFIX, SERVICES
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.settings import IntakeSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
# Compose service -> its settings class and the console script that runs it.
BRIDGEWORK: dict[str, tuple[type[ServiceSettings], str]] = {
    "intake": (IntakeSettings, "bridgework-intake"),
    "agreements": (AgreementsSettings, "bridgework-agreements"),
    "followup": (FollowupSettings, "bridgework-followup"),
    "gateway": (GatewaySettings, "bridgework-gateway"),
}
# What each service cannot work without in the compose network, beyond the common ones.
OWN_REQUIRED = {
    "intake": {"BRIDGEWORK_PSEUDONYM_KEY"},
    "agreements": {"BRIDGEWORK_JWT_HS256_SECRET"},
    "followup": {
        "BRIDGEWORK_JWT_HS256_SECRET",
        "BRIDGEWORK_PUBLIC_BASE_URL",
        "BRIDGEWORK_SMTP_HOST",
        "BRIDGEWORK_SMTP_PORT",
        "BRIDGEWORK_SMTP_SECURITY",
    },
    "gateway": {"BRIDGEWORK_JWT_HS256_SECRET", "BRIDGEWORK_AGREEMENTS_URL"},
}
COMMON_REQUIRED = {
    "BRIDGEWORK_DEVELOPMENT_MODE",
    "KAFKA_BOOTSTRAP_SERVERS",
    "DATABASE_URL",
    "BRIDGEWORK_HTTP_PORT",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in service.get("environment", {}).items()}


def test_the_file_says_loudly_that_it_is_development_mode_for_a_laptop() -> None:
    head = COMPOSE.read_text(encoding="utf-8")[:600]
    assert "DEVELOPMENT MODE" in head
    assert "LAPTOP" in head
    assert "NEVER FOR PRODUCTION" in head


def test_it_runs_kafka_postgres_the_set_up_and_the_four_services(
    compose: dict[str, Any],
) -> None:
    assert set(_services(compose)) == {"kafka", "postgres", "mail", "setup", *BRIDGEWORK}


def test_every_image_pulled_is_pinned_and_kafka_is_apaches_own_in_kraft_combined_mode(
    compose: dict[str, Any],
) -> None:
    services = _services(compose)
    for name, service in services.items():
        image = service["image"]
        tag = image.rpartition(":")[2]
        assert ":" in image, f"{name}: {image} has no tag"
        assert tag not in ("", "latest"), f"{name}: {image} is not pinned"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["postgres"]["image"].startswith("postgres:")
    kafka = _environment(services["kafka"])
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{kafka['KAFKA_NODE_ID']}@kafka:9093"


def test_the_four_services_and_the_set_up_are_built_from_the_containerfile(
    compose: dict[str, Any],
) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name in [*BRIDGEWORK, "setup"]:
        service = _services(compose)[name]
        build = service["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == ROOT, name
        assert (context / build["dockerfile"]).is_file(), name
        assert build["dockerfile"] == "deploy/container/Containerfile"
    for name, (_, script) in BRIDGEWORK.items():
        assert _services(compose)[name]["command"] == [script]
        assert script in scripts


def test_the_set_up_makes_the_postgres_roles_and_the_kafka_topics(
    compose: dict[str, Any],
) -> None:
    setup = _services(compose)["setup"]
    command = " ".join(setup["command"])
    assert "python -m bridgework.common.database_roles" in command
    assert "python -m bridgework.common.kafka_setup" in command
    environment = _environment(setup)
    admin = urlsplit(environment["BRIDGEWORK_DATABASE_ADMIN_URL"])
    postgres = _environment(_services(compose)["postgres"])
    assert admin.username == postgres["POSTGRES_USER"]
    assert admin.password == postgres["POSTGRES_PASSWORD"]
    assert admin.path == f"/{postgres['POSTGRES_DB']}"
    assert environment["BRIDGEWORK_DEVELOPMENT_MODE"] == "true"
    assert setup["restart"] == "no"


@pytest.mark.parametrize("name", sorted(BRIDGEWORK))
def test_each_service_has_its_required_environment_in_development_mode(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(compose)
    service = services[name]
    environment = _environment(service)
    assert COMMON_REQUIRED | OWN_REQUIRED[name] <= set(environment)
    assert environment["BRIDGEWORK_DEVELOPMENT_MODE"] == "true"

    settings = _settings_from(environment, BRIDGEWORK[name][0], monkeypatch)
    # Its own Postgres role (the set-up's prefix and the development password), on the
    # compose network's Postgres.
    database = urlsplit(settings.database_url)
    assert database.hostname == "postgres"
    assert database.username == f"{DEFAULT_ROLE_PREFIX}{settings.db_schema}"
    assert settings.db_schema in {service.schema for service in SERVICES}
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.development_mode
    # Published on 127.0.0.1 only, on the port it listens on.
    assert service["ports"] == [f"127.0.0.1:{settings.http_port}:{settings.http_port}"]


def _settings_from(
    environment: dict[str, str],
    settings_class: type[ServiceSettings],
    monkeypatch: pytest.MonkeyPatch,
) -> ServiceSettings:
    for variable in environment:
        monkeypatch.setenv(variable, environment[variable])
    settings = settings_class()
    assert settings.missing_settings() == []
    return settings


def test_services_that_check_peoples_tokens_share_one_secret(compose: dict[str, Any]) -> None:
    secrets = {
        _environment(_services(compose)[name])["BRIDGEWORK_JWT_HS256_SECRET"]
        for name in ("agreements", "followup", "gateway")
    }
    assert len(secrets) == 1


def test_addresses_between_services_name_services_of_the_file(compose: dict[str, Any]) -> None:
    services = _services(compose)
    agreements = urlsplit(_environment(services["gateway"])["BRIDGEWORK_AGREEMENTS_URL"])
    assert agreements.hostname == "agreements"
    assert str(agreements.port) == _environment(services["agreements"])["BRIDGEWORK_HTTP_PORT"]
    assert _environment(services["followup"])["BRIDGEWORK_SMTP_HOST"] in services


def test_every_published_port_is_on_127_0_0_1_only(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_start_order_infrastructure_then_set_up_then_services(compose: dict[str, Any]) -> None:
    services = _services(compose)
    setup = services["setup"]["depends_on"]
    assert setup == {
        "postgres": {"condition": "service_healthy"},
        "kafka": {"condition": "service_healthy"},
    }
    for name in ("postgres", "kafka"):
        assert services[name]["healthcheck"]["test"]
    for name in BRIDGEWORK:
        assert services[name]["depends_on"]["setup"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["healthcheck"]["test"]
    assert services["gateway"]["depends_on"]["agreements"] == {"condition": "service_healthy"}
    assert _start_order(services)


def _start_order(services: dict[str, dict[str, Any]]) -> list[str]:
    """The services in an order compose can start them: fails on a cycle or an unknown name."""
    order: list[str] = []
    waiting = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    for needs in waiting.values():
        assert needs <= set(services), f"depends on an unknown service: {needs}"
    while waiting:
        ready = sorted(name for name, needs in waiting.items() if needs <= set(order))
        assert ready, f"a cycle among {sorted(waiting)}"
        order += ready
        for name in ready:
            del waiting[name]
    return order
