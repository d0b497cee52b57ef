"""Run one service's ASGI app under uvicorn, configured from its settings."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from bridgework.common.logs import configure_logging
from bridgework.common.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Block serving `app` until SIGTERM or SIGINT; shutdown drains via the app's lifespan."""
    configure_logging(settings.log_level, settings.service_name)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
