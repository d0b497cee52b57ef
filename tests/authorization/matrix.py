"""The matrix's vocabulary: credentials, expected outcomes, rows, and the operations a
service really has (enumerated from its app and its GraphQL schema, never listed by hand)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import graphql
import pytest
import strawberry
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, WebSocketRoute

from bridgework.common.contracts import PersonRef


class Credential(StrEnum):
    """What a request carries, and (for people) which repair it acts on."""

    ANONYMOUS = "anonymous"
    DEPARTMENT_TOKEN = "department_token"  # intake API token of the department concerned
    OTHER_DEPARTMENT_TOKEN = "other_department_token"
    SIGNED_WEBHOOK = "signed_webhook"  # signed with the department's own webhook secret
    OTHER_DEPARTMENT_SIGNATURE = "other_department_signature"
    ADMIN_TOKEN = "admin_token"  # follow-up's BRIDGEWORK_ADMIN_TOKEN
    CHECK_IN_LINK = "check_in_link"  # follow-up's signed link, and no other credential
    CHANGE_TEAM = "change_team"
    LEAD = "lead"  # department_lead of a department the repair involves
    OTHER_LEAD = "other_lead"  # department_lead of a department it does not involve
    FACILITATOR = "facilitator"  # the repair's own facilitator
    OTHER_FACILITATOR = "other_facilitator"  # the facilitator of another repair
    UNASSIGNED_FACILITATOR = "unassigned_facilitator"  # facilitator role, on a repair with none
    PARTICIPANT = "participant"  # takes part in the repair (affected)
    OTHER_PARTICIPANT = "other_participant"  # takes part in another repair only
    NO_ROLE = "no_role"  # a valid token whose roles the system does not know
    PRIVACY_OFFICER = "privacy_officer"  # erases and exports people's data (agreements only)


PEOPLE = (
    Credential.CHANGE_TEAM,
    Credential.LEAD,
    Credential.OTHER_LEAD,
    Credential.FACILITATOR,
    Credential.OTHER_FACILITATOR,
    Credential.UNASSIGNED_FACILITATOR,
    Credential.PARTICIPANT,
    Credential.OTHER_PARTICIPANT,
    Credential.NO_ROLE,
)
# People who may not see the repair they act on (a repair that has a facilitator).
CANNOT_SEE = (
    Credential.OTHER_LEAD,
    Credential.OTHER_FACILITATOR,
    Credential.OTHER_PARTICIPANT,
    Credential.NO_ROLE,
)


# --- expected outcomes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowed:
    """Through the access gate: not 401/403, not the visibility 404; a 409/422 from the
    repair's state is fine when its code is no access code. GraphQL reads: the target shows."""


@dataclass(frozen=True)
class Refused:
    """Exactly this HTTP status and error code."""

    status: int
    code: str


@dataclass(frozen=True)
class Invisible:
    """404 with this code (REST), or a typed NotFound with it (GraphQL mutations)."""

    code: str = "unknown_repair"


@dataclass(frozen=True)
class NotAllowed:
    """GraphQL mutations: the typed `NotAllowed` result with this code."""

    code: str


@dataclass(frozen=True)
class GraphQLRefusal:
    """GraphQL reads: an error whose `extensions.code` is this (FORBIDDEN, …)."""

    code: str


@dataclass(frozen=True)
class Filtered:
    """GraphQL reads: answered, but without the target (null, or no rows of it)."""


Outcome = Allowed | Refused | Invisible | NotAllowed | GraphQLRefusal | Filtered
ALLOWED = Allowed()
FILTERED = Filtered()
HIDDEN = Invisible()
UNAUTHENTICATED = Refused(401, "unauthenticated")


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a case acts on, and as whom: the seeded repair its credential aims at."""

    repair_id: UUID
    incident_id: UUID
    commitment_id: UUID
    actor: PersonRef
    department: str = "finance"  # the department concerned (dashboards, admin routes)
    has_facilitator: bool = True
    check_in_link: str = ""
    newcomer: PersonRef = field(  # someone a facilitator adds
        default_factory=lambda: PersonRef(person_id="p-new-1", department="it")
    )


@dataclass(frozen=True)
class Call:
    """One HTTP request, before its credential is added."""

    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One operation and, for every credential of its service, what must become of it.

    `fresh`: credentials whose case runs on a repair made for it (their request may change
    the seed). `xfail`: credentials whose case is a known gap, with the reason (strict).
    `shows`: for GraphQL reads, whether an answer shows the target.
    """

    operation: str
    call: Callable[[Target], Call]
    expect: Mapping[Credential, Outcome]
    fresh: frozenset[Credential] = frozenset()
    xfail: Mapping[Credential, str] = field(default_factory=dict)
    shows: Callable[[Any, Target], bool] | None = None
    public_because: str | None = None


