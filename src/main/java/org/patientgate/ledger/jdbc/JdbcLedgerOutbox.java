package org.patientgate.ledger.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.OutboxRow;

/**
 * The ledger outbox in PostgreSQL ({@code ledger_outbox}). {@link #enqueue(Connection, LedgerWrite)}
 * runs on the caller's connection so the write commits or rolls back with the business change; the
 * publisher's bookkeeping runs in short transactions of its own.
 */
public final class JdbcLedgerOutbox implements LedgerOutbox {

    private final DataSource dataSource;

    public JdbcLedgerOutbox(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public long enqueue(Connection c, LedgerWrite write) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_outbox (signer, kind, dedupe_key, payload)"
                + " VALUES (?, ?, ?, ?::jsonb) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")) {
            ps.setString(1, write.signer());
            ps.setString(2, LedgerWriteCodec.kind(write));
            ps.setString(3, write.dedupeKey());
            ps.setString(4, LedgerWriteCodec.encode(write));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM ledger_outbox WHERE dedupe_key = ?")) {
            ps.setString(1, write.dedupeKey());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public long enqueue(LedgerWrite write) {
        return inTransaction(c -> enqueue(c, write));
    }

    @Override
    public List<String> signersWithOpenWrites() {
        return query(
                "SELECT DISTINCT signer FROM ledger_outbox WHERE status IN ('PENDING', 'SENT')",
                ps -> {},
                rs -> rs.getString(1));
    }

    @Override
    public List<OutboxRow> open(String signer, int limit) {
        return query(
                "SELECT id, kind, payload::text, status, attempts, tx_hash, nonce, created_at, next_attempt_at"
                        + " FROM ledger_outbox WHERE signer = ? AND status IN ('PENDING', 'SENT') ORDER BY id LIMIT ?",
                ps -> {
                    ps.setString(1, signer);
                    ps.setInt(2, limit);
                },
                rs -> new OutboxRow(
                        rs.getLong(1),
                        LedgerWriteCodec.decode(rs.getString(2), rs.getString(3)),
                        rs.getString(4),
                        rs.getInt(5),
                        rs.getString(6),
                        (Long) rs.getObject(7),
                        rs.getTimestamp(8).toInstant(),
                        rs.getTimestamp(9).toInstant()));
    }

    @Override
    public void markSent(long id, String txHash, long nonce) {
        update("UPDATE ledger_outbox SET status = 'SENT', tx_hash = ?, nonce = ?, sent_at = now() WHERE id = ?", ps -> {
            ps.setString(1, txHash);
            ps.setLong(2, nonce);
            ps.setLong(3, id);
        });
    }

    @Override
    public void markDone(long id, String txHash, Long blockNumber, String blockHash, Long gasUsed, boolean recognised) {
        update(
                "UPDATE ledger_outbox SET status = 'DONE', tx_hash = coalesce(?, tx_hash), block_number = ?,"
                        + " block_hash = ?, gas_used = ?, recognised = ?, last_error = NULL, done_at = now() WHERE id = ?",
                ps -> {
                    ps.setString(1, txHash);
                    ps.setObject(2, blockNumber);
                    ps.setString(3, blockHash);
                    ps.setObject(4, gasUsed);
                    ps.setBoolean(5, recognised);
                    ps.setLong(6, id);
                });
    }

    @Override
    public java.util.Map<Long, String> doneBlocks(long fromBlock) {
        java.util.Map<Long, String> out = new java.util.TreeMap<>();
        for (Object[] row : query(
                "SELECT DISTINCT block_number, block_hash FROM ledger_outbox WHERE status = 'DONE'"
                        + " AND block_number >= ? AND block_hash IS NOT NULL",
                ps -> ps.setLong(1, fromBlock),
                rs -> new Object[] {rs.getLong(1), rs.getString(2)})) {
            out.put((Long) row[0], (String) row[1]);
        }
        return out;
    }

    @Override
    public int reopenBlock(long blockNumber) {
        return update(
                "UPDATE ledger_outbox SET status = 'PENDING', next_attempt_at = now(), block_number = NULL,"
                        + " block_hash = NULL WHERE status = 'DONE' AND block_number = ?",
                ps -> ps.setLong(1, blockNumber));
    }

    @Override
    public void retryLater(long id, String error, Duration delay, boolean countAttempt) {
        update(
                "UPDATE ledger_outbox SET status = 'PENDING', last_error = ?, attempts = attempts + ?,"
                        + " next_attempt_at = now() + (? * interval '1 millisecond') WHERE id = ?",
                ps -> {
                    ps.setString(1, error);
                    ps.setInt(2, countAttempt ? 1 : 0);
                    ps.setLong(3, delay.toMillis());
                    ps.setLong(4, id);
                });
    }

    @Override
    public void markFailed(long id, String error) {
        update("UPDATE ledger_outbox SET status = 'FAILED', last_error = ? WHERE id = ?", ps -> {
            ps.setString(1, error);
            ps.setLong(2, id);
        });
    }

    @Override
    public void forgetTransaction(long id) {
        update("UPDATE ledger_outbox SET tx_hash = NULL, nonce = NULL WHERE id = ?", ps -> ps.setLong(1, id));
    }

    @Override
    public <T> Optional<T> withSignerLock(String signer, java.util.function.Supplier<T> work) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
                lock.setString(1, "ledger-signer:" + signer);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return Optional.empty();
                    }
                }
            }
            try {
                return Optional.ofNullable(work.get());
            } finally {
                try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
                    unlock.setString(1, "ledger-signer:" + signer);
                    unlock.execute();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger outbox: database error " + e.getSQLState(), e);
        }
    }

    @Override
    public int reopenAbove(long headBlock) {
        return update(
                "UPDATE ledger_outbox SET status = 'PENDING', next_attempt_at = now(), block_number = NULL,"
                        + " block_hash = NULL WHERE status IN ('DONE', 'SENT') AND (block_number > ? OR status = 'SENT')",
                ps -> ps.setLong(1, headBlock));
    }

    @Override
    public int reopenAll() {
        return update(
                "UPDATE ledger_outbox SET status = 'PENDING', next_attempt_at = now(), block_number = NULL,"
                        + " recognised = false WHERE status IN ('DONE', 'SENT')",
                ps -> {});
    }

    @Override
    public int retryFailed(long id) {
        return update(
                "UPDATE ledger_outbox SET status = 'PENDING', attempts = 0, next_attempt_at = now(),"
                        + " tx_hash = NULL, nonce = NULL WHERE id = ? AND status = 'FAILED'",
                ps -> ps.setLong(1, id));
    }

    @Override
    public Depth depth() {
        return inTransaction(c -> {
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT count(*) FILTER (WHERE status IN ('PENDING', 'SENT')),"
                                    + " min(created_at) FILTER (WHERE status IN ('PENDING', 'SENT')),"
                                    + " count(*) FILTER (WHERE status = 'FAILED'), count(*) FILTER (WHERE status = 'DONE')"
                                    + " FROM ledger_outbox");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp oldest = rs.getTimestamp(2);
                return new Depth(
                        rs.getLong(1),
                        Optional.ofNullable(oldest).map(Timestamp::toInstant),
                        rs.getLong(3),
                        rs.getLong(4));
            }
        });
    }

    @Override
    public Optional<Written> find(String dedupeKey) {
        return written("dedupe_key = ?", ps -> ps.setString(1, dedupeKey));
    }

    @Override
    public Optional<Written> find(long id) {
        return written("id = ?", ps -> ps.setLong(1, id));
    }

    private Optional<Written> written(String where, Binder binder) {
        return query(
                        "SELECT id, status, tx_hash, block_number FROM ledger_outbox WHERE " + where,
                        binder,
                        rs -> new Written(rs.getLong(1), rs.getString(2), rs.getString(3), (Long) rs.getObject(4)))
                .stream()
                .findFirst();
    }

    // --- plain JDBC plumbing --------------------------------------------------------------------

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T inTransaction(JdbcTransactions.Work<T> work) {
        return JdbcTransactions.inTransaction(dataSource, "ledger outbox", work);
    }

    private int update(String sql, Binder binder) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                return ps.executeUpdate();
            }
        });
    }

    private <T> List<T> query(String sql, Binder binder, RowReader<T> reader) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    List<T> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(reader.read(rs));
                    }
                    return out;
                }
            }
        });
    }
}
