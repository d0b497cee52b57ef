"""The demo's movable clock, the same piece in every service (docs/architecture.md, "Time").

Only used when `BRIDGEWORK_TIME_TRAVEL=true`, which production refuses. Each service keeps
its offset in its own schema (`demo_clock`, a common migration), serves the same admin
routes (`GET /v1/admin/clock`, `POST /v1/admin/clock/advance`) and starts
`BRIDGEWORK_TIME_TRAVEL_START` away from the wall clock (`-P365D`: a year back), so a
seeder can move every service's time forward together.
"""

from bridgework.common.time_travel.clock import TravellingClock
from bridgework.common.time_travel.keeping import (
    DemoTime,
    advance_demo_time,
    catch_up,
    demo_time,
    keep_time,
    travelling,
)
from bridgework.common.time_travel.schemas import AdvanceIn, ClockOut

__all__ = [
    "AdvanceIn",
    "ClockOut",
    "DemoTime",
    "TravellingClock",
    "advance_demo_time",
    "catch_up",
    "demo_time",
    "keep_time",
    "travelling",
]
