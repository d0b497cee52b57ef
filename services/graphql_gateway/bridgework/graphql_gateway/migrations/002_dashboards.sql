-- The whole read model: every fact of every stream, and the rollups the dashboards read.
-- Rows are written from the folded state of one repair or incident (see domain.py), so
-- replaying every topic from the start rebuilds the same rows in any order.

ALTER TABLE incidents
    ADD COLUMN revision             int    NOT NULL DEFAULT 1,
    ADD COLUMN response_mode        text,
    ADD COLUMN affected_departments text[] NOT NULL DEFAULT '{}',
    ADD COLUMN responsible          jsonb  NOT NULL DEFAULT '[]',
    ADD COLUMN affected_people      jsonb  NOT NULL DEFAULT '[]',
    ADD COLUMN answers              jsonb,
    ADD COLUMN source_url           text,
    ADD COLUMN updated_at           timestamptz;
CREATE INDEX incidents_by_reported ON incidents (reported_at DESC, incident_id DESC);

-- Derived columns (status, response_mode, first_reported_at, ...) are recomputed from the
-- repair's whole state whenever one of its events, or one of its incidents, arrives.
ALTER TABLE repairs
    ADD COLUMN category          text,
    ADD COLUMN agreement_due_by  timestamptz,
    ADD COLUMN recurrence_of     uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN response_mode     text,
    ADD COLUMN decided_at        timestamptz,
    ADD COLUMN first_reported_at timestamptz,
    ADD COLUMN first_reached_at  timestamptz,
    ADD COLUMN confirmed_at      timestamptz,
    ADD COLUMN imposed           jsonb,
    ADD COLUMN closed            jsonb,
    ADD COLUMN closed_at         timestamptz,
    ADD COLUMN outcome           text;
