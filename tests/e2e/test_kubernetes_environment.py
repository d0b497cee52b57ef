"""The four services come up ready on the environment the Kubernetes manifests give them.

Issue 12's "done when": each Deployment's environment is taken from the rendered example
overlay; Secrets are filled with test values, ConfigMap addresses pointed at the local
SASL_SSL broker and Postgres. Nothing is added that the manifest does not set, and no
development mode: a missing or weak setting would stop a service before it got ready.
The two set-up Jobs run first, from their manifests too (their commands and arguments).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bridgework.common.kafka_access import bindings
from bridgework.common.kafka_security import KafkaSecurity, client_options
from bridgework.common.kafka_setup import remove_acls
from bridgework.common.privacy import new_kek_text
from tests.database_admin import admin_database_url, database_url_as
from tests.e2e.system import LOG_DIR, ServiceProcess
from tests.infra import Infrastructure, create_database, drop_database, free_port
from tests.kubernetes_manifests import (
    Manifest,
    component,
    container,
    deployments,
    environment,
    of_kind,
    render,
)

pytestmark = pytest.mark.integration

SECURE = (
    "BRIDGEWORK_SECURE_KAFKA_BOOTSTRAP_SERVERS",
    "BRIDGEWORK_SECURE_KAFKA_CAFILE",
    "BRIDGEWORK_SECURE_KAFKA_USERS",
)
# Roles of this test's own: the Job's production names would take over another run's.
ROLE_PREFIX = "bwk8s_"
SCHEMAS = ("intake", "agreements", "followup", "gateway")
KAFKA_USER = {"gateway": "graphql_gateway"}  # the rest are named after their component
SET_UP_TIMEOUT = 150.0  # seconds a Job may take; its own --wait is 120


@dataclass
class SiteValues:
    """What an operator would put in the Secrets, and the local addresses."""

    database_url: str
    kafka: str
    cafile: str
    kafka_passwords: dict[str, str]
    namespace: str = field(default_factory=lambda: f"k8s{uuid4().hex[:8]}")
    db_passwords: dict[str, str] = field(
        default_factory=lambda: {s: secrets.token_urlsafe(24) for s in SCHEMAS}
    )
    followup: dict[str, str] = field(
        default_factory=lambda: {
            "BRIDGEWORK_CHECK_IN_SECRET": secrets.token_urlsafe(48),
            "BRIDGEWORK_ADMIN_TOKEN": secrets.token_urlsafe(48),
        }
    )

    pseudonym_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    privacy_kek: str = field(default_factory=new_kek_text)

    def secret(self, name: str, key: str) -> str | None:
        """The value of key `key` of Secret `name`, as deploy/kubernetes/README.md makes them."""
        owner = name.removeprefix("bridgework-db-").removeprefix("bridgework-kafka-")
        if name == "bridgework-db-admin":
            return {"DATABASE_ADMIN_URL": admin_database_url(self.database_url)}[key]
        if name.startswith("bridgework-db-"):
            password = self.db_passwords[owner]
            url = database_url_as(self.database_url, f"{ROLE_PREFIX}{owner}", password)
            return {"PASSWORD": password, "DATABASE_URL": url}[key]
        if name.startswith("bridgework-kafka-"):
            user = KAFKA_USER.get(owner, owner)
            return {"USERNAME": user, "PASSWORD": self.kafka_passwords[user]}[key]
        if name == "bridgework-followup":
            return self.followup.get(key)  # SMTP login: optional, and none here
        if name == "bridgework-privacy":
            return {"BRIDGEWORK_PRIVACY_KEK": self.privacy_kek}[key]
        if name == "bridgework-intake":
            return {"BRIDGEWORK_PSEUDONYM_KEY": self.pseudonym_key}[key]
        raise AssertionError(f"the manifests reference a Secret the README does not make: {name}")

    def local(self) -> dict[str, str]:
        """Addresses and sizes pointed at this machine (the manifest's own are the cluster's)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "BRIDGEWORK_KAFKA_SSL_CAFILE": self.cafile,
            "BRIDGEWORK_TOPIC_NAMESPACE": self.namespace,
            "BRIDGEWORK_TOPIC_PARTITIONS": "1",
        }


