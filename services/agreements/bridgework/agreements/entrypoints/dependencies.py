"""What agreements' routes may ask FastAPI for: what the composition root and common's runtime
put on `app.state`, and the person reading (the `X-Bridgework-Actor` header)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.contracts import PseudonymousId
from bridgework.common.postgres import Pool
from bridgework.common.runtime import Runtime, get_runtime


def settings_of(request: Request) -> AgreementsSettings:
    """The settings the app was built with."""
    settings: AgreementsSettings = request.app.state.settings
    return settings


def clock_of(request: Request) -> Clock:
    """The clock the app was built with."""
    clock: Clock = request.app.state.clock
    return clock


def pool_of(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Pool:
    """The running service's database pool."""
    return runtime.pool


def actor_id_of(
    actor_id: Annotated[
        PseudonymousId,
        Header(
            alias="X-Bridgework-Actor",
            description="The person reading; only the repair's participants may.",
        ),
    ],
) -> str:
    """The person reading, as the gateway forwards them."""
    return actor_id


SettingsDep = Annotated[AgreementsSettings, Depends(settings_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]
PoolDep = Annotated[Pool, Depends(pool_of)]
ActorIdDep = Annotated[str, Depends(actor_id_of)]
