"""All four services as real processes (`python -m bridgework.<service>`), for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from bridgework.common.privacy import KEK_SETTING, new_kek_text
from tests.database_admin import admin_database_url, database_url_as, set_up_command
from tests.infra import free_port

SERVICES = ("intake", "agreements", "followup", "graphql_gateway")
LOG_DIR = Path(__file__).resolve().parents[2] / ".local" / "e2e-logs"


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    module: str = ""  # the service's package under bridgework; the name unless a replica
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = (LOG_DIR / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", f"bridgework.{self.module or self.name}"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 25.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
        return self.process.returncode

    async def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}; see {LOG_DIR}"
                    )
                try:
                    response = await client.get(f"{self.url}/health/ready", timeout=2)
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready in {timeout}s; see {LOG_DIR}")
                await asyncio.sleep(0.2)


# End-to-end tests' roles (bwe2e_<schema>) are made again on each run, with new passwords;
# a dropped test database leaves them owning nothing.
SCHEMA_OF = {
    "intake": "intake",
    "agreements": "agreements",
    "followup": "followup",
    "graphql_gateway": "gateway",
}


def set_up_roles(database_url: str) -> dict[str, str]:
    """Run the database set-up on `database_url`; each service's DATABASE_URL, by service."""
    passwords = {schema: secrets.token_urlsafe(24) for schema in SCHEMA_OF.values()}
    done = set_up_command(admin_database_url(database_url), "bwe2e_", passwords)
    if done.returncode != 0:
        raise RuntimeError(f"the database set-up failed:\n{done.stderr}")
    return {
        name: database_url_as(database_url, f"bwe2e_{schema}", passwords[schema])
        for name, schema in SCHEMA_OF.items()
    }


# The tests' development secret (tests/gateway_factories.py signs people's tokens with it).
TESTS_JWT_SECRET = "bridgework-tests-only-hs256-secret-0123456789"


@dataclass
class System:
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @classmethod
    def configure(
        cls, *, kafka: str, database_url: str, namespace: str, own_roles: bool = False
    ) -> System:
        """`own_roles`: each service logs in as its own Postgres role, as in production."""
        system = cls()
        urls = set_up_roles(database_url) if own_roles else {}
        pseudonym_key = secrets.token_urlsafe(48)
        # One key-encryption key for the services that seal and read confidential texts: the
        # test session's (tests/conftest.py), or this run's own (a benchmark's).
        privacy_kek = os.environ.get(KEK_SETTING) or new_kek_text()
        for name in SERVICES:
            env = dict(os.environ)
            env.update(
                {
                    "KAFKA_BOOTSTRAP_SERVERS": kafka,
                    "DATABASE_URL": urls.get(name, database_url),
                    "BRIDGEWORK_TOPIC_NAMESPACE": namespace,
                    "BRIDGEWORK_OUTBOX_POLL_SECONDS": "0.2",
                    # Tests run on development secrets, which production refuses.
                    "BRIDGEWORK_DEVELOPMENT_MODE": "true",
                    "BRIDGEWORK_HTTP_PORT": str(free_port()),
                    # Intake keys tool users' pseudonyms with a key of this run's own, as
                    # production must (development mode would fall back to a public one).
                    "BRIDGEWORK_PSEUDONYM_KEY": pseudonym_key,
                    KEK_SETTING: privacy_kek,
                    # The gateway, agreements and follow-up verify people's tokens: the tests' secret.
                    "BRIDGEWORK_JWT_HS256_SECRET": os.environ.get(
                        "BRIDGEWORK_JWT_HS256_SECRET", TESTS_JWT_SECRET
                    ),
                }
            )
            system.services[name] = ServiceProcess(
                name=name, port=int(env["BRIDGEWORK_HTTP_PORT"]), env=env
            )
        # The gateway's mutations go to this run's agreements, not the local run's port.
        gateway = system.services["graphql_gateway"].env
        gateway["BRIDGEWORK_AGREEMENTS_URL"] = system.url("agreements")
        return system

    def add_replica(self, name: str) -> str:
        """Another process of service `name` beside the first (same group, its own port)."""
        first = self.services[name]
        replica = f"{name}-{sum(s.module == name for s in self.services.values()) + 2}"
        env = first.env | {"BRIDGEWORK_HTTP_PORT": str(free_port())}
        self.services[replica] = ServiceProcess(
            name=replica, port=int(env["BRIDGEWORK_HTTP_PORT"]), env=env, module=name
        )
        return replica

    def url(self, name: str) -> str:
        return self.services[name].url

    async def start(self) -> None:
        for service in self.services.values():
            service.start()
        await asyncio.gather(*(service.wait_ready() for service in self.services.values()))

    def intake_token(self, department: str) -> str:
        """A department API token, made with intake's admin command as an operator would."""
        command = ["tokens", "create", "--department", department, "--label", "e2e"]
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bridgework.intake.entrypoints.cli", *command],
            env=self.services["intake"].env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def stop(self) -> dict[str, int | None]:
        return {name: service.stop() for name, service in self.services.items()}
