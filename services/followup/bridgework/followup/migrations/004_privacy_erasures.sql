-- People erased (PersonErased, by digest): events about them that arrive later (a replay, a
-- late partition) name them by their tombstone here too.
CREATE TABLE erased_people (
    person_digest text        PRIMARY KEY,
    tombstone     text        NOT NULL UNIQUE,
    erased_at     timestamptz NOT NULL
);
