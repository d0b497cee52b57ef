"""Follow-up: its admin API is the change team's (or the admin token's), a department's own
settings also its lead's; a repair it follows is seen as agreements' readers see it, but
only through a person's part in it (a facilitator with no repair sees none); a check-in is
answered by its signed link alone, by design."""

from __future__ import annotations

from tests.authorization.matrix import (
    ALLOWED,
    Call,
    Credential,
    Invisible,
    Outcome,
    Refused,
    Row,
    Target,
    cells,
    documentation_rows,
)
from tests.authorization.people import PEOPLE

COLUMNS = (
    Credential.ANONYMOUS,
    Credential.DEPARTMENT_TOKEN,
    Credential.ADMIN_TOKEN,
    Credential.CHECK_IN_LINK,
    *PEOPLE,
)
NO_CREDENTIAL = Refused(401, "unauthorized")
ROLE_REQUIRED = Refused(403, "role_required")
INVALID_LINK = Refused(403, "invalid_link")
NOT_FOLLOWED = Invisible("unknown_repair")


def guarded(otherwise: Outcome, **by_name: Outcome) -> dict[Credential, Outcome]:
    """401 without a credential (a department's API token is no person's token either)."""
    return cells(
        COLUMNS,
        otherwise,
        anonymous=NO_CREDENTIAL,
        check_in_link=NO_CREDENTIAL,
        department_token=Refused(401, "unauthenticated"),
        **by_name,
    )


def admin_only(**by_name: Outcome) -> dict[Credential, Outcome]:
    return guarded(ROLE_REQUIRED, admin_token=ALLOWED, change_team=ALLOWED, **by_name)


def repair_view(**by_name: Outcome) -> dict[Credential, Outcome]:
    return guarded(
        NOT_FOLLOWED,
        admin_token=ALLOWED,
        change_team=ALLOWED,
        lead=ALLOWED,
        facilitator=ALLOWED,
        participant=ALLOWED,
    )


def at(method: str, path: str, **body: object) -> Row:
    """An admin route on finance's settings, or on a person's contact (p-fin-2)."""
    own = "{department}" in path
    concrete = path.replace("{department}", "finance").replace("{person_id}", "p-fin-2")
    return Row(
        f"{method} {path}",
        lambda _: Call(method, concrete, json=body or None),
        admin_only(lead=ALLOWED) if own else admin_only(),
    )


def link(method: str, **body: object) -> Row:
    def call(target: Target) -> Call:
        return Call(method, f"/v1/check-ins/{target.check_in_link}", json=body or None)

    return Row(
        f"{method} /v1/check-ins/{{token}}",
        call,
        cells(COLUMNS, INVALID_LINK, check_in_link=ALLOWED),
    )


ROWS: list[Row] = [
    *documentation_rows(COLUMNS),
    Row(
        "GET /v1/repairs/{repair_id}",
        lambda t: Call("GET", f"/v1/repairs/{t.repair_id}"),
        repair_view(),
    ),
    Row(
        "GET /v1/repairs/{repair_id}/nudges",
        lambda t: Call("GET", f"/v1/repairs/{t.repair_id}/nudges"),
        repair_view(),
    ),
    link("GET"),
    link("POST", outcome="partly", comment="Better, not yet right."),
    at("GET", "/v1/policies/default"),
    at("GET", "/v1/departments/{department}/policy"),
    at("PUT", "/v1/departments/{department}/policy", lead_time="P2D"),
    at("DELETE", "/v1/departments/{department}/policy"),
    at("GET", "/v1/departments/{department}/webhook"),
    at("PUT", "/v1/departments/{department}/webhook", url="https://hooks.example.org/finance"),
    at("DELETE", "/v1/departments/{department}/webhook"),
    at("GET", "/v1/contacts/{person_id}"),
    at("PUT", "/v1/contacts/{person_id}", display_name="Priya Shah", email="p-fin-2@example.org"),
    at("DELETE", "/v1/contacts/{person_id}"),
    at("GET", "/v1/admin/clock"),
    at("POST", "/v1/admin/clock/advance", by="PT1S"),
]
