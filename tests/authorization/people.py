"""The people of the matrix's organisation, their tokens, and the headers each credential
sends. Finance is the department concerned; estates is the other one."""

from __future__ import annotations

from dataclasses import dataclass

from bridgework.common.contracts import PersonRef
from bridgework.common.identity import development_token
from tests.authorization.matrix import Credential

# A test-only signing secret, shared by the services that verify people's tokens.
SECRET = "bridgework-tests-only-hs256-secret-0123456789"
ADMIN_TOKEN = "followup-admin-token-for-the-matrix-0001"
# Shaped like an intake API token, so a service that does not know it says why it refuses.
UNKNOWN_DEPARTMENT_TOKEN = "bwi_" + "A" * 43

DEPARTMENT, OTHER_DEPARTMENT = "finance", "estates"


def _person(person_id: str, department: str) -> PersonRef:
    return PersonRef(person_id=person_id, department=department)


# Repair A: IT locked finance out; HR's p-hr-1 facilitates. Repair B: IT and estates, with
# p-hr-2. Repair C: IT and finance, nobody facilitates it yet.
RESPONSIBLE = _person("p-it-7", "it")
AFFECTED = _person("p-fin-2", DEPARTMENT)
FACILITATOR = _person("p-hr-1", "hr")
OTHER_FACILITATOR = _person("p-hr-2", "hr")
UNASSIGNED_FACILITATOR = _person("p-hr-3", "hr")
OTHER_RESPONSIBLE = _person("p-it-8", "it")
OTHER_AFFECTED = _person("p-est-5", OTHER_DEPARTMENT)

# Who each person credential is, and the roles their token grants.
PEOPLE: dict[Credential, tuple[PersonRef, tuple[str, ...]]] = {
    Credential.CHANGE_TEAM: (_person("p-chg-1", "change"), ("change_team",)),
    Credential.LEAD: (_person("p-fin-lead", DEPARTMENT), ("department_lead",)),
    Credential.OTHER_LEAD: (_person("p-est-lead", OTHER_DEPARTMENT), ("department_lead",)),
    Credential.FACILITATOR: (FACILITATOR, ("facilitator",)),
    Credential.OTHER_FACILITATOR: (OTHER_FACILITATOR, ("facilitator",)),
    Credential.UNASSIGNED_FACILITATOR: (UNASSIGNED_FACILITATOR, ("facilitator",)),
    Credential.PARTICIPANT: (AFFECTED, ("participant",)),
    Credential.OTHER_PARTICIPANT: (OTHER_AFFECTED, ("participant",)),
    Credential.NO_ROLE: (_person("p-fin-9", DEPARTMENT), ("auditor",)),
}
# People whose role only one service knows: a column of that service's rows alone.
OFFICERS: dict[Credential, tuple[PersonRef, tuple[str, ...]]] = {
    Credential.PRIVACY_OFFICER: (_person("p-dpo-1", "legal"), ("privacy_officer",)),
}


def person_of(credential: Credential) -> PersonRef:
    """The person behind a person's credential (the change team for the others: they act
    as nobody, and a body naming someone needs a name)."""
    return PEOPLE.get(credential, PEOPLE[Credential.CHANGE_TEAM])[0]


def token_for(person: PersonRef, *roles: str) -> str:
    """A person's own development token (HS256, accepted in development mode)."""
    return development_token(
        SECRET, sub=person.person_id, roles=list(roles), department=person.department
    )


def token_of(credential: Credential) -> str:
    """The token of a person's credential."""
    person, roles = (PEOPLE | OFFICERS)[credential]
    return token_for(person, *roles)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Keys:
    """The machine credentials of a running service (intake's tokens are made at seeding)."""

    department_token: str = UNKNOWN_DEPARTMENT_TOKEN
    other_department_token: str = UNKNOWN_DEPARTMENT_TOKEN


def headers_for(credential: Credential, keys: Keys) -> dict[str, str]:
    """The Authorization header a credential sends (signatures and links are the call's)."""
    if credential in PEOPLE or credential in OFFICERS:
        return bearer(token_of(credential))
    if credential is Credential.DEPARTMENT_TOKEN:
        return bearer(keys.department_token)
    if credential is Credential.OTHER_DEPARTMENT_TOKEN:
        return bearer(keys.other_department_token)
    if credential is Credential.ADMIN_TOKEN:
        return bearer(ADMIN_TOKEN)
    return {}
