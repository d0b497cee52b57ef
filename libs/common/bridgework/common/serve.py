"""Run one service's ASGI app under uvicorn, configured from its settings."""

from __future__ import annotations

import gc
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from bridgework.common.logs import configure_logging, log_format_for
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
    tune_garbage_collector()
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
