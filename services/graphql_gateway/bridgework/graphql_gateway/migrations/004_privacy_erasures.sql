-- People erased (PersonErased, by digest): every person ref is mapped through this table when
-- it is folded, so a replay ends the same whether it meets the erasure before or after.
CREATE TABLE erased_people (
    person_digest text        PRIMARY KEY,
    tombstone     text        NOT NULL UNIQUE,
    erased_at     timestamptz NOT NULL
);
