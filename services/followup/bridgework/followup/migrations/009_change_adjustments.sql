-- Adjustments agreed for a planned change (agreements' AdjustmentsAgreed), which were kept,
-- and the reminders sent to the owner side's leads before one falls due ahead of go-live
-- (docs/followup.md, "Changes"). The adjustment's owner is kept by department only.
CREATE TABLE change_adjustments (
    change_id        uuid        NOT NULL,
    commitment_id    uuid        NOT NULL,
    version          integer     NOT NULL,  -- the agreed version that carries it
    terms_version    integer     NOT NULL,
    kind             text        NOT NULL,
    owner_department text        NOT NULL,
    owed_to          text[]      NOT NULL,
    due_at           timestamptz NOT NULL,
    PRIMARY KEY (change_id, commitment_id, version)
);

CREATE TABLE change_adjustments_kept (
    change_id     uuid        NOT NULL,
    commitment_id uuid        NOT NULL,
    terms_version integer     NOT NULL,
    kept_at       timestamptz NOT NULL,
    PRIMARY KEY (change_id, commitment_id, terms_version)
);

CREATE TABLE change_adjustment_reminders (
    commitment_id uuid        NOT NULL,
    terms_version integer     NOT NULL,
    recipient_id  text        NOT NULL,
    change_id     uuid        NOT NULL,
    sent_at       timestamptz NOT NULL,
    channels      text[]      NOT NULL,
    PRIMARY KEY (commitment_id, terms_version, recipient_id)
);
