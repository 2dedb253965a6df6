package org.patientgate.ledger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Escrow entries on their way to the ledger: an entry is queued with the business change that
 * creates it, gathered into a Merkle batch (by size or maximum wait), and the batch root anchored
 * by one transaction through the outbox. Each entry keeps its proof, so any party can later show it
 * was anchored.
 */
public interface EscrowAnchoring {

    /** Queues the entry for the next batch on the caller's connection (same transaction). */
    void enqueue(Connection c, EscrowEntry entry) throws SQLException;

    /** Queues several entries on the caller's connection (same transaction), in one round trip. */
    void enqueueAll(Connection c, List<EscrowEntry> entries) throws SQLException;

    /** Queues entries in a transaction of their own. */
    void enqueue(List<EscrowEntry> entries);

    /** Where an entry stands: queued, or in a batch with its proof and the anchoring write. */
    Optional<AnchoredEntry> find(byte[] leaf);

    /**
     * @param leaf the entry's leaf hash (its id on the ledger)
     * @param entry the entry's fields
     * @param queuedAt when it was queued
     * @param batchRoot the Merkle root of its batch, if batched
     * @param index its position in the batch
     * @param batchSize entries in the batch
     * @param proof the sibling hashes from the leaf to the root
     * @param expiresAt when the patient's time to decide ends (the batch's expiry)
     * @param anchor the write that anchors the batch (status, transaction, block)
     * @param decision PENDING, RELEASED, REJECTED or EXPIRED, as read back from the chain
     */
    record AnchoredEntry(
            byte[] leaf,
            EscrowEntry entry,
            Instant queuedAt,
            byte[] batchRoot,
            Integer index,
            Integer batchSize,
            List<byte[]> proof,
            Instant expiresAt,
            Optional<LedgerOutbox.Written> anchor,
            String decision) {}
}
