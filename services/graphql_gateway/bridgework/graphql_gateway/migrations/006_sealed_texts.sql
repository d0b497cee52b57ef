-- Confidential texts arrive sealed (docs/architecture.md, "Confidential fields") and are kept
-- as they come: the Sealed JSON ({"key_id", "ciphertext"}), opened only for a viewer who
-- takes part in the repair. SQL holds no key to seal what was kept in plain before, so that
-- is dropped (it reads as erased); rows that cannot stand without it go.
ALTER TABLE consents ALTER COLUMN reason TYPE jsonb USING NULL;
ALTER TABLE commitments
    ALTER COLUMN action TYPE jsonb USING NULL,
    ALTER COLUMN renegotiation_reason TYPE jsonb USING NULL,
    ALTER COLUMN release_reason TYPE jsonb USING NULL;
ALTER TABLE check_ins ALTER COLUMN comment TYPE jsonb USING NULL;
ALTER TABLE facilitation_offers ALTER COLUMN reason TYPE jsonb USING NULL;
UPDATE repairs SET imposed = jsonb_set(imposed, '{reason}', 'null')
WHERE jsonb_typeof(imposed->'reason') = 'string';
UPDATE repairs SET closed = jsonb_set(closed, '{reason}', 'null')
WHERE jsonb_typeof(closed->'reason') = 'string';
DELETE FROM proposals p WHERE EXISTS (
    SELECT 1 FROM jsonb_array_elements(p.commitments) c WHERE jsonb_typeof(c->'action') = 'string'
);
DELETE FROM conversations v WHERE EXISTS (
    SELECT 1 FROM jsonb_array_elements(v.answers) a WHERE jsonb_typeof(a->'text') = 'string'
);
