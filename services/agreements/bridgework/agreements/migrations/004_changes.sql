-- Planned changes and their engagement (docs/agreements.md, "Changes"). A change is one
-- aggregate like a repair: changed under a row lock and written whole (`workflow`, a jsonb
-- document of domain/changes.py's state; answers, objections and actions sealed in it).
-- The columns beside it serve lookups across changes.
CREATE TABLE changes (
    change_id          uuid        PRIMARY KEY,
    revision           integer     NOT NULL,
    owner_department   text        NOT NULL,
    kind               text        NOT NULL,
    planned_go_live    timestamptz NOT NULL,
    recorded_at        timestamptz NOT NULL,
    went_live_at       timestamptz,
    response_mode      text,
    workflow           jsonb       NOT NULL
);

CREATE INDEX changes_by_go_live ON changes (planned_go_live, change_id);
