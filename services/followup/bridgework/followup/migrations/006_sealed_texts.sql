-- Confidential texts arrive sealed (docs/architecture.md, "Confidential fields"): a
-- commitment's action and a check-in's comment are kept as the Sealed JSON
-- ({"key_id", "ciphertext"}), opened only to write a message. SQL holds no key to seal what
-- was kept in plain before, so that is dropped: it reads as erased.
ALTER TABLE commitments ALTER COLUMN action DROP NOT NULL;
ALTER TABLE commitments ALTER COLUMN action TYPE jsonb USING NULL;
ALTER TABLE check_ins ALTER COLUMN comment TYPE jsonb USING NULL;
