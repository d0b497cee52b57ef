-- A source item changes over time: intake keeps its latest facts, their revision, and the
-- tool's own last-change time (to recognise a retry that arrives after a newer change).
ALTER TABLE incidents
    ADD COLUMN revision          integer     NOT NULL DEFAULT 1,
    ADD COLUMN source_updated_at timestamptz,
    ADD COLUMN updated_at        timestamptz;
