"""Person ids refuse names and e-mail shapes, wherever a person id comes in.

The rule (common's `PseudonymousId`): the pattern `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`, no
`@`, and not name-shaped: two or more alphabetic words each starting with a capital letter
joined by `.`, `_`, `-` or a space (`Jane.Doe`, `J.Doe`, `Mary-Ann_Smith`), or lower-case
alphabetic words joined by `.` or `_` (`jane.doe`). Digits, or lower-case words joined by
`-`, make an id (`p-it-001`, `p-fin-lead`, `u-github-…`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import typer
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, BeforeValidator, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from bridgework.cli.department import _contacts
from bridgework.common.contracts import PersonRef, PseudonymousId
from bridgework.common.contracts.base import pseudonymous_id_problem
from bridgework.common.errors import DomainError
from bridgework.common.identity import person_from_claims
from bridgework.common.privacy import new_kek_text
from bridgework.intake.domain.incidents import IncidentSubmission, PersonInput
from bridgework.intake.domain.pseudonyms import PseudonymKey

ACCEPTED = [
    "p-it-001",
    "p-fin-lead",
    "p-chg",
    "p-x",
    "p_x1",
    "chg-001",
    "A1",
    "a",
    "github:5202",
    PseudonymKey(b"k" * 32).person_id("github", "5202"),
    "u-jira-abcdefghijklmnopqrstuvwx",  # a pseudonym of letters only
]
NAMES = [
    "Jane.Doe",
    "Jane_Doe",
    "Jane-Doe",
    "J.Doe",
    "JANE.DOE",
    "Mary-Ann_Smith",
    "Jean.Luc.Picard",
    "jane.doe",
    "jane_doe",
    "jane.van.doe",
]
ADDRESSES = ["jane@example.org", "p-it-001@example.org", "@", "jane.doe@"]


@pytest.mark.parametrize("person_id", ACCEPTED)
def test_pseudonyms_are_accepted(person_id: str) -> None:
    assert PersonRef(person_id=person_id, department="it").person_id == person_id
    assert pseudonymous_id_problem(person_id) is None


@pytest.mark.parametrize("person_id", NAMES)
def test_name_shaped_ids_are_refused_naming_the_field_not_the_name(person_id: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PersonRef(person_id=person_id, department="it")

    [error] = raised.value.errors()
    assert error["loc"] == ("person_id",)
    assert "not a name" in error["msg"]
    assert person_id not in error["msg"], "a real name must not reach an error line"
    assert pseudonymous_id_problem(person_id) == error["msg"].removeprefix("Value error, ")


@pytest.mark.parametrize("person_id", ADDRESSES)
def test_e_mail_shaped_ids_are_refused_with_their_own_message(person_id: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PersonInput(person_id=person_id, department="it")

    [error] = raised.value.errors()
    assert error["loc"] == ("person_id",)
    assert "not an e-mail address" in error["msg"]


def test_other_bad_shapes_still_get_the_patterns_message() -> None:
    for person_id in ("x y", "-p", "p" * 65, "p/1"):
        with pytest.raises(ValidationError, match="should match pattern"):
            PersonRef(person_id=person_id, department="it")
        assert pseudonymous_id_problem(person_id) is not None


def test_a_token_whose_subject_is_a_name_or_an_address_is_refused() -> None:
    claims = {"iat": 0, "exp": 60, "roles": ["participant"]}

    assert person_from_claims({**claims, "sub": "p-it-001"}, "t", max_lifetime=3600)
    for subject in ("Jane.Doe", "jane@example.org"):
        with pytest.raises(DomainError, match="pseudonymous"):
            person_from_claims({**claims, "sub": subject}, "t", max_lifetime=3600)


def test_the_command_line_refuses_a_name_as_a_contact_id() -> None:
    assert _contacts(["p-fin-001=ann@example.org"]) == [("p-fin-001", "ann@example.org")]
    with pytest.raises(typer.Exit):
        _contacts(["Ann.Smith=ann@example.org"])


# --- every HTTP API that takes a person id holds it to the rule --------------------------------

PERSON_FIELDS = {"person_id", "participant_id", "owner_id", "facilitator_id"}
# Erasure and export take any id a person may have been stored under, a name-shaped one
# from before the rule included: they are how such data is found and removed.
REMEDIES = ("/v1/privacy/",)


def _held_to_the_rule(metadata: list[Any]) -> bool:
    validators = {
        item.func for item in metadata if isinstance(item, BeforeValidator) and callable(item.func)
    }
    rule = next(m for m in get_args(PseudonymousId)[1:] if isinstance(m, BeforeValidator))
    return rule.func in validators


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        if argument is not NoneType:
            yield from _models(argument)


def _person_fields(
    model: type[BaseModel], seen: set[type[BaseModel]]
) -> Iterator[tuple[str, bool]]:
    """`Model.field` for each field in `model` (nested models too) that takes a person id, and
    whether it is held to the rule."""
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        if name in PERSON_FIELDS:
            yield f"{model.__name__}.{name}", _held_to_the_rule(field.metadata)
        for nested in _models(field.annotation):
            yield from _person_fields(nested, seen)


def _flat_metadata(field: FieldInfo) -> list[Any]:
    metadata = list(field.metadata)
    annotation = field.annotation
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        metadata += more
    if get_origin(annotation) in (Union, UnionType):
        metadata += [m for a in get_args(annotation) for m in getattr(a, "__metadata__", ())]
    return metadata


def person_id_inputs(app: FastAPI) -> dict[str, bool]:
    """Every request body field and path or query parameter of `app` that takes a person id,
    and whether it is held to common's rule."""
    found: dict[str, bool] = {}
    seen: set[type[BaseModel]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        for param in [*dependant.path_params, *dependant.query_params]:
            if param.name in PERSON_FIELDS:
                held = _held_to_the_rule(_flat_metadata(param.field_info))
                found[f"{context.path} {param.name}"] = held
        for body in dependant.body_params:
            if body.name in PERSON_FIELDS:
                found[f"{context.path} {body.name}"] = _held_to_the_rule(
                    _flat_metadata(body.field_info)
                )
            for model in _models(body.field_info.annotation):
                found |= {f"{context.path} {f}": held for f, held in _person_fields(model, seen)}
    return found


def _apps() -> dict[str, Callable[[], FastAPI]]:
    from bridgework.agreements.app import create_app as agreements
    from bridgework.agreements.settings import AgreementsSettings
    from bridgework.followup.app import create_app as followup
    from bridgework.followup.settings import FollowupSettings
    from bridgework.intake.app import create_app as intake
    from bridgework.intake.settings import IntakeSettings

    # Agreements and follow-up seal confidential texts: they will not start without a KEK.
    kek = SecretStr(new_kek_text())
    return {
        "intake": lambda: intake(IntakeSettings(development_mode=True)),
        "agreements": lambda: agreements(
            AgreementsSettings(development_mode=True, privacy_kek=kek)
        ),
        "followup": lambda: followup(FollowupSettings(development_mode=True, privacy_kek=kek)),
    }


@pytest.mark.parametrize("service", ["agreements", "followup"])
def test_every_http_route_taking_a_person_id_holds_it_to_the_rule(service: str) -> None:
    inputs = person_id_inputs(_apps()[service]())

    assert inputs, "the check must see the routes' person ids"
    loose = [place for place, held in inputs.items() if not held]
    assert [place for place in loose if not place.startswith(REMEDIES)] == []


def test_intakes_submissions_hold_people_to_the_rule() -> None:
    # The same model reads the raw topic's records, which no route declares.
    inputs = dict(_person_fields(IncidentSubmission, set()))

    assert inputs == {"PersonInput.person_id": True}
    routes = person_id_inputs(_apps()["intake"]())
    assert routes["/v1/incidents PersonInput.person_id"] is True
    assert all(routes.values())


class _Loose(BaseModel):
    person_id: str


class _Wrapper(BaseModel):
    who: _Loose | None = None
    fine: PersonRef | None = None


def test_the_route_check_finds_a_person_id_without_the_rule() -> None:
    app = FastAPI()

    @app.post("/loose/{person_id}")
    async def loose(person_id: str, body: _Wrapper) -> None:
        """A route that takes a person id as plain text, twice."""

    assert person_id_inputs(app) == {
        "/loose/{person_id} person_id": False,
        "/loose/{person_id} _Loose.person_id": False,
        "/loose/{person_id} PersonRef.person_id": True,
    }
