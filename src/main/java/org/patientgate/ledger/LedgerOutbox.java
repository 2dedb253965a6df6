package org.patientgate.ledger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The transactional outbox every ledger write goes through: a business change enqueues its write on
 * its own database connection, in its own transaction, and the publisher sends it to the chain
 * later, in order per signing identity. A chain outage delays writes; it never loses one.
 */
public interface LedgerOutbox {

    /** Enqueues on the caller's connection (commits with the caller); returns the row id. */
    long enqueue(Connection c, LedgerWrite write) throws SQLException;

    /** Enqueues in a transaction of its own. */
    long enqueue(LedgerWrite write);

    List<String> signersWithOpenWrites();

    /** The signer's PENDING and SENT rows in order. */
    List<OutboxRow> open(String signer, int limit);

    void markSent(long id, String txHash, long nonce);

    void markDone(long id, String txHash, Long blockNumber, String blockHash, Long gasUsed, boolean recognised);

    void retryLater(long id, String error, Duration delay, boolean countAttempt);

    void markFailed(long id, String error);

    /** Drops the row's last transaction (it reverted on chain: the next try is a new transaction). */
    void forgetTransaction(long id);

    /**
     * Runs {@code work} holding the signer's publishing lock (shared by every hub replica on the same
     * database); empty if another replica holds it.
     */
    <T> Optional<T> withSignerLock(String signer, java.util.function.Supplier<T> work);

    /** Re-opens writes recorded in blocks above {@code headBlock} (a chain that lost blocks). */
    int reopenAbove(long headBlock);

    /** Block number to block hash of the blocks DONE writes were recorded in, from {@code fromBlock} on. */
    java.util.Map<Long, String> doneBlocks(long fromBlock);

    /** Re-opens the writes recorded in this block (the chain now has a different block there). */
    int reopenBlock(long blockNumber);

    /** Re-opens every write (a new chain: the contracts were deployed again). */
    int reopenAll();

    /** Puts a FAILED write back in the queue (an engineer fixed the cause). */
    int retryFailed(long id);

    Depth depth();

    Optional<Written> find(String dedupeKey);

    Optional<Written> find(long id);

    /**
     * @param open PENDING and SENT rows
     * @param oldestOpen when the oldest of them was committed
     * @param failed rows parked as FAILED
     * @param done rows the chain has
     */
    record Depth(long open, Optional<Instant> oldestOpen, long failed, long done) {}

    /** Where a write stands. */
    record Written(long id, String status, String txHash, Long blockNumber) {}
}
