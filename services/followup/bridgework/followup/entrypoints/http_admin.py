"""Follow-up's admin API: departments' nudge policies and webhooks, people's contact details.
Behind `Authorization: Bearer <BRIDGEWORK_ADMIN_TOKEN>` (machines) or a person's own token
with the change_team role; a department lead manages their own department's policy and
webhook (`domain.readers`). Development mode without an admin token leaves it open.

Contact details are the only personal data follow-up holds, and only here: an e-mail address,
a display name and, optionally, an incoming webhook into a channel of the person's own.
`DELETE /v1/contacts/{person_id}` erases them and cancels what still waited to go to them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from bridgework.common.contracts import PseudonymousId
from bridgework.followup.entrypoints.dependencies import ADMIN_ONLY, ClockDep, PoolDep, SettingsDep
from bridgework.followup.schemas import (
    ContactIn,
    ContactOut,
    DepartmentPolicyOut,
    ErrorBody,
    PolicyOut,
    PolicyOverridesIn,
    WebhookIn,
    WebhookOut,
)
from bridgework.followup.use_cases import contacts, webhooks
from bridgework.followup.use_cases.policies import (
    default_policy,
    policy_of_department,
    reset_department_policy,
    set_department_policy,
)

DEPARTMENT = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
# Common's PseudonymousId: its pattern, and no name nor e-mail address.
PERSON = Annotated[PseudonymousId, Path()]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No admin token and no valid person's token."},
    403: {"model": ErrorBody, "description": "The person's token lacks the role (role_required)."},
    404: {"model": ErrorBody, "description": "Nothing set for this department or person."},
    422: {"description": "Invalid body: every failing field and why."},
}

router = APIRouter(prefix="/v1", tags=["admin"], dependencies=ADMIN_ONLY)


# --- nudge policies ---------------------------------------------------------------------


@router.get("/policies/default")
async def get_default_policy(settings: SettingsDep) -> PolicyOut:
    """The policy of every department that set nothing itself (from settings)."""
    return PolicyOut.of(default_policy(settings))


@router.get("/departments/{department}/policy", responses=ERRORS)
async def get_department_policy(
    department: DEPARTMENT, settings: SettingsDep, pool: PoolDep
) -> DepartmentPolicyOut:
    """A department's effective nudge policy and which fields it set itself."""
    policy = await policy_of_department(pool=pool, settings=settings, department=department)
    return DepartmentPolicyOut.of(policy)


@router.put("/departments/{department}/policy", responses=ERRORS)
async def put_department_policy(
    department: DEPARTMENT,
    overrides: PolicyOverridesIn,
    settings: SettingsDep,
    pool: PoolDep,
    clock: ClockDep,
) -> DepartmentPolicyOut:
    """Replace a department's overrides; timers already set keep their times, but every nudge
    still waits for the policy's sending window in force when it falls due."""
    policy = await set_department_policy(
        pool=pool,
        settings=settings,
        clock=clock,
        department=department,
        overrides=overrides.as_policy_fields(),
    )
    return DepartmentPolicyOut.of(policy)


@router.delete("/departments/{department}/policy", status_code=204, responses=ERRORS)
async def delete_department_policy(department: DEPARTMENT, pool: PoolDep) -> Response:
    """Back to the defaults."""
    await reset_department_policy(pool=pool, department=department)
    return Response(status_code=204)


# --- department webhooks ----------------------------------------------------------------


@router.get("/departments/{department}/webhook", responses=ERRORS)
async def get_department_webhook(department: DEPARTMENT, pool: PoolDep) -> WebhookOut:
    """A department's webhook."""
    return WebhookOut.of(await webhooks.webhook_of(pool=pool, department=department))


@router.put("/departments/{department}/webhook", responses=ERRORS)
async def put_department_webhook(
    department: DEPARTMENT,
    webhook: WebhookIn,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> WebhookOut:
    """Set a department's webhook and the kinds of nudge it receives (a public http(s) URL)."""
    hook = webhook.of_department(department)
    stored = await webhooks.set_webhook(
        pool=pool,
        clock=clock,
        webhook=hook,
        allow_private=settings.webhook_allow_private_targets,
    )
    return WebhookOut.of(stored)


@router.delete("/departments/{department}/webhook", status_code=204, responses=ERRORS)
async def delete_department_webhook(department: DEPARTMENT, pool: PoolDep) -> Response:
    await webhooks.remove_webhook(pool=pool, department=department)
    return Response(status_code=204)


# --- contacts ---------------------------------------------------------------------------


@router.get("/contacts/{person_id}", responses=ERRORS)
async def get_contact(person_id: PERSON, pool: PoolDep) -> ContactOut:
    """A person's contact details."""
    return ContactOut.of(await contacts.contact_of(pool=pool, person_id=person_id))


@router.put("/contacts/{person_id}", responses=ERRORS)
async def put_contact(
    person_id: PERSON,
    contact: ContactIn,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ContactOut:
    """Set (replace) how a person is reached."""
    stored = await contacts.set_contact(
        pool=pool,
        clock=clock,
        contact=contact.of_person(person_id),
        allow_private=settings.webhook_allow_private_targets,
    )
    return ContactOut.of(stored)


@router.delete("/contacts/{person_id}", status_code=204, responses=ERRORS)
async def erase_contact(person_id: PERSON, pool: PoolDep) -> Response:
    """Erase a person's contact details (idempotent) and cancel deliveries still waiting."""
    await contacts.erase_contact(pool=pool, person_id=person_id)
    return Response(status_code=204)
