-- Planned changes, keyed for de-duplication by their source tool's own reference, as incidents
-- are. The body is the change's facts as its last event carried them (read and written whole).
CREATE TABLE changes (
    change_id          uuid        PRIMARY KEY,
    department         text        NOT NULL,
    source_tool        text        NOT NULL,
    source_ref         text        NOT NULL,
    body               json        NOT NULL,
    revision           integer     NOT NULL,
    source_updated_at  timestamptz,
    went_live_at       timestamptz,
    received_at        timestamptz NOT NULL,
    updated_at         timestamptz,
    UNIQUE (department, source_tool, source_ref)
);