def cells(
    columns: Iterable[Credential], otherwise: Outcome, **by_name: Outcome
) -> dict[Credential, Outcome]:
    """Every column's outcome: the named ones, and `otherwise` for the rest."""
    named = {Credential(name): outcome for name, outcome in by_name.items()}
    return {column: named.get(column, otherwise) for column in columns}


def public(operation: str, path: str, because: str, columns: Iterable[Credential]) -> Row:
    """A route anyone may call by design (documentation, probes, static pages)."""
    return Row(
        operation=operation,
        call=lambda _: Call(operation.split(" ", 1)[0], path),
        expect=cells(columns, ALLOWED),
        public_because=because,
    )


DOCUMENTATION = "documentation holds no data"
PROBES = "probes carry no credential"
METRICS = "Prometheus scrapes without a credential; counts with bounded labels, no person"


def documentation_rows(columns: Iterable[Credential]) -> list[Row]:
    """What every service serves to anyone: its API documents and pages, and health."""
    wanted = tuple(columns)
    return [
        public("GET /openapi.json", "/openapi.json", DOCUMENTATION, wanted),
        public("GET /docs", "/docs", DOCUMENTATION, wanted),
        public("GET /docs/assets/{path}", "/docs/assets/swagger-ui.css", DOCUMENTATION, wanted),
        public("GET /redoc", "/redoc", DOCUMENTATION, wanted),
        public("GET /asyncapi.json", "/asyncapi.json", DOCUMENTATION, wanted),
        public("GET /health/live", "/health/live", PROBES, wanted),
        public("GET /health/ready", "/health/ready", PROBES, wanted),
        public("GET /metrics", "/metrics", METRICS, wanted),
    ]


def cases(rows: Iterable[Row], columns: Iterable[Credential]) -> list[Any]:
    """One pytest param per (row, credential); a public row is tried anonymously only."""
    return list(_cases(rows, tuple(columns)))


def _cases(rows: Iterable[Row], columns: tuple[Credential, ...]) -> Iterator[Any]:
    for row in rows:
        for credential in (Credential.ANONYMOUS,) if row.public_because else columns:
            reason = row.xfail.get(credential)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(row, credential, id=f"{row.operation}|{credential}", marks=marks)


# --- the operations a service really has ------------------------------------------------------


def http_operations(app: FastAPI) -> set[str]:
    """`METHOD /path/{template}` of every route of the app (HEAD aside), `WS /path` for
    WebSocket routes, `GET /mount/{path}` for mounted static files."""
    operations: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.path is None:
            continue
        if isinstance(route.original_route, Mount):
            operations.add(f"GET {route.path}/{{path}}")  # static files
            continue
        if isinstance(route.original_route, WebSocketRoute) or route.methods is None:
            operations.add(f"WS {route.path}")
            continue
        operations.update(f"{m} {route.path}" for m in route.methods if m != "HEAD")
    return operations


def graphql_operations(schema: strawberry.Schema) -> set[str]:
    """`Query.field`, `Mutation.field` and `Subscription.field` of the schema, as clients
    name them."""
    built = graphql.build_schema(schema.as_str())
    roots = {
        "Query": built.query_type,
        "Mutation": built.mutation_type,
        "Subscription": built.subscription_type,
    }
    return {f"{kind}.{name}" for kind, root in roots.items() if root for name in root.fields}


def missing_rows(operations: Iterable[str], rows: Iterable[Row]) -> set[str]:
    """Operations the service has that no row specifies."""
    return set(operations) - {row.operation for row in rows}


def stale_rows(operations: Iterable[str], rows: Iterable[Row]) -> set[str]:
    """Rows for operations the service no longer has."""
    return {row.operation for row in rows} - set(operations)


def incomplete_rows(rows: Iterable[Row], columns: Iterable[Credential]) -> dict[str, set[str]]:
    """Rows that do not say what becomes of every credential of their service."""
    wanted = set(columns)
    return {
        row.operation: {c.value for c in wanted ^ set(row.expect)}
        for row in rows
        if set(row.expect) != wanted
    }
