-- The body is the incident's facts exactly as its event carries them; intake only ever writes
-- it whole and reads it whole (never queries inside it), so `json` (text, checked as JSON)
-- serves as well as `jsonb`, and costs Postgres far less per insert than parsing into jsonb.
ALTER TABLE incidents ALTER COLUMN body TYPE json USING body::json;
