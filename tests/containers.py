"""Kafka and Postgres under testcontainers, for testers with a Docker engine.

`BRIDGEWORK_TEST_INFRA=testcontainers` makes the test session start both (the `docker`
extra: `pip install -e '.[docker]'`) instead of reading the addresses of the local
processes deploy/local/infra.sh runs, which stay the default (docs/operations.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from tests.infra import Infrastructure, infrastructure_from_env

CHOICE = "BRIDGEWORK_TEST_INFRA"
LOCAL = "local"
TESTCONTAINERS = "testcontainers"
# Kafka 3.9, as deploy/local runs: testcontainers' KafkaContainer sets KRaft up for
# Confluent's image only (it refuses `with_kraft` below cp-kafka 7.0), so its 7.9 it is.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"
# The major version the local processes run.
POSTGRES_IMAGE = "postgres:15.13"
_DATABASE = "bridgework"


class KafkaLike(Protocol):
    def with_kraft(self) -> KafkaLike: ...
    def start(self) -> Any: ...
    def stop(self) -> None: ...
    def get_bootstrap_server(self) -> str: ...


class PostgresLike(Protocol):
    def start(self) -> Any: ...
    def stop(self) -> None: ...
    def get_connection_url(self) -> str: ...


KafkaFactory = Callable[[str], KafkaLike]
PostgresFactory = Callable[[str], PostgresLike]


def kafka_container(image: str) -> KafkaLike:
    from testcontainers.community.kafka import KafkaContainer  # the docker extra

    container: KafkaLike = KafkaContainer(image)
    return container


def postgres_container(image: str) -> PostgresLike:
    from testcontainers.community.postgres import PostgresContainer  # the docker extra

    # Its superuser, so tests may create databases and the per-service roles.
    container: PostgresLike = PostgresContainer(
        image, username=_DATABASE, password=_DATABASE, dbname=_DATABASE, driver=None
    )
    return container


@contextmanager
def session_infrastructure(
    environ: MutableMapping[str, str] | None = None,
    *,
    kafka: KafkaFactory = kafka_container,
    postgres: PostgresFactory = postgres_container,
) -> Iterator[Infrastructure]:
    """The session's broker and database: the local processes' addresses from the
    environment (the default), or containers started now and stopped on exit."""
    environ = os.environ if environ is None else environ
    choice = environ.get(CHOICE, "").strip() or LOCAL
    if choice == LOCAL:
        yield infrastructure_from_env(environ)
        return
    if choice != TESTCONTAINERS:
        raise RuntimeError(
            f"{CHOICE}={choice!r}: expected {LOCAL!r} (the local processes, the default)"
            f" or {TESTCONTAINERS!r} (needs a Docker engine and the docker extra)"
        )
    with ExitStack() as running:
        try:
            broker = _started(running, kafka(KAFKA_IMAGE).with_kraft())
            database = _started(running, postgres(POSTGRES_IMAGE))
        except ImportError as missing:
            raise RuntimeError(
                f"{CHOICE}={TESTCONTAINERS} needs the docker extra: pip install -e '.[docker]'"
            ) from missing
        infrastructure = Infrastructure(
            kafka=broker.get_bootstrap_server(), database_url=database.get_connection_url()
        )
        # Exported too: tests that start services as processes pass the environment on.
        environ["KAFKA_BOOTSTRAP_SERVERS"] = infrastructure.kafka
        environ["DATABASE_URL"] = infrastructure.database_url
        yield infrastructure


def _started(running: ExitStack, container: Any) -> Any:
    container.start()
    running.callback(container.stop)
    return container
