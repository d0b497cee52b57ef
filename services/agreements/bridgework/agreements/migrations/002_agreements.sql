-- Repairs carry their whole workflow: participants, agreement and its versions, consents,
-- commitments, check-ins and closure. A repair is one aggregate, changed under a row lock and
-- written whole (`workflow`, a jsonb document of domain.py's state); the columns beside it
-- serve the lookups that span repairs (lists, recurrence, the repair of an incident).

ALTER TABLE incidents ADD COLUMN revision integer NOT NULL DEFAULT 1;

ALTER TABLE repairs
    ADD COLUMN category         text,
    ADD COLUMN agreement_due_by timestamptz,
    ADD COLUMN recurrence_of    uuid[]      NOT NULL DEFAULT '{}',
    -- Fixed by the facts so far (reached, imposed, closed); `not` for an overdue agreement is
    -- derived when read, because it depends on the clock.
    ADD COLUMN response_mode    text,
    ADD COLUMN closed_at        timestamptz,
    ADD COLUMN merged_into      uuid REFERENCES repairs (repair_id),
    ADD COLUMN workflow         jsonb       NOT NULL DEFAULT '{}'::jsonb;

-- Repairs opened before this migration: their category is their incident's, and the
-- agreement window was the default 14 days.
UPDATE repairs r
SET category = i.category
FROM repair_incidents ri
JOIN incidents i USING (incident_id)
WHERE ri.repair_id = r.repair_id;
UPDATE repairs SET category = 'other' WHERE category IS NULL;
UPDATE repairs SET agreement_due_by = opened_at + interval '14 days';

ALTER TABLE repairs
    ALTER COLUMN category SET NOT NULL,
    ALTER COLUMN agreement_due_by SET NOT NULL;

CREATE INDEX repairs_newest_first ON repairs (opened_at DESC, repair_id DESC);

-- Recurrence looks up the newest repairs of one category between one pair of departments;
-- category and opened_at are copied here so that lookup is one index range.
ALTER TABLE repair_relationships
    ADD COLUMN category  text,
    ADD COLUMN opened_at timestamptz;

UPDATE repair_relationships rr
SET category = r.category, opened_at = r.opened_at
FROM repairs r
WHERE r.repair_id = rr.repair_id;

ALTER TABLE repair_relationships
    ALTER COLUMN category SET NOT NULL,
    ALTER COLUMN opened_at SET NOT NULL;

CREATE INDEX repair_relationships_same_matter
    ON repair_relationships (department_a, department_b, category, opened_at DESC);

-- The restorative conversation, kept apart from the workflow so the repair's summary never
-- loads it: confidential to the repair's participants and facilitator, erasable on request.
CREATE TABLE conversation_records (
    record_id    bigserial   PRIMARY KEY,
    repair_id    uuid        NOT NULL REFERENCES repairs (repair_id),
    person_id    text        NOT NULL,
    department   text        NOT NULL,
    role         text        NOT NULL,
    answers      jsonb       NOT NULL,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);

CREATE INDEX conversation_records_of_repair ON conversation_records (repair_id, record_id);
