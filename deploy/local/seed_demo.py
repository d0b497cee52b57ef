"""Seed the demo organisation's year through the services' public APIs and movable clocks.

Run by `make run` (deploy/local/run.sh) once the four services are up with
BRIDGEWORK_TIME_TRAVEL=true and BRIDGEWORK_TIME_TRAVEL_START=-P365D: it moves every
service's clock from a year back to today, a few days a step, reporting a few hundred
incidents and walking their repairs, and recording planned changes, engaging the departments
they affect (or not) and reporting their go-live (deploy/local/demo/). Intake takes reports only with the
reporting department's API token: pass one per department as `--token it=<token>`. People
act with development tokens signed with BRIDGEWORK_JWT_HS256_SECRET. Seeding twice seeds
once (a marker in --state-dir, and agreements holding repairs already).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from demo.calls import Calls, SeedingError, Urls
from demo.seeding import Options, seed_year


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intake-url", default="http://127.0.0.1:8001")
    parser.add_argument("--agreements-url", default="http://127.0.0.1:8002")
    parser.add_argument("--followup-url", default="http://127.0.0.1:8003")
    parser.add_argument("--gateway-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="DEPARTMENT=TOKEN",
        help="a department's intake API token; once per reporting department",
    )
    parser.add_argument("--seed", type=int, default=2026, help="the story's random seed")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="the year's size: 1 is ~300 incidents"
    )
    parser.add_argument("--step-days", type=int, default=2, help="days the clocks move a step")
    parser.add_argument("--state-dir", type=Path, help="where the seeded marker is kept")
    parser.add_argument(
        "--maildir", type=Path, help="the mail sink's Maildir, where check-in links arrive"
    )
    return parser.parse_args()


async def run(args: argparse.Namespace) -> int:
    secret = os.environ.get("BRIDGEWORK_JWT_HS256_SECRET")
    if not secret:
        print("set BRIDGEWORK_JWT_HS256_SECRET (the services' development secret)")
        return 2
    if not 0 < args.scale <= 4 or args.step_days < 1:
        print("--scale must be in (0, 4] and --step-days at least 1")
        return 2
    tokens = {dept: token for dept, _, token in (entry.partition("=") for entry in args.token)}
    urls = Urls(args.intake_url, args.agreements_url, args.followup_url, args.gateway_url)
    options = Options(
        seed=args.seed,
        scale=args.scale,
        step_days=args.step_days,
        state_dir=args.state_dir,
        maildir=args.maildir,
    )
    async with Calls(urls=urls, secret=secret, department_tokens=tokens) as calls:
        try:
            tally = await seed_year(calls, options)
        except SeedingError as refused:
            print(f"the demo year could not be seeded: {refused}")
            return 1
    if tally is None:
        print("demo year: seeded before; nothing seeded now (clocks at today)")
    else:
        print(
            f"demo year seeded: {tally.incidents} incidents, {tally.changes} planned changes,"
            f" {tally.steps_taken} steps,"
            f" check-ins answered {tally.check_ins}, in {tally.seconds} s"
            f" (calls {tally.calls}, seconds waited {tally.waited})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(arguments())))
