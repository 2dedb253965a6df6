-- Inbound messages: the durable store every accepted HL7 v2 or FHIR message is written to before it
-- is acknowledged, and the dead-letter store for everything refused or failed (accepted = false, or
-- status DEAD_LETTER). See docs/DESIGN-NOTES.md, "Durable acknowledgment".
CREATE TABLE inbound_message (
    id                  uuid PRIMARY KEY,
    seq                 bigserial NOT NULL,
    source              text NOT NULL,          -- HL7V2_MLLP | FHIR_REST | FHIR_POLL
    channel             text NOT NULL,          -- the listener or FHIR channel that took it
    sender_application  text NOT NULL,
    sender_facility     text NOT NULL,
    control_id          text NOT NULL,          -- MSH-10, or the FHIR resource identity
    message_type        text NOT NULL,
    version             text NOT NULL,
    charset             text NOT NULL,
    content_type        text NOT NULL,
    payload             bytea NOT NULL,         -- bytes as received
    accepted            boolean NOT NULL,       -- false: refused at the door, never acknowledged AA/CA
    status              text NOT NULL,          -- RECEIVED | QUEUED | PROCESSED | DEAD_LETTER | REPLAYED
    failure_stage       text,
    failure_code        text,
    failure_reason      text,
    received_at         timestamptz NOT NULL,
    queued_at           timestamptz,
    processed_at        timestamptz,
    dead_lettered_at    timestamptz,
    replayed_at         timestamptz,
    replay_of           uuid REFERENCES inbound_message (id),
    delivery_count      integer NOT NULL DEFAULT 0
);

-- One accepted message per sender and control id: a resend is acknowledged but has no second effect.
CREATE UNIQUE INDEX inbound_message_dedupe
    ON inbound_message (sender_application, sender_facility, control_id) WHERE accepted;

CREATE INDEX inbound_message_outbox ON inbound_message (seq) WHERE status IN ('RECEIVED', 'QUEUED');
CREATE INDEX inbound_message_dead ON inbound_message (seq) WHERE status = 'DEAD_LETTER';
CREATE INDEX inbound_message_lookup ON inbound_message (control_id, sender_application);
