-- Patients' webhooks: each of a patient's notifications is POSTed, signed, to every URL the patient's
-- app registered. The HMAC secret is sealed at rest (AtRestCipher, bound to the webhook's id).

CREATE TABLE webhook (
    id                  uuid        PRIMARY KEY,
    patient             text        NOT NULL,      -- the patient's address
    url                 text        NOT NULL,
    secret              bytea       NOT NULL,      -- sealed; never in clear
    after_notification  bigint      NOT NULL,      -- highest notification id at registration: later ones only
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_patient ON webhook (patient, created_at);

-- One notification to one webhook. PENDING: waiting for (or in) its next attempt; DELIVERED: a 2xx;
-- DEAD: dead-lettered after the last attempt allowed. last_error is a status code or an exception
-- class, never what the receiver answered.
CREATE TABLE webhook_delivery (
    id               bigserial   PRIMARY KEY,
    webhook_id       uuid        NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    notification_id  bigint      NOT NULL REFERENCES notification (id),
    status           text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,                  -- PENDING: when it is due (an attempt in progress: its lease)
    last_attempt_at  timestamptz,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, notification_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_delivery_list ON webhook_delivery (webhook_id, id DESC);
CREATE INDEX webhook_delivery_notification ON webhook_delivery (notification_id);

-- How far the periodic scan has fanned the notifications out (the live topic brings most at once).
CREATE TABLE webhook_scan (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_notification  bigint  NOT NULL
);
INSERT INTO webhook_scan (only_row, last_notification) SELECT true, coalesce(max(id), 0) FROM notification;
