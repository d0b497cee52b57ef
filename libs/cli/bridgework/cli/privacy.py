"""`bridgework privacy erase|export --person ID`: a data subject's erasure (GDPR Art. 17) and
access (Art. 15), for the operator (docs/privacy.md).

`erase` runs agreements' erase use case: the person's data keys are destroyed, their id
becomes a tombstone in agreements, and PersonErased tells follow-up and the gateway to do the
same. `export` runs each service's own export use case with that service's DSN
(BRIDGEWORK_<SERVICE>_DATABASE_URL or DATABASE_URL) and writes one JSON document. Both need
BRIDGEWORK_PRIVACY_KEK (the key-encryption key) as the services do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import pydantic_core
import typer

from bridgework.agreements.domain.privacy import Erasure, require_person_id
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases import privacy as agreements_privacy
from bridgework.cli.environment import (
    MIGRATION_PACKAGES,
    SERVICES,
    Service,
    fail,
    run,
    settings_of,
)
from bridgework.common.clock import SystemClock
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.key_store_start import key_store_from
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.privacy import KeyStore, PrivacyConfigError
from bridgework.followup.use_cases import contacts
from bridgework.followup.use_cases import privacy as followup_privacy
from bridgework.graphql_gateway.read.use_cases import privacy as gateway_privacy
from bridgework.intake.use_cases import privacy as intake_privacy

T = TypeVar("T")

app = typer.Typer(
    help="A person's data: erase it, or export everything held (GDPR Art. 17 and 15).",
    no_args_is_help=True,
)
PersonOption = Annotated[
    str, typer.Option("--person", help="The person's pseudonymous id, as events carry it.")
]


@asynccontextmanager
async def _pool(service: Service) -> AsyncIterator[Pool]:
    """The service's pool on its own schema, its migrations applied (as its start would)."""
    settings = settings_of(service)
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    try:
        await migrate(pool, schema=settings.db_schema, package=MIGRATION_PACKAGES[service])
        yield pool
    finally:
        await pool.close()


async def _key_store(pool: Pool, service: Service) -> KeyStore:
    """The key store over the configured KEK, proven against the stored keys."""
    try:
        store = key_store_from(settings_of(service))
        async with pool.acquire() as connection:
            await store.prepare(connection)
    except PrivacyConfigError as error:
        fail(str(error))
    return store


async def _held(work: Awaitable[T]) -> T | None:
    """A service's answer, None where it holds nothing about the person."""
    try:
        return await work
    except DomainError as error:
        if error.kind is ErrorKind.NOT_FOUND and error.code in ("nothing_held", "unknown_contact"):
            return None
        raise


@app.command("erase")
def erase(person: PersonOption) -> None:
    """Destroy the person's keys and tombstone their id everywhere (follow-up and the
    gateway follow through PersonErased). Harmless to repeat."""

    async def work() -> Erasure | None:
        async with _pool("agreements") as pool:
            keys = await _key_store(pool, "agreements")
            settings = cast(AgreementsSettings, settings_of("agreements"))
            erasing = agreements_privacy.erase_person(
                pool=pool,
                clock=SystemClock(),
                settings=settings,
                keys=keys,
                person_id=person,
                reader=None,
            )
            return await _held(erasing)

    erasure = run(work())
    if erasure is None and run(_erase_contact_only(person)):
        typer.echo(f"no repair names {person}; follow-up's contact details deleted")
    elif erasure is None:
        typer.echo(f"nothing held about {person}: nothing to erase")
    elif erasure.status == "already_erased":
        typer.echo(f"{person} was already erased ({erasure.erased_at:%Y-%m-%d}); nothing changed")
    else:
        typer.echo(
            f"erased {person}: {erasure.keys_destroyed} data key(s) destroyed, "
            f"{erasure.repairs_rewritten} repair(s) now name {erasure.tombstone}; "
            "follow-up and the gateway follow through PersonErased"
        )


@app.command("export")
def export(
    person: PersonOption,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here (default: standard output).")
    ] = None,
) -> None:
    """Everything every service holds about the person, as JSON, confidential texts opened."""
    document = run(_export(person))
    if all(document[service] is None for service in SERVICES):
        typer.echo(f"nothing held about {person}")
        return
    text = pydantic_core.to_json(document, indent=2).decode("utf-8")
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        fail(f"--out {out}: {error.strerror or error}")
    typer.echo(f"wrote what is held about {person} to {out}")


async def _erase_contact_only(person: str) -> bool:
    """Someone no repair names may still be a contact (a lead told of repairs, say): their
    details go; there is nothing to tombstone and nobody else to tell."""
    async with _pool("followup") as pool:
        if await _held(contacts.contact_of(pool=pool, person_id=person)) is None:
            return False
        await contacts.erase_contact(pool=pool, person_id=person)
    return True


async def _export(person: str) -> dict[str, Any]:
    require_person_id(person)  # a clear refusal before any service is asked
    document: dict[str, Any] = {"person_id": person}
    async with _pool("intake") as pool:
        document["intake"] = await _held(intake_privacy.export_person(pool=pool, person_id=person))
    exporters: dict[Service, Callable[[Pool, KeyStore], Awaitable[Any]]] = {
        "agreements": lambda pool, keys: agreements_privacy.export_person(
            pool=pool, keys=keys, person_id=person, reader=None
        ),
        "followup": lambda pool, keys: followup_privacy.export_person(
            pool=pool, keys=keys, person_id=person
        ),
        "gateway": lambda pool, keys: gateway_privacy.export_person(
            pool=pool, keys=keys, person_id=person
        ),
    }
    for service, exporter in exporters.items():
        async with _pool(service) as pool:
            keys = await _key_store(pool, service)
            document[service] = await _held(exporter(pool, keys))
    return document
