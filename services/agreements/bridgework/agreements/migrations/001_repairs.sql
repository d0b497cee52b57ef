-- The incidents agreements has heard of (its own copy, from IncidentReported).
CREATE TABLE incidents (
    incident_id uuid        PRIMARY KEY,
    department  text        NOT NULL,
    category    text        NOT NULL,
    severity    text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    reported_at timestamptz NOT NULL,
    body        jsonb       NOT NULL
);

CREATE TABLE repairs (
    repair_id   uuid        PRIMARY KEY,
    status      text        NOT NULL,
    opened_at   timestamptz NOT NULL,
    departments text[]      NOT NULL
);

-- An incident belongs to at most one repair.
CREATE TABLE repair_incidents (
    repair_id   uuid NOT NULL REFERENCES repairs (repair_id),
    incident_id uuid NOT NULL UNIQUE REFERENCES incidents (incident_id),
    PRIMARY KEY (repair_id, incident_id)
);

CREATE TABLE repair_relationships (
    repair_id    uuid NOT NULL REFERENCES repairs (repair_id),
    department_a text NOT NULL,
    department_b text NOT NULL,
    PRIMARY KEY (repair_id, department_a, department_b),
    CHECK (department_a < department_b)
);
