-- Repairs follow-up has heard of; schedules and nudges will hang off these.
CREATE TABLE tracked_repairs (
    repair_id   uuid        PRIMARY KEY,
    opened_at   timestamptz NOT NULL,
    departments text[]      NOT NULL,
    tracked_at  timestamptz NOT NULL
);
