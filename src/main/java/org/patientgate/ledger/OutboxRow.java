package org.patientgate.ledger;

import java.time.Instant;

/**
 * An outbox row as the publisher sees it.
 *
 * @param id position in the outbox (writes of one signer are sent in id order)
 * @param write the write itself
 * @param status PENDING (not sent), SENT (a transaction is out), DONE, FAILED
 * @param attempts failed tries so far
 * @param txHash the last transaction sent for it, if any
 * @param nonce that transaction's nonce
 * @param createdAt when the business change committed it
 * @param nextAttemptAt not to be tried before this (back-off after a failure)
 */
public record OutboxRow(
        long id,
        LedgerWrite write,
        String status,
        int attempts,
        String txHash,
        Long nonce,
        Instant createdAt,
        Instant nextAttemptAt) {}
