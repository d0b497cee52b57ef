-- The gateway's read model, built only from events (it reads no other service's tables).
CREATE TABLE incidents (
    incident_id uuid        PRIMARY KEY,
    department  text        NOT NULL,
    category    text        NOT NULL,
    severity    text        NOT NULL,
    summary     text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    reported_at timestamptz NOT NULL,
    source_tool text        NOT NULL,
    source_ref  text        NOT NULL
);

CREATE TABLE repairs (
    repair_id   uuid        PRIMARY KEY,
    status      text        NOT NULL,
    opened_at   timestamptz NOT NULL,
    departments text[]      NOT NULL
);
CREATE INDEX repairs_by_opened ON repairs (opened_at DESC, repair_id DESC);

-- No foreign key to incidents: events from different topics arrive in any order.
CREATE TABLE repair_incidents (
    repair_id   uuid NOT NULL,
    incident_id uuid NOT NULL,
    PRIMARY KEY (repair_id, incident_id)
);

CREATE TABLE repair_relationships (
    repair_id    uuid NOT NULL,
    department_a text NOT NULL,
    department_b text NOT NULL,
    PRIMARY KEY (repair_id, department_a, department_b)
);
