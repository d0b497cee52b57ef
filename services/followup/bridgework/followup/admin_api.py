"""Follow-up's admin API: departments' nudge policies and webhooks, people's contact details,
and (demo only) the clock. Behind `Authorization: Bearer <BRIDGEWORK_ADMIN_TOKEN>` when that
is set; production must set it.

Contact details are the only personal data follow-up holds, and only here: an e-mail address,
a display name and, optionally, an incoming webhook into a channel of the person's own.
`DELETE /v1/contacts/{person_id}` erases them and cancels what still waited to go to them.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from bridgework.common.contracts import NudgeKind
from bridgework.common.runtime import Runtime, get_runtime
from bridgework.followup import repository
from bridgework.followup.clock import TravellingClock
from bridgework.followup.errors import ClientError, ErrorBody
from bridgework.followup.policy import (
    NudgePolicy,
    Weekday,
    overrides_from_json,
    overrides_to_json,
    valid_time_zone,
)
from bridgework.followup.repository import Contact, Webhook
from bridgework.followup.settings import FollowupSettings

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
DEPARTMENT = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
PERSON = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong admin token."},
    404: {"model": ErrorBody, "description": "Nothing set for this department or person."},
    422: {"description": "Invalid body: every failing field and why."},
}


def _settings(request: Request) -> FollowupSettings:
    settings = request.app.state.settings
    assert isinstance(settings, FollowupSettings)
    return settings


async def require_admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """The admin token, when one is configured (compared in constant time)."""
    expected = _settings(request).admin_token
    if expected is None:
        return
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise ClientError(401, "unauthorized", "This needs the follow-up admin token.")


router = APIRouter(prefix="/v1", tags=["admin"], dependencies=[Depends(require_admin)])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


# --- nudge policies ---------------------------------------------------------------------


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: time = Field(description="Local time quiet hours begin, e.g. `18:00`.")
    end: time = Field(description="Local time they end, e.g. `08:00` (may be the next day).")


class PolicyOverridesIn(BaseModel):
    """A department's overrides; a field left out follows the defaults. `quiet_hours: null`
    means no quiet hours. Durations are ISO 8601 (`P2D`, `PT12H`) or seconds."""

    model_config = ConfigDict(extra="forbid")

    lead_time: timedelta | None = Field(
        default=None, description="How long before the due date the reminder goes out."
    )
    repeat_interval: timedelta | None = Field(
        default=None, description="Time between repeated offers after a lapse."
    )
    quiet_hours: QuietHours | None = None
    working_days: list[Weekday] | None = Field(default=None, min_length=1)
    time_zone: str | None = Field(default=None, description="IANA name, e.g. `Europe/London`.")
    check_in_delay: timedelta | None = Field(
        default=None, description="Wait after the last commitment settles before the check-in."
    )
    lapse_offer_repeats: int | None = Field(default=None, ge=0, le=10)

    @field_validator("lead_time")
    @classmethod
    def _lead_time(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(minutes=1) <= value <= timedelta(days=90):
            raise ValueError("must be between one minute and 90 days")
        return value

    @field_validator("repeat_interval")
    @classmethod
    def _repeat(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(hours=1) <= value <= timedelta(days=90):
            raise ValueError("must be between one hour and 90 days")
        return value

    @field_validator("check_in_delay")
    @classmethod
    def _delay(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(0) <= value <= timedelta(days=90):
            raise ValueError("must be between zero and 90 days")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else valid_time_zone(value)

    @model_validator(mode="after")
    def _only_quiet_hours_may_be_null(self) -> PolicyOverridesIn:
        nulls = [
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name != "quiet_hours"
        ]
        if nulls:
            raise ValueError(f"leave out rather than null: {', '.join(sorted(nulls))}")
        return self

    def as_policy_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "quiet_hours":
                fields["quiet_hours_start"] = value.start if value else None
                fields["quiet_hours_end"] = value.end if value else None
            elif name == "working_days":
                fields[name] = frozenset(value)
            else:
                fields[name] = value
        return fields


class PolicyOut(BaseModel):
    lead_time: timedelta
    repeat_interval: timedelta
    quiet_hours: QuietHours | None
    working_days: list[Weekday]
    time_zone: str
    check_in_delay: timedelta
    lapse_offer_repeats: int

    @classmethod
    def of(cls, policy: NudgePolicy) -> PolicyOut:
        quiet = (
            QuietHours(start=policy.quiet_hours_start, end=policy.quiet_hours_end)
            if policy.quiet_hours_start is not None and policy.quiet_hours_end is not None
            else None
        )
        return cls(
            lead_time=policy.lead_time,
            repeat_interval=policy.repeat_interval,
            quiet_hours=quiet,
            working_days=sorted(policy.working_days, key=lambda d: d.iso),
            time_zone=policy.time_zone,
            check_in_delay=policy.check_in_delay,
            lapse_offer_repeats=policy.lapse_offer_repeats,
        )


class DepartmentPolicyOut(BaseModel):
    department: str
    overridden: list[str] = Field(description="The fields this department set itself.")
    effective: PolicyOut


def _policy_out(
    department: str, stored: dict[str, Any], defaults: NudgePolicy
) -> DepartmentPolicyOut:
    fields = overrides_from_json(stored)
    overridden = sorted(
        {"quiet_hours" if name.startswith("quiet_hours") else name for name in fields}
    )
    return DepartmentPolicyOut(
        department=department,
        overridden=overridden,
        effective=PolicyOut.of(defaults.with_overrides(fields)),
    )


@router.get("/policies/default")
async def get_default_policy(request: Request) -> PolicyOut:
    """The policy of every department that set nothing itself (from settings)."""
    return PolicyOut.of(_settings(request).default_policy())


@router.get("/departments/{department}/policy", responses=ERRORS)
async def get_department_policy(
    department: DEPARTMENT, request: Request, runtime: RuntimeDep
) -> DepartmentPolicyOut:
    """A department's effective nudge policy and which fields it set itself."""
    async with runtime.pool.acquire() as connection:
        stored = await repository.policy_overrides(connection, [department])
    return _policy_out(department, stored.get(department, {}), _settings(request).default_policy())


