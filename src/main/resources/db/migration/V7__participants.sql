-- Participant capability: registered patients and nodes, sign-in challenges and sessions, and
-- one-time enrolment codes linking blinded hospital identifiers to patients. Challenges, session
-- tokens and codes are kept only as SHA-256 hashes; identifiers only in blinded form (HMAC).

CREATE TABLE participant (
    address         text        PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
    role            text        NOT NULL CHECK (role IN ('PATIENT', 'NODE')),
    encryption_key  bytea       NOT NULL CHECK (octet_length(encryption_key) = 32),
    name            text,
    registered_at   timestamptz NOT NULL DEFAULT now()
);

-- A challenge is answered once, within its lifetime, by the address it was issued to.
CREATE TABLE auth_challenge (
    challenge_hash  bytea       PRIMARY KEY,
    address         text        NOT NULL REFERENCES participant (address),
    expires_at      timestamptz NOT NULL,
    used            boolean     NOT NULL DEFAULT false
);
CREATE INDEX auth_challenge_expires ON auth_challenge (expires_at);

-- token_hash is the SHA-256 of the bearer token's 32 bytes; the token itself is never stored.
CREATE TABLE participant_session (
    token_hash      bytea       PRIMARY KEY,
    address         text        NOT NULL REFERENCES participant (address),
    role            text        NOT NULL CHECK (role IN ('PATIENT', 'NODE')),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX participant_session_expires ON participant_session (expires_at);

CREATE TABLE enrolment_code (
    code_hash       bytea       PRIMARY KEY,
    identifier_hash bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    used_by         text        REFERENCES participant (address)
);

-- One patient per blinded identifier; a patient may have several (one per hospital).
CREATE TABLE patient_identifier (
    identifier_hash bytea       PRIMARY KEY,
    patient         text        NOT NULL REFERENCES participant (address),
    linked_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_identifier_patient ON patient_identifier (patient);
