-- The demo's movable clock (bridgework.common.time_travel): one offset per service schema,
-- shared by its replicas; only read and written when BRIDGEWORK_TIME_TRAVEL=true.
CREATE TABLE IF NOT EXISTS demo_clock (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seconds   double precision NOT NULL
);
