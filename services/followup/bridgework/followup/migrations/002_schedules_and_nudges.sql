-- Follow-up's durable schedule: commitments as follow-up knows them, timers, nudges, deliveries,
-- check-ins, department policies and people's contact details (the only place these live).

ALTER TABLE tracked_repairs
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN check_ins_due_from timestamptz;

-- Who takes part in a repair, by role (facilitators get support offers, the affected check-ins).
CREATE TABLE participants (
    repair_id  uuid NOT NULL,
    person_id  text NOT NULL,
    department text NOT NULL,
    role       text NOT NULL,
    PRIMARY KEY (repair_id, person_id, role)
);

-- Each commitment's terms in force and where it stands for follow-up.
CREATE TABLE commitments (
    commitment_id    uuid        PRIMARY KEY,
    repair_id        uuid        NOT NULL,
    agreement_id     uuid,
    terms_version    integer     NOT NULL,
    owner_id         text        NOT NULL,
    owner_department text        NOT NULL,
    owed_to          jsonb       NOT NULL,
    action           text        NOT NULL,
    due_at           timestamptz NOT NULL,
    status           text        NOT NULL CHECK (status IN ('open', 'kept', 'released', 'withdrawn')),
    lapse_count      integer     NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX commitments_by_repair ON commitments (repair_id);

-- Durable timers. `key` says what a timer is for (kind, commitment, terms version, recipient,
-- repeat) and is unique, so a replayed event or a second replica never schedules one twice.
CREATE TABLE timers (
    id                   bigserial   PRIMARY KEY,
    key                  text        NOT NULL UNIQUE,
    kind                 text        NOT NULL,
    repair_id            uuid        NOT NULL,
    commitment_id        uuid,
    terms_version        integer,
    recipient_id         text        NOT NULL,
    recipient_department text        NOT NULL,
    sequence             integer     NOT NULL DEFAULT 0,
    fire_at              timestamptz NOT NULL,
    status               text        NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'fired', 'skipped', 'cancelled')),
    outcome              text,
    created_at           timestamptz NOT NULL,
    settled_at           timestamptz
);
CREATE INDEX timers_due ON timers (fire_at) WHERE status = 'pending';
CREATE INDEX timers_by_commitment ON timers (commitment_id) WHERE status = 'pending';
CREATE INDEX timers_by_repair ON timers (repair_id);

-- Messages that went out; one per timer and recipient.
CREATE TABLE nudges (
    nudge_id             uuid        PRIMARY KEY,
    timer_id             bigint      NOT NULL REFERENCES timers (id),
    kind                 text        NOT NULL,
    repair_id            uuid        NOT NULL,
    commitment_id        uuid,
    terms_version        integer,
    recipient_id         text        NOT NULL,
    recipient_department text        NOT NULL,
    about_person_id      text,
    channels             text[]      NOT NULL,
    check_in_id          uuid,
    sent_at              timestamptz NOT NULL,
    UNIQUE (timer_id, recipient_id)
);
CREATE INDEX nudges_by_repair ON nudges (repair_id);

-- Delivery of a nudge over one channel; retried with backoff on the wall clock, never blocking
-- other nudges. Holds no address or text: both are resolved when sending, so an erased contact
-- is never written to a log or a retry.
CREATE TABLE deliveries (
    id              bigserial   PRIMARY KEY,
    nudge_id        uuid        NOT NULL REFERENCES nudges (nudge_id),
    channel         text        NOT NULL CHECK (channel IN ('email', 'webhook')),
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    leased_until    timestamptz,
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (nudge_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

-- A check-in asked of one affected person, answered once through a signed link.
CREATE TABLE check_ins (
    check_in_id  uuid        PRIMARY KEY,
    repair_id    uuid        NOT NULL,
    person_id    text        NOT NULL,
    department   text        NOT NULL,
    asked_at     timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    status       text        NOT NULL DEFAULT 'asked'
                 CHECK (status IN ('asked', 'answered', 'withdrawn')),
    outcome      text,
    comment      text,
    answered_at  timestamptz
);
CREATE INDEX check_ins_by_repair ON check_ins (repair_id);

-- Per-department overrides of the nudge policy (only the fields a department set).
CREATE TABLE department_policies (
    department text        PRIMARY KEY,
    overrides  jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);

-- A department's incoming webhook (Slack-compatible JSON) and the kinds of nudge it receives.
CREATE TABLE department_webhooks (
    department text        PRIMARY KEY,
    url        text        NOT NULL,
    kinds      text[]      NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Contact details: person id -> e-mail, display name and, optionally, an incoming webhook into
-- a channel of their own. Erased on request (DELETE removes the row).
CREATE TABLE contacts (
    person_id    text        PRIMARY KEY,
    email        text,
    display_name text        NOT NULL,
    webhook_url  text,
    updated_at   timestamptz NOT NULL
);

-- The demo's shift of time (only used when time travel is enabled), shared by replicas.
CREATE TABLE clock_offset (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seconds   double precision NOT NULL
);
