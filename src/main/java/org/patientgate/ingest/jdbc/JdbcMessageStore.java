package org.patientgate.ingest.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.patientgate.ingest.InboundMessage;
import org.patientgate.ingest.MessageRecord;
import org.patientgate.ingest.MessageStatus;
import org.patientgate.ingest.MessageStore;
import org.patientgate.ingest.StoreOutcome;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL message store with group commit.
 *
 * <p>Listener threads hand their writes to one writer thread and wait. The writer takes everything
 * queued, inserts it in one transaction and commits once (PostgreSQL's synchronous commit: the WAL
 * is flushed before COMMIT returns), then completes every waiting future. Under load, one disk flush
 * thus covers many messages, and no acknowledgment leaves before its own row is on disk. Duplicates
 * are found by the partial unique index on (sender application, facility, control id) of accepted
 * rows: {@code ON CONFLICT DO NOTHING} reports 0 rows for them.
 *
 * <p>If a batch fails as a whole (one row the database refuses), each write is retried in its own
 * transaction so that one bad message cannot fail the others.
 *
 * <p>The payload is stored sealed ({@link AtRestCipher}, bound to the message id's 16 bytes): the
 * listener thread seals it before handing the write on, so the single writer thread does no
 * cryptography, and every read opens it (rows from before encryption at rest read as they are).
 */
public final class JdbcMessageStore implements MessageStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JdbcMessageStore.class);

    private static final String INSERT = "INSERT INTO inbound_message (id, source, channel, sender_application,"
            + " sender_facility, control_id, message_type, version, charset, content_type, payload, accepted, status,"
            + " failure_stage, failure_code, failure_reason, received_at, dead_lettered_at, replay_of)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (sender_application, sender_facility, control_id) WHERE accepted DO NOTHING";

    private static final String COLUMNS = "id, source, channel, sender_application, sender_facility, control_id,"
            + " message_type, version, accepted, status, failure_stage, failure_code, failure_reason, received_at,"
            + " queued_at, processed_at, dead_lettered_at, replayed_at, replay_of, delivery_count";

    /** The sealed column, for sealing rows written in clear before encryption at rest. */
    public static final JdbcLegacySealer.Column SEALED_PAYLOAD =
            new JdbcLegacySealer.Column("inbound_message", "id", "payload", "seq");

    private final DataSource dataSource;
    private final AtRestCipher cipher;
    private final BlockingQueue<PendingWrite> pending;
    private final int maxBatch;
    private final Duration requeueAfter;
    private final Thread writer;
    private volatile boolean running = true;
    private final Runnable afterCommit;

    private record PendingWrite(
            InboundMessage message,
            byte[] sealedPayload,
            boolean accepted,
            String stage,
            String code,
            String reason,
            CompletableFuture<StoreOutcome> done) {}

    /**
     * @param dataSource the hub database
     * @param cipher seals payloads at rest
     * @param maxBatch most rows one commit carries
     * @param queueCapacity most writes waiting; beyond it callers get an immediate failure (AR 207)
     * @param requeueAfter how long a queued message may stay unprocessed before it is handed on again
     * @param afterCommit called after each commit that stored accepted rows (wakes the relay)
     */
    public JdbcMessageStore(
            DataSource dataSource,
            AtRestCipher cipher,
            int maxBatch,
            int queueCapacity,
            Duration requeueAfter,
            Runnable afterCommit) {
        this.dataSource = dataSource;
        this.cipher = cipher;
        this.maxBatch = maxBatch;
        this.pending = new ArrayBlockingQueue<>(queueCapacity);
        this.requeueAfter = requeueAfter;
        this.afterCommit = afterCommit;
        this.writer = new Thread(this::writeLoop, "message-store-group-commit");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public CompletableFuture<StoreOutcome> accept(InboundMessage message) {
        return enqueue(message, true, null, null, null);
    }

    @Override
    public CompletableFuture<Void> refuse(InboundMessage message, String stage, String code, String reason) {
        return enqueue(message, false, stage, code, reason).thenApply(outcome -> null);
    }

    private CompletableFuture<StoreOutcome> enqueue(
            InboundMessage message, boolean accepted, String stage, String code, String reason) {
        byte[] sealed;
        try {
            // In the caller's thread: the listeners seal in parallel, the writer only writes.
            sealed = cipher.seal(message.payload(), aad(message.id()));
        } catch (RuntimeException e) {
            log.error(
                    "Sealing message {} for storage failed: {}",
                    message.id(),
                    e.getClass().getSimpleName());
            return CompletableFuture.failedFuture(new StoreUnavailableException("message could not be sealed"));
        }
        return enqueue(new PendingWrite(message, sealed, accepted, stage, code, reason, new CompletableFuture<>()));
    }

    private CompletableFuture<StoreOutcome> enqueue(PendingWrite write) {
        if (!running || !pending.offer(write)) {
            write.done()
                    .completeExceptionally(new StoreUnavailableException(
                            running ? "message store write queue is full" : "message store is shutting down"));
        }
        return write.done();
    }

    /** The store could not take a write; the listener answers AR 207 so the sender retries. */
    public static final class StoreUnavailableException extends RuntimeException {
        public StoreUnavailableException(String message) {
            super(message);
        }
    }

    private void writeLoop() {
        List<PendingWrite> batch = new ArrayList<>(maxBatch);
        while (running || !pending.isEmpty()) {
            try {
                PendingWrite first = pending.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                pending.drainTo(batch, maxBatch - 1);
                writeBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.error("Group commit writer failed a batch of {}", batch.size(), e);
                batch.forEach(w -> w.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
        PendingWrite left;
        while ((left = pending.poll()) != null) {
            left.done().completeExceptionally(new StoreUnavailableException("message store is shutting down"));
        }
    }

    private void writeBatch(List<PendingWrite> batch) {
        int[] counts;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (PendingWrite w : batch) {
                    bind(ps, w);
                    ps.addBatch();
                }
                counts = ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException batchFailure) {
            if (batch.size() == 1) {
                batch.get(0)
                        .done()
                        .completeExceptionally(
                                new StoreUnavailableException("database write failed: " + batchFailure.getSQLState()));
                log.warn("Message store write failed (SQL state {})", batchFailure.getSQLState());
                return;
            }
            for (PendingWrite w : batch) {
                writeBatch(List.of(w));
            }
            return;
        }
        boolean storedAccepted = false;
        for (int i = 0; i < batch.size(); i++) {
            PendingWrite w = batch.get(i);
            boolean inserted = counts[i] != 0; // SUCCESS_NO_INFO (-2) counts as inserted
            if (w.accepted() && inserted) {
                storedAccepted = true;
            }
            w.done().complete(inserted ? StoreOutcome.STORED : StoreOutcome.DUPLICATE);
        }
        if (storedAccepted && afterCommit != null) {
            afterCommit.run();
        }
    }

    /** The associated data a payload is sealed with: the message id's 16 bytes. */
    static byte[] aad(UUID id) {
        return java.nio.ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }

    private static void bind(PreparedStatement ps, PendingWrite w) throws SQLException {
        InboundMessage m = w.message();
        ps.setObject(1, m.id());
        ps.setString(2, m.source().name());
        ps.setString(3, m.channel());
        ps.setString(4, clean(m.senderApplication()));
        ps.setString(5, clean(m.senderFacility()));
        ps.setString(6, clean(m.controlId()));
        ps.setString(7, clean(m.messageType()));
        ps.setString(8, clean(m.version()));
        ps.setString(9, m.charset());
        ps.setString(10, m.contentType());
        ps.setBytes(11, w.sealedPayload());
        ps.setBoolean(12, w.accepted());
        ps.setString(13, w.accepted() ? MessageStatus.RECEIVED.name() : MessageStatus.DEAD_LETTER.name());
        ps.setString(14, w.stage());
        ps.setString(15, w.code());
        ps.setString(16, w.reason() == null ? null : clean(w.reason()));
        Timestamp received = Timestamp.from(m.receivedAt());
        ps.setTimestamp(17, received);
        ps.setTimestamp(18, w.accepted() ? null : received);
        ps.setObject(19, m.replayOf());
    }

    /** PostgreSQL text cannot hold NUL; header values are codes, so NUL is replaced rather than refused. */
    private static String clean(String s) {
        return s == null ? "" : s.indexOf('\0') >= 0 ? s.replace('\0', '?') : s;
    }

    @Override
    public Optional<MessageRecord> find(UUID id) {
        return query("SELECT " + COLUMNS + " FROM inbound_message WHERE id = ?", ps -> ps.setObject(1, id)).stream()
                .findFirst();
    }

    @Override
    public List<MessageRecord> search(String sender, String controlId, MessageStatus status, int limit, int offset) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM inbound_message WHERE true");
        List<Object> args = new ArrayList<>();
        if (sender != null && !sender.isBlank()) {
            sql.append(" AND (sender_application = ? OR split_part(sender_application, '^', 1) = ?)");
            args.add(sender);
            args.add(sender);
        }
        if (controlId != null && !controlId.isBlank()) {
            sql.append(" AND control_id = ?");
            args.add(controlId);
        }
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(status.name());
        }
        sql.append(" ORDER BY seq DESC LIMIT ? OFFSET ?");
        args.add(limit);
        args.add(offset);
        return query(sql.toString(), ps -> {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
        });
    }

    @Override
    public Optional<InboundMessage> load(UUID id) {
        String sql = "SELECT id, source, channel, sender_application, sender_facility, control_id, message_type,"
                + " version, charset, content_type, payload, received_at, replay_of FROM inbound_message WHERE id = ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                UUID messageId = rs.getObject(1, UUID.class);
                return Optional.of(new InboundMessage(
                        messageId,
                        InboundMessage.Source.valueOf(rs.getString(2)),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getString(10),
                        cipher.open(rs.getBytes(11), aad(messageId)),
                        rs.getTimestamp(12).toInstant(),
                        rs.getObject(13, UUID.class)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store read failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public List<UUID> claimForQueue(int limit, Consumer<List<UUID>> sendBeforeCommit) {
        String select =
                "SELECT id FROM inbound_message WHERE (status = 'RECEIVED' OR (status = 'QUEUED' AND queued_at < ?))"
                        + " AND accepted ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<UUID> ids = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(select)) {
                    ps.setTimestamp(1, Timestamp.from(Instant.now().minus(requeueAfter)));
                    ps.setInt(2, limit);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getObject(1, UUID.class));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    c.rollback();
                    return ids;
                }
                sendBeforeCommit.accept(ids);
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE inbound_message SET status = 'QUEUED', queued_at = now(),"
                                + " delivery_count = delivery_count + 1 WHERE id = ANY (?)")) {
                    Array array = c.createArrayOf("uuid", ids.toArray());
                    ps.setArray(1, array);
                    ps.executeUpdate();
                }
                // A lost status update only means the ids are handed on again; the consumer ignores repeats.
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL synchronous_commit = off");
                }
                c.commit();
                return ids;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store relay failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public java.util.Set<UUID> markProcessed(java.util.Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return java.util.Set.of();
        }
        // Asynchronous commit, as for one message (see markProcessed(UUID)).
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                    PreparedStatement ps = c.prepareStatement(
                            "UPDATE inbound_message SET status = 'PROCESSED', processed_at = now() WHERE id = ANY (?)"
                                    + " AND status IN ('RECEIVED', 'QUEUED') RETURNING id")) {
                st.execute("SET LOCAL synchronous_commit = off");
                ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                java.util.Set<UUID> marked = new java.util.HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        marked.add(rs.getObject(1, UUID.class));
                    }
                }
                c.commit();
                return marked;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store update failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public boolean markProcessed(UUID id) {
        // Asynchronous commit: a mark lost in a crash leaves the row QUEUED, so the message is handed
        // on again after hub.store.requeue-after and processed then (the mark and any effects of the
        // same transaction are lost together). Nothing acknowledged depends on this commit's flush.
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                    PreparedStatement ps = c.prepareStatement(
                            "UPDATE inbound_message SET status = 'PROCESSED', processed_at = now() WHERE id = ?"
                                    + " AND status IN ('RECEIVED', 'QUEUED')")) {
                st.execute("SET LOCAL synchronous_commit = off");
                ps.setObject(1, id);
                int updated = ps.executeUpdate();
                c.commit();
                return updated == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store update failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public void markFailed(UUID id, String stage, String code, String reason) {
        update(
                "UPDATE inbound_message SET status = 'DEAD_LETTER', dead_lettered_at = now(), failure_stage = ?,"
                        + " failure_code = ?, failure_reason = ? WHERE id = ? AND status IN ('RECEIVED', 'QUEUED')",
                ps -> {
                    ps.setString(1, stage);
                    ps.setString(2, code);
                    ps.setString(3, clean(reason));
                    ps.setObject(4, id);
                });
    }

    @Override
    public void markReplayed(UUID deadLetterId) {
        update(
                "UPDATE inbound_message SET status = 'REPLAYED', replayed_at = now() WHERE id = ?"
                        + " AND status = 'DEAD_LETTER'",
                ps -> ps.setObject(1, deadLetterId));
    }

    @Override
    public boolean requeue(UUID id) {
        return update(
                        "UPDATE inbound_message SET status = 'RECEIVED', replayed_at = now(), failure_stage = NULL,"
                                + " failure_code = NULL, failure_reason = NULL WHERE id = ? AND accepted"
                                + " AND status = 'DEAD_LETTER'",
                        ps -> ps.setObject(1, id))
                == 1;
    }

    @Override
    public List<UUID> openDeadLetters(int limit) {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id FROM inbound_message WHERE status = 'DEAD_LETTER' ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store read failed: " + e.getSQLState(), e);
        }
        return ids;
    }

    @Override
    public long countByStatus(MessageStatus status) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM inbound_message WHERE status = ?")) {
            ps.setString(1, status.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("message store read failed: " + e.getSQLState(), e);
        }
    }

    private volatile java.util.Map<MessageStatus, Long> countSnapshot = java.util.Map.of();
    private volatile long countSnapshotAt;

    /**
     * Count per status for metrics scrapes, refreshed at most every ten seconds so a scrape never
     * costs a full count per status.
     */
    public long countByStatusCached(MessageStatus status) {
        long now = System.nanoTime();
        if (countSnapshotAt == 0 || now - countSnapshotAt > TimeUnit.SECONDS.toNanos(10)) {
            java.util.Map<MessageStatus, Long> counts = new java.util.EnumMap<>(MessageStatus.class);
            try (Connection c = dataSource.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT status, count(*) FROM inbound_message GROUP BY status")) {
                while (rs.next()) {
                    counts.put(MessageStatus.valueOf(rs.getString(1)), rs.getLong(2));
                }
                countSnapshot = counts;
                countSnapshotAt = now;
            } catch (SQLException e) {
                return countSnapshot.getOrDefault(status, 0L);
            }
        }
        return countSnapshot.getOrDefault(status, 0L);
    }

    /** Writes waiting for the next group commit. */
    public int pendingWrites() {
        return pending.size();
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private int update(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("message store update failed: " + e.getSQLState(), e);
        }
    }

    private List<MessageRecord> query(String sql, Binder binder) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<MessageRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new MessageRecord(
                            rs.getObject(1, UUID.class),
                            InboundMessage.Source.valueOf(rs.getString(2)),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getBoolean(9),
                            MessageStatus.valueOf(rs.getString(10)),
                            rs.getString(11),
                            rs.getString(12),
                            rs.getString(13),
                            instant(rs, 14),
                            instant(rs, 15),
                            instant(rs, 16),
                            instant(rs, 17),
                            instant(rs, 18),
                            rs.getObject(19, UUID.class),
                            rs.getInt(20)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("message store read failed: " + e.getSQLState(), e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** Stops taking writes, finishes what is queued, and waits for the writer. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        writer.join(10_000);
    }
}
