-- After a change goes live, each affected department is asked "is it working for you?"
-- (docs/followup.md, "Changes"): one check-in per (change, department, lead), each with its
-- own signed link; the department answers once, whichever of its leads answers first.
CREATE TABLE change_check_ins (
    check_in_id  uuid        PRIMARY KEY,
    change_id    uuid        NOT NULL,
    department   text        NOT NULL,
    person_id    text        NOT NULL,  -- the lead asked (erased like every person id)
    asked_at     timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    channels     text[]      NOT NULL,
    status       text        NOT NULL DEFAULT 'asked'
                 CHECK (status IN ('asked', 'answered')),
    outcome      text        CHECK (outcome IN ('yes', 'partly', 'no')),
    comment      jsonb,                 -- Sealed with (the lead, the change)
    answered_at  timestamptz,
    UNIQUE (change_id, department, person_id)
);
-- The department's answer is taken once: a second lead answering at the same time fails here.
CREATE UNIQUE INDEX change_check_ins_one_answer ON change_check_ins (change_id, department)
    WHERE status = 'answered';
CREATE INDEX tracked_changes_live ON tracked_changes (went_live_at) WHERE went_live_at IS NOT NULL;
