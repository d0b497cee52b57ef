-- Planned changes follow-up keeps engagement ahead of (docs/followup.md, "Changes"): the
-- change as intake last described it, when it went live, which affected departments
-- agreements engaged, and the nudges sent about it (once per change, department, person, kind).
CREATE TABLE tracked_changes (
    change_id            uuid        PRIMARY KEY,
    revision             integer     NOT NULL,
    title                text        NOT NULL,
    owner_department     text        NOT NULL,
    affected_departments text[]      NOT NULL,
    planned_go_live      timestamptz NOT NULL,
    went_live_at         timestamptz
);
CREATE INDEX tracked_changes_coming ON tracked_changes (planned_go_live) WHERE went_live_at IS NULL;

CREATE TABLE change_engagements (
    change_id  uuid        NOT NULL,
    department text        NOT NULL,
    engaged_at timestamptz NOT NULL,
    PRIMARY KEY (change_id, department)
);

CREATE TABLE change_nudges (
    change_id    uuid        NOT NULL,
    department   text        NOT NULL,
    recipient_id text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('engagement_needed')),
    sent_at      timestamptz NOT NULL,
    channels     text[]      NOT NULL,
    PRIMARY KEY (change_id, department, recipient_id, kind)
);
