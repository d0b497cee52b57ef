-- Every accepted incident, keyed for de-duplication by its source tool's own reference.
CREATE TABLE incidents (
    incident_id  uuid        PRIMARY KEY,
    department   text        NOT NULL,
    source_tool  text        NOT NULL,
    source_ref   text        NOT NULL,
    body         jsonb       NOT NULL,
    received_at  timestamptz NOT NULL,
    UNIQUE (department, source_tool, source_ref)
);
