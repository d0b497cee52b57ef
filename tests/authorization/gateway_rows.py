"""The gateway's routes and reads: every GraphQL request needs a person's token (401 before
any resolver, a refused connection_init on a WebSocket); reads are filtered to what the
viewer may see (`Filtered`: null, or none of the target's rows); dashboards are the change
team's and a lead's own (FORBIDDEN). Mutations: gateway_mutations.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tests.authorization.matrix import (
    ALLOWED,
    FILTERED,
    UNAUTHENTICATED,
    Call,
    Credential,
    GraphQLRefusal,
    Outcome,
    Row,
    Target,
    cells,
    documentation_rows,
    public,
)
from tests.authorization.people import PEOPLE

COLUMNS = (Credential.ANONYMOUS, Credential.DEPARTMENT_TOKEN, *PEOPLE)
FORBIDDEN = GraphQLRefusal("FORBIDDEN")
Variables = Callable[[Target], Mapping[str, Any]]


def graphql(document: str, variables: Variables | None = None) -> Callable[[Target], Call]:
    def call(target: Target) -> Call:
        body = {"query": document, "variables": dict(variables(target)) if variables else {}}
        return Call("POST", "/graphql", json=body)

    return call


def signed_in(otherwise: Outcome, **by_name: Outcome) -> dict[Credential, Outcome]:
    """401 without a person's token; for people, `otherwise` unless named."""
    return cells(
        COLUMNS,
        otherwise,
        anonymous=UNAUTHENTICATED,
        department_token=UNAUTHENTICATED,
        **by_name,
    )


SEEING = {"change_team": ALLOWED, "lead": ALLOWED, "facilitator": ALLOWED, "participant": ALLOWED}


def read(
    field: str,
    document: str,
    shows: Callable[[Any, Target], bool],
    variables: Variables | None = None,
) -> Row:
    """A read that shows repair A (or its rows) to those who may see it, nothing to others."""
    return Row(
        f"Query.{field}",
        graphql(document, variables),
        signed_in(FILTERED, **SEEING),
        shows=shows,
    )


def listed(field: str, node: str, key: Callable[[Target], str]) -> Row:
    """A page of rows; the target's must be among them exactly for those who may see it."""
    document = f"{{ {field}(first: 100) {{ edges {{ node {{ {node} }} }} }} }}"

    def shows(data: Any, target: Target) -> bool:
        return any(edge["node"][node] == key(target) for edge in data[field]["edges"])

    return read(field, document, shows)


DASHBOARD = "dashboard(department: $department) { repairsOpened }"


def _queued(data: Any, target: Target) -> bool:
    # The queue lists a repair exactly while nobody facilitates it (A has one, C none).
    listed = any(e["id"] == str(target.repair_id) for e in data["facilitationQueue"])
    return listed == (not target.has_facilitator)


def _in_my_work(data: Any, target: Target) -> bool:
    return any(r["repair"]["id"] == str(target.repair_id) for r in data["myWork"]["repairs"])


WORKSPACE_ROWS = [
    Row(
        "Query.facilitationQueue",
        graphql("{ facilitationQueue { id } }"),
        signed_in(ALLOWED, participant=FORBIDDEN, other_participant=FORBIDDEN, no_role=FORBIDDEN),
        shows=_queued,
    ),
    Row(
        "Query.myWork",
        graphql("{ myWork { repairs { repair { id } } } }"),
        signed_in(FILTERED, facilitator=ALLOWED, participant=ALLOWED),
        shows=_in_my_work,
    ),
    read(
        "repairStory",
        "query($repair: UUID!) { repairStory(id: $repair) { repair { id } actions } }",
        lambda data, _: data["repairStory"] is not None,
        lambda t: {"repair": str(t.repair_id)},
    ),
]

