-- Each affected department's answer to follow-up's check-in after a change went live
-- ("is it working for you?": yes, partly or no). Follow-up takes one answer per department;
-- the earliest recorded wins here too, whatever order a replay meets them in. No texts, no people.
CREATE TABLE planned_change_check_ins (
    change_id   uuid        NOT NULL,
    department  text        NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('yes', 'partly', 'no')),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (change_id, department)
);
