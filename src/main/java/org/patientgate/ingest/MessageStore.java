package org.patientgate.ingest;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The durable store of inbound messages and the dead-letter store: the port the listeners write to
 * before they acknowledge, and the processing stage and the operations API read from.
 *
 * <p>Every write method completes only once the write is durable (committed with the database's
 * synchronous commit), so a caller may acknowledge when the future completes normally.
 */
public interface MessageStore {

    /** Stores an accepted message; completes with {@link StoreOutcome#DUPLICATE} if one is already there. */
    CompletableFuture<StoreOutcome> accept(InboundMessage message);

    /** Keeps a refused message in the dead-letter store with the reason. */
    CompletableFuture<Void> refuse(InboundMessage message, String stage, String code, String reason);

    Optional<MessageRecord> find(UUID id);

    /** Tracking search; any argument may be null. Newest first. */
    List<MessageRecord> search(String sender, String controlId, MessageStatus status, int limit, int offset);

    Optional<InboundMessage> load(UUID id);

    /** Accepted messages not yet handed on (and those handed on too long ago, see the design notes). */
    List<UUID> claimForQueue(int limit, java.util.function.Consumer<List<UUID>> sendBeforeCommit);

    /**
     * Marks a queued message processed. Returns false if it already was (a redelivery), so the
     * caller has no second effect.
     */
    boolean markProcessed(UUID id);

    /**
     * Marks queued messages processed in one transaction; returns those that were not already
     * (the others are redeliveries).
     */
    java.util.Set<UUID> markProcessed(java.util.Collection<UUID> ids);

    /** Moves an accepted message to the dead-letter store after a processing failure. */
    void markFailed(UUID id, String stage, String code, String reason);

    /** Records a replay: the dead letter becomes REPLAYED, pointing at what carries on. */
    void markReplayed(UUID deadLetterId);

    /** Puts an accepted message that failed processing back in line. */
    boolean requeue(UUID id);

    /** Dead letters still open, oldest first. */
    List<UUID> openDeadLetters(int limit);

    /** Count per status, for metrics. */
    long countByStatus(MessageStatus status);
}
