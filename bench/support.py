"""What every stage benchmark needs: a scratch database, CPU readings and one way to print figures.

Benchmarks call the services' public use cases and repositories only, never a private
function, so a rename in a service breaks them with a type error, not at run time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg

from bridgework.common.postgres import Pool, create_pool, migrate

# The synthetic organisation the stage benchmarks spread their stories over.
DEPARTMENTS = (
    "it", "finance", "hr", "estates", "legal", "marketing", "sales", "research", "support",
    "procurement", "operations", "security",
)  # fmt: skip


def server_dsn(default: str) -> str:
    """The Postgres server to benchmark on: DATABASE_URL where set, else the service's default."""
    return os.environ.get("DATABASE_URL", default)


@asynccontextmanager
async def scratch_database(
    server: str, *, schema: str, migrations_package: str, max_size: int = 1
) -> AsyncIterator[tuple[str, Pool]]:
    """A fresh database migrated for one service, and a pool on it; dropped afterwards."""
    name = f"bwbench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    pool = await create_pool(dsn, schema=schema, max_size=max_size)
    try:
        await migrate(pool, schema=schema, package=migrations_package)
        yield dsn, pool
    finally:
        await pool.close()
        await _drop(admin, name)
        await admin.close()


async def _drop(admin: asyncpg.Connection[asyncpg.Record], name: str) -> None:
    # An autovacuum worker may still be in the database, and FORCE may not end it: retry.
    for attempt in range(20):
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            await asyncio.sleep(0.2 * (attempt + 1))
    print(f"could not drop database {name}; drop it by hand")


async def backend_pid(pool: Pool) -> int:
    """The process id of the Postgres backend behind a one-connection pool."""
    pid = await pool.fetchval("SELECT pg_backend_pid()")
    assert isinstance(pid, int)
    return pid


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds a Postgres backend on this machine has used, None where unreadable."""
    if pid is None:
        return None
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


async def timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall and this process's CPU seconds of one awaited step."""
    wall, cpu = time.perf_counter(), time.process_time()
    await step()
    return time.perf_counter() - wall, time.process_time() - cpu


def per_item(name: str, items: int, wall: float, cpu: float) -> str:
    """One line of figures per item: wall and CPU microseconds, and the rate."""
    return (
        f"{name:<32} {items:>7} items  wall {wall / items * 1e6:7.1f} us/item"
        f"  cpu {cpu / items * 1e6:7.1f} us/item  ({items / wall:8,.0f}/s wall)"
    )


def percentiles(samples: list[float]) -> str:
    """p50, p95, p99 and mean of samples in seconds, printed in milliseconds."""
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    mean = statistics.mean(ordered) * 1000
    return f"p50 {at(50):6.1f} ms  p95 {at(95):6.1f} ms  p99 {at(99):6.1f} ms  mean {mean:6.1f} ms"
