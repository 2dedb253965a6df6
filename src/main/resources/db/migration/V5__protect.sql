-- Privacy module: protected reports, the module's halves of their data keys (one per sub-key slot,
-- wrapped under the key-encryption key), sealed sub-key packets, node deliveries, ciphertext blobs
-- and the audit of every decrypt and key-management attempt. No plaintext and no unwrapped key is
-- ever stored. See docs/DESIGN-NOTES.md, "Privacy module".

-- Ciphertexts, content-addressed by their SHA-256.
CREATE TABLE protect_blob (
    hash        bytea       PRIMARY KEY,
    content     bytea       NOT NULL,
    size        integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE protected_report (
    report_id     uuid        PRIMARY KEY,
    message_id    uuid        UNIQUE,            -- the inbound message it came from, if any
    institution   text        NOT NULL,
    patient_ref   bytea       NOT NULL,          -- blinded hospital identifier (keyed hash)
    patient       text,                          -- the patient's address once enrolled
    content_hash  bytea       NOT NULL,          -- SHA-256 of the plaintext, bound into the AAD
    blob_hash     bytea       NOT NULL REFERENCES protect_blob (hash),
    nonce         bytea       NOT NULL,
    state         text        NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'SHREDDED')),
    protected_at  timestamptz NOT NULL,
    shredded_at   timestamptz
);
CREATE INDEX protected_report_patient ON protected_report (patient, protected_at DESC);
CREATE INDEX protected_report_pending ON protected_report (patient_ref) WHERE patient IS NULL;

-- One row per (report, slot): the wrapped module half m_i = K xor s_i, deleted on revocation.
CREATE TABLE subkey_slot (
    report_id     uuid        NOT NULL REFERENCES protected_report (report_id),
    slot          integer     NOT NULL,
    state         text        NOT NULL CHECK (state IN ('PATIENT', 'SPARE', 'ALLOCATED', 'REVOKED', 'SHREDDED')),
    holder        text,
    module_half   bytea,
    kek_version   integer,
    allocated_at  timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (report_id, slot),
    CHECK ((module_half IS NULL) = (state IN ('REVOKED', 'SHREDDED')))
);
CREATE INDEX subkey_slot_kek ON subkey_slot (kek_version) WHERE module_half IS NOT NULL;

-- Sub-key strings sealed (HPKE) to a patient, or to the sending institution until the patient enrols.
CREATE TABLE subkey_packet (
    id          bigserial   PRIMARY KEY,
    report_id   uuid        NOT NULL REFERENCES protected_report (report_id),
    recipient   text        NOT NULL,
    sealed      bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subkey_packet_report ON subkey_packet (report_id, recipient);

-- A slot allocated to a node, with the sub-key string the patient re-sealed to that node.
CREATE TABLE subkey_delivery (
    report_id     uuid        NOT NULL,
    slot          integer     NOT NULL,
    node          text        NOT NULL,
    sealed        bytea       NOT NULL,
    allocated_at  timestamptz NOT NULL,
    PRIMARY KEY (report_id, slot),
    FOREIGN KEY (report_id, slot) REFERENCES subkey_slot (report_id, slot)
);
CREATE INDEX subkey_delivery_node ON subkey_delivery (node, allocated_at);

-- Every decrypt and key-management attempt, granted or denied (reason code, never content).
CREATE TABLE protect_audit (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL,
    action      text        NOT NULL,
    caller      text,
    report_id   uuid,
    slot        integer,
    outcome     text        NOT NULL CHECK (outcome IN ('GRANTED', 'DENIED')),
    reason      text
);
CREATE INDEX protect_audit_report ON protect_audit (report_id, id);
