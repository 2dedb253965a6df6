-- Consent escrow: each protected report waits under the intermediate account of (institution,
-- patient) until the patient releases or rejects it (or its time runs out). Reports of patients who
-- have not enrolled yet are held here without an entry until they do.

CREATE TABLE escrow_report (
    report_id     uuid        PRIMARY KEY REFERENCES protected_report (report_id),
    institution   text        NOT NULL,            -- the hosted institution's id
    patient_ref   bytea       NOT NULL,            -- blinded hospital identifier
    patient       text,                            -- the patient's address; null while held
    leaf          bytea       UNIQUE REFERENCES escrow_entry (leaf),
    state         text        NOT NULL CHECK (state IN ('HELD', 'ESCROWED', 'AWAITING', 'DECIDING', 'EXPIRING',
                                                        'RELEASED', 'REJECTED', 'EXPIRED', 'HOLD_EXPIRED')),
    report_type   text,                            -- what the notification says: DiagnosticReport.code
    report_date   text,                            -- DiagnosticReport.effective[x] or issued, as sent
    held_until    timestamptz,                     -- HELD: when the hold ends
    created_at    timestamptz NOT NULL DEFAULT now(),
    escrowed_at   timestamptz,
    notified_at   timestamptz,
    decided_at    timestamptz,
    decided_tx    text,
    shredded      integer                          -- module halves deleted at the end (rejection, expiry)
);
CREATE INDEX escrow_report_held ON escrow_report (patient_ref) WHERE state = 'HELD';
CREATE INDEX escrow_report_hold_end ON escrow_report (held_until) WHERE state = 'HELD';
CREATE INDEX escrow_report_open ON escrow_report (state)
    WHERE state IN ('ESCROWED', 'AWAITING', 'DECIDING', 'EXPIRING');
CREATE INDEX escrow_report_patient ON escrow_report (patient, created_at DESC);

-- A patient's signed decision, accepted once per entry; the signature's hash catches a replay.
CREATE TABLE escrow_decision (
    leaf            bytea       PRIMARY KEY REFERENCES escrow_entry (leaf),
    patient         text        NOT NULL,
    release         boolean     NOT NULL,
    nonce           numeric(78) NOT NULL,
    deadline        bigint      NOT NULL,
    signature_hash  bytea       NOT NULL UNIQUE,
    outbox_id       bigint      NOT NULL REFERENCES ledger_outbox (id),
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (patient, nonce)                     -- the contract accepts each nonce of a patient once
);

-- Notifications to patients and institutions. The body says what the recipient needs to decide or
-- to know (institution, report type and date, entry, outcome), never report content.
CREATE TABLE notification (
    id          bigserial   PRIMARY KEY,
    recipient   text        NOT NULL,               -- a participant's address
    kind        text        NOT NULL,
    subject     text        NOT NULL,               -- what it is about, e.g. the entry id
    body        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    UNIQUE (recipient, kind, subject)               -- a step done again notifies once
);
CREATE INDEX notification_inbox ON notification (recipient, id DESC);