@router.put("/departments/{department}/policy", responses=ERRORS)
async def put_department_policy(
    department: DEPARTMENT, overrides: PolicyOverridesIn, request: Request, runtime: RuntimeDep
) -> DepartmentPolicyOut:
    """Replace a department's overrides; timers already set keep their times, but every nudge
    still waits for the policy's sending window in force when it falls due."""
    stored = overrides_to_json(overrides.as_policy_fields())
    async with runtime.pool.acquire() as connection:
        await repository.put_policy_overrides(
            connection, department, stored, now=request.app.state.clock.now()
        )
    return _policy_out(department, stored, _settings(request).default_policy())


@router.delete("/departments/{department}/policy", status_code=204, responses=ERRORS)
async def delete_department_policy(department: DEPARTMENT, runtime: RuntimeDep) -> Response:
    """Back to the defaults."""
    async with runtime.pool.acquire() as connection:
        await repository.delete_policy_overrides(connection, department)
    return Response(status_code=204)


# --- department webhooks ----------------------------------------------------------------

DEFAULT_WEBHOOK_KINDS = [NudgeKind.REMINDER, NudgeKind.LAPSE_OFFER, NudgeKind.FACILITATOR_SUPPORT]


class WebhookIn(BaseModel):
    """A department's incoming webhook (Slack, Mattermost, Teams workflows: Slack-style JSON).

    Check-ins are never posted to a department's channel: their link is personal. They go by
    e-mail or to a person's own webhook (see contacts).
    """

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    kinds: list[NudgeKind] = Field(default_factory=lambda: list(DEFAULT_WEBHOOK_KINDS))

    @field_validator("kinds")
    @classmethod
    def _no_check_in_links_in_shared_channels(cls, kinds: list[NudgeKind]) -> list[NudgeKind]:
        if NudgeKind.CHECK_IN in kinds:
            raise ValueError("check-in links are personal and never go to a department channel")
        return kinds


class WebhookOut(BaseModel):
    department: str
    url: str
    kinds: list[str]


@router.get("/departments/{department}/webhook", responses=ERRORS)
async def get_department_webhook(department: DEPARTMENT, runtime: RuntimeDep) -> WebhookOut:
    """A department's webhook."""
    async with runtime.pool.acquire() as connection:
        hook = (await repository.webhooks(connection, [department])).get(department)
    if hook is None:
        raise ClientError(404, "no_webhook", f"department {department} has no webhook")
    return WebhookOut(department=department, url=hook.url, kinds=list(hook.kinds))


