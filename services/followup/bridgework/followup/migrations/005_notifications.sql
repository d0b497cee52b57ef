-- Notifications beside the nudges (docs/followup.md, "Notifications"): consent asked of each
-- participant for one version of an agreement, and repairs that wait for a facilitator.

-- Consent a version waits for, per person: told once, and not at all once they answered or
-- a later version superseded it (checked again when the message is written).
CREATE TABLE consent_requests (
    repair_id    uuid    NOT NULL,
    agreement_id uuid    NOT NULL,
    version      integer NOT NULL,
    person_id    text    NOT NULL,
    department   text    NOT NULL,
    status       text    NOT NULL DEFAULT 'awaiting'
                 CHECK (status IN ('awaiting', 'answered', 'superseded', 'settled')),
    PRIMARY KEY (repair_id, version, person_id)
);

-- When a facilitator joined or offered: from then on nobody is asked to find one.
ALTER TABLE tracked_repairs ADD COLUMN facilitator_found_at timestamptz;

-- Who is told that a repair waits for a facilitator: leads of its departments and the change
-- team, as their contacts say (`department` is the person's own). And each webhook's format.
ALTER TABLE contacts
    ADD COLUMN department     text,
    ADD COLUMN roles          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN webhook_format text   NOT NULL DEFAULT 'slack';
CREATE INDEX contacts_with_roles ON contacts (person_id) WHERE roles <> '{}';
ALTER TABLE department_webhooks ADD COLUMN format text NOT NULL DEFAULT 'slack';
