-- Deliveries already handled (webhook delivery ids, CloudEvents source + id), so a tool's
-- retry is answered with the first outcome before anything is parsed or mapped again.
CREATE TABLE deliveries (
    department   text        NOT NULL,
    channel      text        NOT NULL,
    delivery_id  text        NOT NULL,
    incident_id  uuid,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (department, channel, delivery_id)
);
CREATE INDEX deliveries_by_age ON deliveries (received_at);
