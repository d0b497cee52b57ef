-- Planned changes in the read model (issue 14): intake's change facts, when each went live,
-- agreements' engagement of each affected department and the change's response mode, and the
-- incidents that name a change. Read-time figures (read/domain/planned_changes.py) count
-- them: changes are few (tens a month), so no rollup is kept.
CREATE TABLE planned_changes (
    change_id            uuid PRIMARY KEY,
    revision             integer NOT NULL,
    department           text NOT NULL,   -- whose tool recorded it (part of the source key)
    owner_department     text NOT NULL,
    title                text NOT NULL,
    kind                 text NOT NULL,
    affected_departments text[] NOT NULL,
    planned_go_live      timestamptz NOT NULL,
    recorded_at          timestamptz NOT NULL,
    source_tool          text NOT NULL,
    source_reference     text NOT NULL
);
CREATE INDEX planned_changes_source ON planned_changes (source_tool, source_reference);
CREATE INDEX planned_changes_go_live ON planned_changes (planned_go_live, change_id);

-- Apart from the facts, so the earliest report wins whatever order a replay meets them in.
CREATE TABLE planned_change_go_lives (
    change_id    uuid PRIMARY KEY,
    went_live_at timestamptz NOT NULL
);

-- One row per (change, affected department) that agreements engaged; `decision` is the
-- department's latest word, on the highest version it spoke to (then the latest time).
CREATE TABLE planned_change_engagements (
    change_id         uuid NOT NULL,
    department        text NOT NULL,
    engaged_at        timestamptz,
    decision          text CHECK (decision IN ('consented', 'objected')),
    decision_version  integer,
    decided_at        timestamptz,
    PRIMARY KEY (change_id, department)
);

-- The highest version of the adjustments put to the affected departments.
CREATE TABLE planned_change_proposals (
    change_id  uuid PRIMARY KEY,
    version    integer NOT NULL
);

CREATE TABLE planned_change_modes (
    change_id     uuid PRIMARY KEY,
    response_mode text NOT NULL CHECK (response_mode IN ('with', 'to', 'for', 'not')),
    decided_at    timestamptz NOT NULL
);

-- The change an incident names, as its highest revision names it (kept before the change is
-- known: readers match by change id, or by the tool item and, when named, its department).
CREATE TABLE change_incidents (
    incident_id     uuid PRIMARY KEY,
    revision        integer NOT NULL,
    department      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    change_id       uuid,
    ref_tool        text,
    ref_reference   text,
    ref_department  text
);
CREATE INDEX change_incidents_change ON change_incidents (change_id);
CREATE INDEX change_incidents_ref ON change_incidents (ref_tool, ref_reference);
