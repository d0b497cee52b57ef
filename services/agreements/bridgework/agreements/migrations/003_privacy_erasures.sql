-- Erasures done (docs/privacy.md): the person by digest only, so the record names nobody; a
-- second request finds it and says "already erased". The tombstone replaced their id here.
CREATE TABLE erasures (
    person_digest  text        PRIMARY KEY,
    erasure_id     uuid        NOT NULL UNIQUE,
    tombstone      text        NOT NULL UNIQUE,
    keys_destroyed integer     NOT NULL,
    erased_at      timestamptz NOT NULL
);

-- Repairs whose data keys retention destroyed, once each (BRIDGEWORK_RETENTION_PERIOD).
CREATE TABLE expired_repairs (
    repair_id      uuid        PRIMARY KEY REFERENCES repairs (repair_id),
    keys_destroyed integer     NOT NULL,
    expired_at     timestamptz NOT NULL
);

-- Retention looks for closed repairs by closing time.
CREATE INDEX repairs_closed_at ON repairs (closed_at) WHERE closed_at IS NOT NULL;
