-- Offers to facilitate a repair and their answers (FacilitationOffered, FacilitationOfferAnswered),
-- so a repair shows who waits for approval. One row per offer; `decision` is NULL while it waits.
CREATE TABLE facilitation_offers (
    repair_id   uuid        NOT NULL,
    person_id   text        NOT NULL,
    offered_at  timestamptz NOT NULL,
    department  text        NOT NULL,
    decision    text,
    answered_by text,
    reason      text,
    answered_at timestamptz,
    PRIMARY KEY (repair_id, person_id, offered_at)
);
