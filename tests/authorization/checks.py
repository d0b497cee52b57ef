"""Whether an answer is the outcome a row expects: one reading for REST routes, one for
GraphQL operations."""

from __future__ import annotations

from typing import Any

import httpx

from tests.authorization.matrix import (
    Allowed,
    Filtered,
    GraphQLRefusal,
    Invisible,
    NotAllowed,
    Outcome,
    Refused,
    Row,
    Target,
)

# Codes that mean "the access gate said no"; an allowed request never answers with one.
ACCESS_CODES = frozenset(
    {
        "unauthenticated",
        "unauthorized",
        "forbidden",
        "role_required",
        "change_team_only",
        "department_required",
        "not_a_participant",
        "not_the_facilitator",
        "facilitator_only",
        "facilitator_first",
        "facilitator_needs_assignment",
        "change_team_or_lead_only",
        "facilitator_or_change_team_only",
        "consent_not_asked",
        "not_your_answers",
        "invalid_link",
        "unknown_repair",
        "unknown_change",
        "not_a_representative",
        "not_engaged",
        "not_yours_to_add",
    }
)
# What follow-up's check-in page says for a refusal it answers with HTML.
PAGE_SAYS = {"invalid_link": "not a valid check-in link"}


def error_code(response: httpx.Response) -> str | None:
    """The `error` of a problem body; None for other bodies."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    body = response.json()
    return body.get("error") if isinstance(body, dict) else None


def assert_rest(response: httpx.Response, expected: Outcome) -> None:
    """The answer of a REST route is what the row expects."""
    code, seen = error_code(response), f"{response.status_code} {response.text[:300]}"
    match expected:
        case Allowed():
            assert response.status_code not in (401, 403), seen
            assert response.status_code < 500, seen
            if response.status_code >= 400:
                # A 404 must be the state's (an unknown offer), never a missing route.
                assert code is not None, seen
                assert code not in ACCESS_CODES, seen
        case Refused(status=status, code=wanted):
            assert response.status_code == status, seen
            if code is None and wanted in PAGE_SAYS:
                assert PAGE_SAYS[wanted] in response.text, seen
            else:
                assert code == wanted, seen
        case Invisible(code=wanted):
            assert (response.status_code, code) == (404, wanted), seen
        case _:
            raise AssertionError(f"{expected} is no outcome of a REST route")


def assert_graphql(response: httpx.Response, expected: Outcome, row: Row, target: Target) -> None:
    """The answer of a GraphQL operation over HTTP is what the row expects."""
    seen = f"{response.status_code} {response.text[:400]}"
    if isinstance(expected, Refused):
        assert_rest(response, expected)
        return
    assert response.status_code == 200, seen
    body: dict[str, Any] = response.json()
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
    data = body.get("data") or {}
    answer = next(iter(data.values()), None) if data else None
    kind = answer.get("__typename") if isinstance(answer, dict) else None
    code = answer.get("code") if isinstance(answer, dict) else None
    match expected:
        case Allowed():
            assert not codes & {"FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND"}, seen
            assert kind not in ("NotAllowed", "ServiceUnavailable"), seen
            if kind == "NotFound":  # an unknown commitment, say: not the repair's visibility
                assert code not in ACCESS_CODES, seen
            if row.shows is not None:
                assert row.shows(data, target), seen
        case NotAllowed(code=wanted):
            assert (kind, code) == ("NotAllowed", wanted), seen
        case Invisible(code=wanted):
            assert (kind, code) == ("NotFound", wanted), seen
        case GraphQLRefusal(code=wanted):
            assert wanted in codes, seen
        case Filtered():
            assert not codes, seen
            assert row.shows is not None, f"{row.operation}: a filtered read needs `shows`"
            assert not row.shows(data, target), seen