@router.put("/departments/{department}/webhook", responses=ERRORS)
async def put_department_webhook(
    department: DEPARTMENT, webhook: WebhookIn, request: Request, runtime: RuntimeDep
) -> WebhookOut:
    """Set a department's webhook and the kinds of nudge it receives."""
    hook = Webhook(department, str(webhook.url), tuple(sorted({k.value for k in webhook.kinds})))
    async with runtime.pool.acquire() as connection:
        await repository.put_webhook(connection, hook, now=request.app.state.clock.now())
    return WebhookOut(department=department, url=hook.url, kinds=list(hook.kinds))


@router.delete("/departments/{department}/webhook", status_code=204, responses=ERRORS)
async def delete_department_webhook(department: DEPARTMENT, runtime: RuntimeDep) -> Response:
    async with runtime.pool.acquire() as connection:
        await repository.delete_webhook(connection, department)
    return Response(status_code=204)


# --- contacts ---------------------------------------------------------------------------


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    webhook_url: AnyHttpUrl | None = Field(
        default=None, description="An incoming webhook into a channel of this person's own."
    )

    @field_validator("display_name")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch in value for ch in "\r\n"):
            raise ValueError("a name on one line")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value


class ContactOut(BaseModel):
    person_id: str
    display_name: str
    email: str | None
    webhook_url: str | None


@router.get("/contacts/{person_id}", responses=ERRORS)
async def get_contact(person_id: PERSON, runtime: RuntimeDep) -> ContactOut:
    """A person's contact details."""
    async with runtime.pool.acquire() as connection:
        contact = (await repository.contacts(connection, [person_id])).get(person_id)
    if contact is None:
        raise ClientError(404, "unknown_contact", f"no contact details for {person_id}")
    return ContactOut(**contact.__dict__)


@router.put("/contacts/{person_id}", responses=ERRORS)
async def put_contact(
    person_id: PERSON, contact: ContactIn, request: Request, runtime: RuntimeDep
) -> ContactOut:
    """Set (replace) how a person is reached."""
    stored = Contact(
        person_id=person_id,
        display_name=contact.display_name,
        email=contact.email,
        webhook_url=str(contact.webhook_url) if contact.webhook_url else None,
    )
    async with runtime.pool.acquire() as connection:
        await repository.put_contact(connection, stored, now=request.app.state.clock.now())
    return ContactOut(**stored.__dict__)


@router.delete("/contacts/{person_id}", status_code=204, responses=ERRORS)
async def erase_contact(person_id: PERSON, runtime: RuntimeDep) -> Response:
    """Erase a person's contact details (idempotent) and cancel deliveries still waiting."""
    async with runtime.pool.acquire() as connection, connection.transaction():
        await repository.erase_contact(connection, person_id)
    return Response(status_code=204)


# --- the demo's clock -------------------------------------------------------------------


class ClockOut(BaseModel):
    now: datetime
    offset: timedelta


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: timedelta = Field(description="How far to move time forward: `P1D`, `PT6H`, or seconds.")

    @field_validator("by")
    @classmethod
    def _forward(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0) or value > timedelta(days=366):
            raise ValueError("must move time forward, by at most a year")
        return value


clock_router = APIRouter(
    prefix="/v1/admin/clock", tags=["admin"], dependencies=[Depends(require_admin)]
)


def _travelling(request: Request) -> TravellingClock:
    clock = request.app.state.clock
    assert isinstance(clock, TravellingClock)
    return clock


@clock_router.get("")
async def get_clock(request: Request, runtime: RuntimeDep) -> ClockOut:
    """Follow-up's now, and how far it runs ahead of the wall clock."""
    clock = _travelling(request)
    await clock.load(runtime.pool)
    return ClockOut(now=clock.now(), offset=clock.offset)


@clock_router.post("/advance", responses=ERRORS)
async def advance_clock(advance: AdvanceIn, request: Request, runtime: RuntimeDep) -> ClockOut:
    """Move follow-up's time forward (demo only): due timers fire at their next poll."""
    clock = _travelling(request)
    await clock.advance(runtime.pool, advance.by)
    return ClockOut(now=clock.now(), offset=clock.offset)
