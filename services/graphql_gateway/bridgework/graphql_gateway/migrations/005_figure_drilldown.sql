-- The drill-down index: for every count a repair adds to the rollups, the repair itself, so
-- "the repairs behind a figure" are read by the same rule that made the figure
-- (projection/domain/contributions.py, figure_slots). Kept by the same diff as the rollups.
CREATE TABLE figure_repairs (
    metric    text NOT NULL,
    key       text NOT NULL,
    day       date NOT NULL,
    repair_id uuid NOT NULL,
    PRIMARY KEY (metric, key, day, repair_id)
);
