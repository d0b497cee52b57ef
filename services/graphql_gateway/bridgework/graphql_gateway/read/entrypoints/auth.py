"""People's bearer tokens, verified by common's verifier into the gateway's Viewer."""

from __future__ import annotations

from bridgework.common.identity import VerifiedPerson, verify_person, verify_person_off_loop
from bridgework.common.identity import bearer_token as bearer_token
from bridgework.graphql_gateway.read.domain.viewer import Viewer, viewer_from
from bridgework.graphql_gateway.settings import GatewaySettings


def verify(token: str, settings: GatewaySettings) -> Viewer:
    """The person a valid token names, or UNAUTHENTICATED saying why."""
    return _viewer(verify_person(token, settings))


async def verified(token: str, settings: GatewaySettings) -> Viewer:
    """`verify` for the event loop: a JWKS fetch, when keys come from one, runs off it."""
    return _viewer(await verify_person_off_loop(token, settings))


def _viewer(person: VerifiedPerson) -> Viewer:
    return viewer_from(
        subject=person.subject,
        department=person.department,
        roles=person.roles,
        expires_at=person.expires_at,
        token=person.token,
    )
