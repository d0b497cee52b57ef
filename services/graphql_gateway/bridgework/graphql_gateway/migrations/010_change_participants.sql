-- Who takes part in each planned change's engagement (RepresentativeJoined, every role: the
-- owner's side and the affected departments' representatives), so a person finds the changes
-- they take part in (`myWork.changes`). `department` is the one they speak for there.
-- Person ids: erasure tombstones them here as in every read-model table (docs/privacy.md).
CREATE TABLE change_participants (
    change_id  uuid        NOT NULL,
    person_id  text        NOT NULL,
    department text        NOT NULL,
    role       text        NOT NULL,  -- owner or representative (the contract's EngagementRole)
    joined_at  timestamptz NOT NULL,  -- the earliest join heard of, whatever the replay order
    PRIMARY KEY (change_id, person_id, department, role)
);
CREATE INDEX change_participants_person ON change_participants (person_id);
