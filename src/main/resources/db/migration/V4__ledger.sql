-- Ledger capability: contract deployments, the transactional outbox of ledger writes, escrow
-- entries with their Merkle proofs, and the contract-event follower's cursor and log.

-- Where the contracts live on each chain the hub has used (embedded anvil or configured).
CREATE TABLE ledger_deployment (
    chain_id     bigint      NOT NULL,
    contract     text        NOT NULL,
    address      text        NOT NULL,
    tx_hash      text,
    deployed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, contract)
);

-- Every ledger write, committed with the business change that causes it; drained in id order per
-- signing identity. dedupe_key makes the same write (same batch root, same grant) one row.
CREATE TABLE ledger_outbox (
    id              bigserial   PRIMARY KEY,
    signer          text        NOT NULL,
    kind            text        NOT NULL,
    dedupe_key      text        NOT NULL UNIQUE,
    payload         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'SENT', 'DONE', 'FAILED')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    tx_hash         text,
    nonce           bigint,
    block_number    bigint,
    block_hash      text,
    gas_used        bigint,
    recognised      boolean     NOT NULL DEFAULT false,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    done_at         timestamptz
);
CREATE INDEX ledger_outbox_open ON ledger_outbox (signer, id) WHERE status IN ('PENDING', 'SENT');
CREATE INDEX ledger_outbox_done_block ON ledger_outbox (block_number) WHERE status = 'DONE';

-- Escrow entries waiting for, or anchored in, a Merkle batch. The proof (concatenated 32-byte
-- siblings) lets anyone later show the entry was anchored under the batch root.
CREATE TABLE escrow_entry (
    seq             bigserial   NOT NULL UNIQUE,
    leaf            bytea       PRIMARY KEY,
    signer          text        NOT NULL,
    patient         text        NOT NULL,
    institution     text        NOT NULL,
    report_id       bytea       NOT NULL,
    content_hash    bytea       NOT NULL,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    batch_root      bytea,
    batch_index     integer,
    proof           bytea,
    decision        text        NOT NULL DEFAULT 'PENDING'
                    CHECK (decision IN ('PENDING', 'RELEASED', 'REJECTED', 'EXPIRED')),
    decided_tx      text
);
CREATE INDEX escrow_entry_queued ON escrow_entry (signer, seq) WHERE batch_root IS NULL;
CREATE INDEX escrow_entry_batch ON escrow_entry (batch_root);

-- Merkle batches (escrow and audit) and the outbox row that anchors each.
CREATE TABLE ledger_batch (
    root        bytea       PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('ESCROW', 'AUDIT')),
    signer      text        NOT NULL,
    entries     integer     NOT NULL,
    expires_at  timestamptz,
    outbox_id   bigint      NOT NULL REFERENCES ledger_outbox (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The event follower's position: the last block whose events the hub has taken in.
CREATE TABLE ledger_cursor (
    name         text        PRIMARY KEY,
    block_number bigint      NOT NULL,
    block_hash   text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Contract events read back from the chain (releases, rejections, expiries, grants, revocations).
CREATE TABLE ledger_event (
    id           bigserial   PRIMARY KEY,
    block_number bigint      NOT NULL,
    log_index    integer     NOT NULL,
    tx_hash      text        NOT NULL,
    contract     text        NOT NULL,
    name         text        NOT NULL,
    subject      bytea,
    data         jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tx_hash, log_index)
);
