-- The drill-down index, one row per repair: the (metric, key, day) counts it adds to, as
-- `metric/key/day` strings under a GIN index (`metric/*/day` too: any key of the metric). Written once per changed repair instead of a
-- row per count, which cost the projection ~45 us per event (docs/metrics.md, "Drill-down").
CREATE TABLE repair_figures (
    repair_id uuid PRIMARY KEY,
    slots     text[] NOT NULL
);
CREATE INDEX repair_figures_by_slot ON repair_figures USING gin (slots);
INSERT INTO repair_figures (repair_id, slots)
    SELECT repair_id, array_agg(slot ORDER BY slot) FROM (
        SELECT repair_id, metric || '/' || key || '/' || day::text AS slot FROM figure_repairs
        UNION
        SELECT repair_id, metric || '/*/' || day::text FROM figure_repairs
    ) AS filed GROUP BY repair_id;
DROP TABLE figure_repairs;
