"""Run one service's ASGI app under uvicorn, configured from its settings."""

from __future__ import annotations

import gc

import uvicorn
from fastapi import FastAPI

from bridgework.common.logs import configure_logging
from bridgework.common.settings import ServiceSettings


def tune_garbage_collector() -> None:
    """Set the collector up for a long-running service that applies batches of events."""
    # Everything made so far (modules, the app, its routes and models: ~90k objects) lives as
    # long as the process. Frozen, the collector stops walking it on every full collection,
    # which a batch of 500 events triggers again and again (measured in docs/intake.md).
    gc.collect()
    gc.freeze()
    # A batch of 500 events allocates some 100k objects: at the default threshold (700) the
    # young generation is collected ~140 times per batch. 20,000 took ~12% off the plumbing's
    # CPU per event (bench/plumbing.py); garbage is still mostly freed by reference counting.
    gc.set_threshold(20_000, 10, 10)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Block serving `app` until SIGTERM or SIGINT; shutdown drains via the app's lifespan."""
    configure_logging(settings.log_level, settings.service_name)
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
