"""One log format for every service: timestamp, level, logger, message, on stderr."""

from __future__ import annotations

import logging


def configure_logging(level: str, service: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s",
        force=True,
    )
    # aiokafka reports every routine rebalance at INFO; keep the services' own voice audible.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