def public_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def overridden(env: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    """`env` with `overrides`, each of which the manifest must already set (else it lacks it)."""
    unset = sorted(set(overrides) - set(env))
    assert not unset, f"the manifest does not set {unset}"
    return {"PATH": os.environ["PATH"], **env, **overrides}


def run_job(job: Manifest, env: dict[str, str], *extra: str) -> None:
    command = container(job)["command"]
    assert command[:1] == ["python"], command
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, *command[1:], *container(job).get("args", []), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=SET_UP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{job['metadata']['name']} failed:\n{done.stderr}"


@dataclass
class ManifestProcess(ServiceProcess):
    """A service started with its Deployment's command (a console script of this venv)."""

    command: list[str] = field(default_factory=list)

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = (LOG_DIR / f"k8s-{self.name}.log").open("ab")
        executable = Path(sys.executable).parent / self.command[0]
        self.process = subprocess.Popen(  # noqa: S603 - the venv's own console script
            [str(executable), *self.command[1:]],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )


def secure_broker() -> tuple[str, str, dict[str, str]]:
    """The SASL_SSL broker infra.sh started: address, CA file, users' passwords.
    Raises (never skips) when it is not there."""
    missing = [name for name in SECURE if not os.environ.get(name)]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not set: this test needs the SASL_SSL broker. Run it with "
            '`make test`, or `eval "$(BRIDGEWORK_INFRA_INSTANCE=secure deploy/local/infra.sh up)"`.'
        )
    users = json.loads(Path(os.environ["BRIDGEWORK_SECURE_KAFKA_USERS"]).read_text())
    return (
        os.environ["BRIDGEWORK_SECURE_KAFKA_BOOTSTRAP_SERVERS"],
        os.environ["BRIDGEWORK_SECURE_KAFKA_CAFILE"],
        users,
    )


@pytest.fixture
async def values(infra: Infrastructure) -> AsyncIterator[SiteValues]:
    kafka, cafile, passwords = secure_broker()
    database_url = await create_database(infra)
    test = SiteValues(
        database_url=database_url, kafka=kafka, cafile=cafile, kafka_passwords=passwords
    )
    try:
        yield test
    finally:
        await drop_database(infra, database_url)
        await _remove_namespace(test)


async def _remove_namespace(test: SiteValues) -> None:
    """Take the namespace's ACLs and topics off the long-lived secure broker again."""
    admin = KafkaSecurity(
        protocol="SASL_SSL",
        username="admin",
        password=test.kafka_passwords["admin"],
        cafile=test.cafile,
    )
    await asyncio.to_thread(remove_acls, test.kafka, admin, bindings(test.namespace))
    client = AIOKafkaAdminClient(bootstrap_servers=test.kafka, **client_options(admin))
    await client.start()
    try:
        mine = [t for t in await client.list_topics() if t.startswith(f"{test.namespace}.")]
        if mine:
            await client.delete_topics(mine)
    finally:
        await client.close()


async def test_the_services_come_up_ready_on_the_manifests_environment(
    values: SiteValues,
) -> None:
    objects = render()
    jobs = {component(job): job for job in of_kind(objects, "Job")}
    # A single local broker: no replication 3, hence no min.insync.replicas 2 either.
    kafka_env = overridden(environment(jobs["kafka-setup"], objects, values.secret), values.local())
    run_job(jobs["kafka-setup"], kafka_env, "--replication=1", "--min-insync-replicas=1")
    roles_env = overridden(environment(jobs["database-roles"], objects, values.secret), {})
    run_job(jobs["database-roles"], roles_env, f"--role-prefix={ROLE_PREFIX}")

    ports = {name: free_port() for name in deployments(objects)}
    identity_key = public_key_pem()
    services = []
    for name, deployment in deployments(objects).items():
        env = environment(deployment, objects, values.secret)
        assert "BRIDGEWORK_DEVELOPMENT_MODE" not in env
        local = values.local() | {
            "BRIDGEWORK_HTTP_HOST": "127.0.0.1",
            "BRIDGEWORK_HTTP_PORT": str(ports[name]),
        }
        if name == "gateway":
            local["BRIDGEWORK_AGREEMENTS_URL"] = f"http://127.0.0.1:{ports['agreements']}"
        if name == "followup":
            local["BRIDGEWORK_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports['followup']}"
            local["BRIDGEWORK_SMTP_HOST"] = "127.0.0.1"
        if "BRIDGEWORK_JWT_RS256_PUBLIC_KEY" in env:
            local["BRIDGEWORK_JWT_RS256_PUBLIC_KEY"] = identity_key  # the overlay's placeholder
        services.append(
            ManifestProcess(
                name=name,
                port=ports[name],
                env=overridden(env, local),
                command=container(deployment)["command"],
            )
        )
    try:
        for service in services:
            service.start()
        await asyncio.gather(*(service.wait_ready(timeout=90.0) for service in services))
        async with httpx.AsyncClient() as client:
            for service in services:
                response = await client.get(f"{service.url}/health/ready", timeout=5)
                assert response.status_code == 200, (service.name, response.text)
    finally:
        exit_codes = {service.name: service.stop() for service in services}
    # uvicorn drains, then re-raises the SIGTERM it caught: -15 is its clean exit.
    assert all(code in (0, -signal.SIGTERM) for code in exit_codes.values()), exit_codes