ROWS: list[Row] = [
    *documentation_rows(COLUMNS),
    public("GET /dashboard", "/dashboard", "the page holds no data; it asks /graphql", COLUMNS),
    public(
        "GET /graphiql/assets/{name}",
        "/graphiql/assets/graphiql-start.js",
        "GraphiQL's files hold no data (the page itself follows `graphql_ide`)",
        COLUMNS,
    ),
    public(
        "GET /dashboard/assets/{name}",
        "/dashboard/assets/dashboard.js",
        "the page's scripts and styles hold no data",
        COLUMNS,
    ),
    public("GET /queue", "/queue", "the page holds no data; it asks /graphql", COLUMNS),
    public("GET /me", "/me", "the page holds no data; it asks /graphql", COLUMNS),
    public(
        "GET /repairs/{repair_id}",
        "/repairs/00000000-0000-4000-8000-000000000000",
        "the same page for every id, holding no data; it asks /graphql",
        COLUMNS,
    ),
    public(
        "GET /changes/{change_id}",
        "/changes/00000000-0000-4000-8000-000000000000",
        "the same page for every id, holding no data; it asks /graphql",
        COLUMNS,
    ),
    public(
        "GET /pages/assets/{name}",
        "/pages/assets/workspace.js",
        "the pages' scripts and styles hold no data",
        COLUMNS,
    ),
    Row(
        "GET /graphql",
        lambda _: Call("GET", "/graphql?query=%7Bviewer%7BpersonId%7D%7D"),
        signed_in(ALLOWED),
    ),
    Row("POST /graphql", graphql("{ viewer { personId } }"), signed_in(ALLOWED)),
    Row("WS /graphql", graphql("{ viewer { personId } }"), signed_in(ALLOWED)),
    Row("Query.viewer", graphql("{ viewer { personId } }"), signed_in(ALLOWED)),
    read(
        "repair",
        "query($repair: UUID!) { repair(id: $repair) { id } }",
        lambda data, _: data["repair"] is not None,
        lambda t: {"repair": str(t.repair_id)},
    ),
    read(
        "incident",
        "query($incident: UUID!) { incident(id: $incident) { id } }",
        lambda data, _: data["incident"] is not None,
        lambda t: {"incident": str(t.incident_id)},
    ),
    listed("repairs", "id", lambda t: str(t.repair_id)),
    listed("incidents", "id", lambda t: str(t.incident_id)),
    listed("commitments", "id", lambda t: str(t.commitment_id)),
    listed("nudges", "repairId", lambda t: str(t.repair_id)),
    listed("checkIns", "repairId", lambda t: str(t.repair_id)),
    *WORKSPACE_ROWS,
    Row("Query.departments", graphql("{ departments { slug } }"), signed_in(ALLOWED)),
    Row(
        "Query.dashboard",
        graphql(
            f"query($department: String) {{ {DASHBOARD} }}", lambda t: {"department": t.department}
        ),
        signed_in(FORBIDDEN, change_team=ALLOWED, lead=ALLOWED),
    ),
    # Planned changes: the matrix's target holds no change, so these rows prove who may ask;
    # which changes each viewer sees is tests/integration/test_gateway_changes.py's.
    Row(
        "Query.change",
        graphql(
            "query($id: UUID!) { change(id: $id) { id } }",
            lambda _: {"id": "00000000-0000-4000-8000-000000000000"},
        ),
        signed_in(ALLOWED),
    ),
    Row("Query.changes", graphql("{ changes { edges { node { id } } } }"), signed_in(ALLOWED)),
    Row(
        "Query.changeDashboard",
        graphql(
            "query($department: String) { changeDashboard(department: $department)"
            " { proactiveWindow { changes } } }",
            lambda t: {"department": t.department},
        ),
        signed_in(FORBIDDEN, change_team=ALLOWED, lead=ALLOWED),
    ),
    Row(
        "Query.relationships",
        graphql(
            "query($department: String) { relationships(department: $department) { repairs } }",
            lambda t: {"department": t.department},
        ),
        signed_in(FORBIDDEN, change_team=ALLOWED, lead=ALLOWED),
    ),
    Row(
        "Query.repairsBehind",
        graphql(
            "query($department: String) { repairsBehind(figure: REPAIRS_OPENED,"
            " department: $department) { edges { node { id } } } }",
            lambda t: {"department": t.department},
        ),
        signed_in(FORBIDDEN, change_team=ALLOWED, lead=ALLOWED),
        shows=lambda data, t: any(
            edge["node"]["id"] == str(t.repair_id) for edge in data["repairsBehind"]["edges"]
        ),
    ),
    Row(
        "Subscription.dashboard",
        graphql(
            f"subscription($department: String) {{ {DASHBOARD} }}",
            lambda t: {"department": t.department},
        ),
        signed_in(FORBIDDEN, change_team=ALLOWED, lead=ALLOWED),
    ),
]
