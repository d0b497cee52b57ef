"""Which Kafka and Postgres the test session uses: the local processes by default, or
containers when BRIDGEWORK_TEST_INFRA=testcontainers (fakes stand in for Docker here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests import containers
from tests.infra import Infrastructure

LOCAL_ADDRESSES = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
    "DATABASE_URL": "postgresql://bridgework:bridgework@127.0.0.1:15432/bridgework",
}


@dataclass
class Started:
    """What the fakes were asked to do, in order."""

    calls: list[str] = field(default_factory=list)


@dataclass
class FakeKafka:
    image: str
    started: Started
    kraft: bool = False

    def with_kraft(self) -> FakeKafka:
        self.kraft = True
        return self

    def start(self) -> FakeKafka:
        assert self.kraft, "KafkaContainer must be put in KRaft mode before it starts"
        self.started.calls.append(f"start kafka {self.image}")
        return self

    def stop(self) -> None:
        self.started.calls.append("stop kafka")

    def get_bootstrap_server(self) -> str:
        return "localhost:32771"


@dataclass
class FakePostgres:
    image: str
    started: Started

    def start(self) -> FakePostgres:
        self.started.calls.append(f"start postgres {self.image}")
        return self

    def stop(self) -> None:
        self.started.calls.append("stop postgres")

    def get_connection_url(self) -> str:
        return "postgresql://bridgework:bridgework@localhost:32772/bridgework"


def _kafka(started: Started) -> containers.KafkaFactory:
    return lambda image: FakeKafka(image, started)


def _postgres(started: Started) -> containers.PostgresFactory:
    return lambda image: FakePostgres(image, started)


def _enter(
    environ: dict[str, str],
    *,
    kafka: containers.KafkaFactory = containers.kafka_container,
    postgres: containers.PostgresFactory = containers.postgres_container,
) -> None:
    """Start and stop the session's infrastructure once."""
    with containers.session_infrastructure(environ, kafka=kafka, postgres=postgres):
        pass


@pytest.mark.parametrize("choice", [None, "", "local"])
def test_the_local_processes_are_the_default_and_start_no_container(choice: str | None) -> None:
    started = Started()
    environ = dict(LOCAL_ADDRESSES)
    if choice is not None:
        environ[containers.CHOICE] = choice
    with containers.session_infrastructure(
        environ, kafka=_kafka(started), postgres=_postgres(started)
    ) as infra:
        assert infra == Infrastructure(
            kafka=LOCAL_ADDRESSES["KAFKA_BOOTSTRAP_SERVERS"],
            database_url=LOCAL_ADDRESSES["DATABASE_URL"],
        )
    assert started.calls == []


def test_without_addresses_the_default_fails_naming_what_is_missing() -> None:
    started = Started()
    with pytest.raises(RuntimeError, match="KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL not set"):
        _enter({}, kafka=_kafka(started), postgres=_postgres(started))
    assert started.calls == []


def test_testcontainers_starts_kafka_in_kraft_mode_and_postgres_then_stops_both() -> None:
    started = Started()
    environ = {containers.CHOICE: "testcontainers"}
    with containers.session_infrastructure(
        environ, kafka=_kafka(started), postgres=_postgres(started)
    ) as infra:
        assert infra.kafka == "localhost:32771"
        assert infra.database_url == "postgresql://bridgework:bridgework@localhost:32772/bridgework"
        # Exported, so services the tests start as processes find them too.
        assert environ["KAFKA_BOOTSTRAP_SERVERS"] == infra.kafka
        assert environ["DATABASE_URL"] == infra.database_url
        assert started.calls == [
            f"start kafka {containers.KAFKA_IMAGE}",
            f"start postgres {containers.POSTGRES_IMAGE}",
        ]
    assert started.calls[2:] == ["stop postgres", "stop kafka"]


def test_a_container_that_fails_to_start_stops_the_ones_already_running() -> None:
    started = Started()

    def broken_postgres(image: str) -> FakePostgres:
        raise RuntimeError("no Docker engine")

    with pytest.raises(RuntimeError, match="no Docker engine"):
        _enter(
            {containers.CHOICE: "testcontainers"},
            kafka=_kafka(started),
            postgres=broken_postgres,
        )
    assert started.calls == [f"start kafka {containers.KAFKA_IMAGE}", "stop kafka"]


def test_without_the_docker_extra_testcontainers_says_how_to_install_it() -> None:
    def not_installed(image: str) -> FakeKafka:
        raise ImportError("No module named 'testcontainers'")

    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[docker\]'"):
        _enter({containers.CHOICE: "testcontainers"}, kafka=not_installed)


def test_an_unknown_choice_is_refused_naming_the_variable_and_the_choices() -> None:
    with pytest.raises(
        RuntimeError, match=r"BRIDGEWORK_TEST_INFRA='docker'.*'local'.*'testcontainers'"
    ):
        _enter({containers.CHOICE: "docker", **LOCAL_ADDRESSES})


def test_images_are_pinned() -> None:
    for image in (containers.KAFKA_IMAGE, containers.POSTGRES_IMAGE):
        tag = image.partition(":")[2]
        assert tag, image
        assert tag != "latest", image
