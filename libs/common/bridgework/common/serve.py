"""Run one service's ASGI app under uvicorn, configured from its settings."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from bridgework.common.logs import configure_logging, log_format_for
from bridgework.common.postgres import MigrationChangedError
from bridgework.common.privacy import PrivacyConfigError
from bridgework.common.settings import ServiceSettings
from bridgework.common.tracing import configure_tracing


def tune_garbage_collector() -> None:
    """Set the collector up for a long-running service that applies batches of events."""
    # What exists at start lives as long as the process: frozen, no collection walks it again.
    gc.collect()
    gc.freeze()
    # A batch allocates far more than the default threshold; reference counting frees most
    # garbage anyway (figures in docs/architecture.md, "Where a pipeline incident's CPU goes").
    gc.set_threshold(20_000, 10, 10)


def refuse_to_start_without_secrets(settings: ServiceSettings) -> None:
    """Exit with every missing setting named, unless the service has what it needs."""
    missing = settings.missing_settings()
    if missing:
        lines = "\n".join(f"  - {item}" for item in missing)
        raise SystemExit(
            f"{settings.service_name} will not start: outside development mode it needs\n{lines}\n"
            "(BRIDGEWORK_DEVELOPMENT_MODE=true is for a developer's machine and tests only)"
        )


logger = logging.getLogger(__name__)


class StartRefusal(logging.Filter):
    """Why the app's start was refused, once it was; while set, uvicorn's own error lines
    (the traceback Starlette formats, "Application startup failed") are dropped: the
    refusal's one message says everything an operator needs."""

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        return self.reason is None


def refuse_cleanly(app: FastAPI, refusal: StartRefusal) -> None:
    """Wrap the app's lifespan so an edited migration (`MigrationChangedError`) or a wrong
    key-encryption key (`PrivacyConfigError`) is one clear message: logged, remembered in
    `refusal`, and re-raised so uvicorn does not start."""
    starting = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        try:
            async with starting(running) as state:
                yield state
        except (MigrationChangedError, PrivacyConfigError) as changed:
            refusal.reason = str(changed)
            logger.critical("will not start: %s", changed)
            raise

    app.router.lifespan_context = lifespan


def serve(app: FastAPI | Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Block serving `app` until SIGTERM or SIGINT; shutdown drains via the app's lifespan.

    Given a function that makes the app, makes it once logging is set up, so what the app
    logs while it is made (development-mode warnings) is in the configured format too.
    """
    refuse_to_start_without_secrets(settings)
    log_format = log_format_for(settings.log_format, development_mode=settings.development_mode)
    configure_logging(settings.log_level, settings.service_name, log_format)
    configure_tracing(settings.service_name)
    if not isinstance(app, FastAPI):
        app = app()
    refusal = StartRefusal()
    refuse_cleanly(app, refusal)
    logging.getLogger("uvicorn.error").addFilter(refusal)
    tune_garbage_collector()
    try:
        _run(app, settings)
    except SystemExit:
        if refusal.reason is not None:
            raise SystemExit(f"{settings.service_name} will not start: {refusal.reason}") from None
        raise


def _run(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        # uvloop runs asyncpg's and aiokafka's I/O, and everything else, on a loop written in C.
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