ALTER TABLE repair_incidents ADD COLUMN linked_at timestamptz;
CREATE INDEX repair_incidents_by_incident ON repair_incidents (incident_id);
-- Which later repairs name an earlier one as `recurrence_of` (a btree: a GIN probe per id
-- was ~40 ms for a batch's worth of ids).
CREATE TABLE repair_recurrences (
    earlier_id uuid NOT NULL,
    repair_id  uuid NOT NULL,
    PRIMARY KEY (earlier_id, repair_id)
);
CREATE INDEX repairs_by_department ON repairs USING gin (departments);
-- Repairs still waiting for an agreement: the only rows a `not` (overdue) count reads.
CREATE INDEX repairs_awaiting_agreement ON repairs (agreement_due_by) WHERE status = 'open';

CREATE TABLE participants (
    repair_id  uuid        NOT NULL,
    person_id  text        NOT NULL,
    department text        NOT NULL,
    role       text        NOT NULL,
    joined_at  timestamptz NOT NULL,
    PRIMARY KEY (repair_id, person_id, role)
);
CREATE INDEX participants_by_person ON participants (person_id, repair_id);

-- Confidential: only the repair's facilitator and participants may read these.
CREATE TABLE conversations (
    repair_id   uuid        NOT NULL,
    person_id   text        NOT NULL,
    department  text        NOT NULL,
    role        text        NOT NULL,
    answers     jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (repair_id, person_id, role, recorded_at)
);

CREATE TABLE agreements (
    agreement_id     uuid        PRIMARY KEY,
    repair_id        uuid        NOT NULL,
    version          int         NOT NULL,
    reached_at       timestamptz NOT NULL,
    first_reached_at timestamptz NOT NULL,
    response_mode    text        NOT NULL,
    consented_by     jsonb       NOT NULL
);
CREATE INDEX agreements_by_repair ON agreements (repair_id);

CREATE TABLE proposals (
    agreement_id          uuid        NOT NULL,
    version               int         NOT NULL,
    repair_id             uuid        NOT NULL,
    proposed_by           jsonb       NOT NULL,
    proposed_at           timestamptz NOT NULL,
    consent_required_from jsonb       NOT NULL,
    commitments           jsonb       NOT NULL,
    PRIMARY KEY (agreement_id, version)
);
CREATE INDEX proposals_by_repair ON proposals (repair_id);

CREATE TABLE consents (
    agreement_id uuid        NOT NULL,
    version      int         NOT NULL,
    person_id    text        NOT NULL,
    repair_id    uuid        NOT NULL,
    department   text        NOT NULL,
    role         text        NOT NULL,
    decision     text        NOT NULL,
    reason       text,
    decided_at   timestamptz NOT NULL,
    PRIMARY KEY (agreement_id, version, person_id)
);
CREATE INDEX consents_by_repair ON consents (repair_id);

CREATE TABLE commitments (
    commitment_id         uuid        PRIMARY KEY,
    repair_id             uuid        NOT NULL,
    agreement_id          uuid,
    terms_version         int         NOT NULL,
    owner_id              text        NOT NULL,
    owner_department      text        NOT NULL,
    owed_to               jsonb       NOT NULL,
    owed_to_departments   text[]      NOT NULL,
    action                text,
    due_at                timestamptz,          -- NULL while only a release told of it
    in_force_at           timestamptz,
    renegotiation_reason  text,
    kept_at               timestamptz,
    kept_on_time          boolean,
    lapsed_terms_version  int,
    lapsed_at             timestamptz,
    lapse_count           int         NOT NULL,
    released_at           timestamptz,
    release_reason        text,
    status                text        NOT NULL
);
CREATE INDEX commitments_by_repair ON commitments (repair_id);
CREATE INDEX commitments_by_due ON commitments (due_at DESC, commitment_id DESC);

CREATE TABLE nudges (
    nudge_id             uuid        PRIMARY KEY,
    repair_id            uuid        NOT NULL,
    kind                 text        NOT NULL,
    commitment_id        uuid,
    terms_version        int,
    recipient_id         text        NOT NULL,
    recipient_department text        NOT NULL,
    channels             text[]      NOT NULL,
    sent_at              timestamptz NOT NULL
);
CREATE INDEX nudges_by_repair ON nudges (repair_id);
CREATE INDEX nudges_by_sent ON nudges (sent_at DESC, nudge_id DESC);

CREATE TABLE check_ins (
    check_in_id uuid        PRIMARY KEY,
    repair_id   uuid        NOT NULL,
    person_id   text        NOT NULL,
    department  text        NOT NULL,
    outcome     text        NOT NULL,
    comment     text,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX check_ins_by_repair ON check_ins (repair_id);
CREATE INDEX check_ins_by_recorded ON check_ins (recorded_at DESC, check_in_id DESC);

-- Every department any event named.
CREATE TABLE departments (
    slug          text        PRIMARY KEY,
    first_seen_at timestamptz NOT NULL
);

-- Rollups, kept up to date as events arrive (metrics.py defines every key).
-- Each count is stored at two grains: 'd' (day) and 'm' (month, day = its first day), so a
-- period reads whole months plus at most two partial months of days.
-- department '*' is the whole organisation.
CREATE TABLE dashboard_counts (
    metric     text   NOT NULL,
    department text   NOT NULL,
    grain      text   NOT NULL,
    day        date   NOT NULL,
    key        text   NOT NULL,
    value      bigint NOT NULL,
    PRIMARY KEY (metric, department, grain, day, key)
);

-- One row per department pair too: for the edges of a period it also keeps ISO weeks
-- ('w', day = the Monday), or an unaligned year would read ~60 days of rows per pair.
CREATE TABLE relationship_counts (
    grain        text   NOT NULL,
    day          date   NOT NULL,
    department_a text   NOT NULL,
    department_b text   NOT NULL,
    key          text   NOT NULL,
    value        bigint NOT NULL,
    PRIMARY KEY (grain, day, department_a, department_b, key)
);
CREATE INDEX relationship_counts_by_a ON relationship_counts (department_a, grain, day);
CREATE INDEX relationship_counts_by_b ON relationship_counts (department_b, grain, day);

-- A repair's follow-up facts may arrive before it is opened (another topic); its row waits.
ALTER TABLE repairs ALTER COLUMN opened_at DROP NOT NULL;
-- The latest revision as reported, whole: the incident's state for folding.
ALTER TABLE incidents ADD COLUMN facts jsonb;
-- Rollup rows are updated in place all day: room on each page keeps those updates HOT
-- (no index churn), about twice as fast here.
ALTER TABLE dashboard_counts SET (fillfactor = 70);
ALTER TABLE relationship_counts SET (fillfactor = 70);
