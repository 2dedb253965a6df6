package org.patientgate.protect.jdbc;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.patientgate.protect.AtRestCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals the values written in clear before encryption at rest existed, in the background after the
 * hub has started: batches of {@value #BATCH} rows in key order, each batch one transaction that
 * locks its rows, seals them bound to the row's id, and updates only rows whose value still does not
 * start with the sealed form's magic (a row the hub rewrote meanwhile is sealed already). Two hubs
 * on one database skip each other's locked rows and repeat the scan until nothing is left. Until a
 * row is sealed it reads as it is ({@link AtRestCipher#open} passes clear values through).
 *
 * <p>Logs counts only. A value one byte away from the magic is an altered sealed value, not a clear
 * one: it is left as it is (reading it fails its integrity check) and counted.
 */
public final class JdbcLegacySealer {

    private static final Logger log = LoggerFactory.getLogger(JdbcLegacySealer.class);

    public static final int BATCH = 500;
    /** Values fetched at once within a batch: bounds memory when dead letters hold 4 MiB frames. */
    private static final long CHUNK_BYTES = 8L << 20;

    private static final int MAX_PASSES = 5;
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    /**
     * A column that holds sealed values, bound (associated data) to the 16 bytes of the row's uuid
     * {@code idColumn}, scanned in the order of {@code orderColumn} (unique).
     */
    public record Column(String table, String idColumn, String valueColumn, String orderColumn) {
        public Column {
            for (String name : new String[] {table, idColumn, valueColumn, orderColumn}) {
                if (name == null || !IDENTIFIER.matcher(name).matches()) {
                    throw new IllegalArgumentException("not a plain SQL identifier: " + name);
                }
            }
        }

        @Override
        public String toString() {
            return table + "." + valueColumn;
        }
    }

    /** What one run over a column did. */
    public record Result(Column column, long sealed, long altered) {}

    private final DataSource dataSource;
    private final AtRestCipher cipher;
    private final List<Column> columns;
    private volatile boolean running = true;
    private volatile Thread thread;

    public JdbcLegacySealer(DataSource dataSource, AtRestCipher cipher, List<Column> columns) {
        this.dataSource = dataSource;
        this.cipher = cipher;
        this.columns = List.copyOf(columns);
    }

    /** Starts {@link #sealAll} on a daemon thread and returns at once. */
    public synchronized Thread start() {
        if (thread == null) {
            running = true;
            Thread t = new Thread(this::runQuietly, "at-rest-legacy-sealer");
            t.setDaemon(true);
            t.start();
            thread = t;
        }
        return thread;
    }

    /** Stops after the current batch. */
    public synchronized void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            thread = null;
        }
    }

    /** Whether the background run is going on. */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    private void runQuietly() {
        for (Column column : columns) {
            if (!running) {
                return;
            }
            try {
                Result result = seal(column);
                if (result.sealed() > 0 || result.altered() > 0) {
                    log.info(
                            "Sealed {} clear value(s) left in {} from before encryption at rest ({} altered value(s)"
                                    + " left as they are)",
                            result.sealed(),
                            column,
                            result.altered());
                }
            } catch (RuntimeException e) {
                // The rest reads as it is and is sealed at the next start.
                log.warn("Sealing clear values in {} stopped: {}", column, e.getMessage());
            }
        }
    }

    /** Seals every clear value of every column, in the calling thread. */
    public List<Result> sealAll() {
        List<Result> results = new ArrayList<>();
        for (Column column : columns) {
            results.add(seal(column));
        }
        return results;
    }

    /** Seals every clear value of one column, in the calling thread. */
    public Result seal(Column column) {
        long sealed = 0;
        long altered = 0;
        for (int pass = 0; pass < MAX_PASSES && running; pass++) {
            if (pass > 0 && !pause(pass)) {
                break;
            }
            Object after = null;
            while (running) {
                Batch batch = sealBatch(column, after);
                sealed += batch.sealed();
                if (pass == 0) {
                    altered += batch.altered();
                }
                if (batch.last() == null) {
                    break;
                }
                after = batch.last();
            }
            // Rows another hub or a running transaction held were skipped: look again if any remain.
            if (!clearValuesRemain(column)) {
                break;
            }
        }
        return new Result(column, sealed, altered);
    }

    private boolean pause(int pass) {
        try {
            Thread.sleep(1000L * pass);
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Batch(Object last, int sealed, int altered) {}

    private record Candidate(UUID id, int length) {}

    private Batch sealBatch(Column col, Object after) {
        // FOR NO KEY UPDATE: the value is not part of a key, so rows referencing this one (the bundle's
        // foreign key to its message) can still be written meanwhile. SKIP LOCKED: never wait on the hot
        // path's row locks, so no lock cycle with a batch update; skipped rows are taken in the next pass.
        String select = "SELECT " + col.orderColumn() + ", " + col.idColumn() + ", octet_length(" + col.valueColumn()
                + "), " + head(col) + " FROM " + col.table() + " WHERE " + notSealed(col)
                + (after == null ? "" : " AND " + col.orderColumn() + " > ?") + " ORDER BY " + col.orderColumn()
                + " LIMIT " + BATCH + " FOR NO KEY UPDATE SKIP LOCKED";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Candidate> candidates = new ArrayList<>();
                Object last = null;
                int altered = 0;
                try (PreparedStatement ps = c.prepareStatement(select)) {
                    ps.setBytes(1, JdbcAtRestCipher.MAGIC);
                    if (after != null) {
                        ps.setObject(2, after);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            last = rs.getObject(1);
                            if (JdbcAtRestCipher.nearlySealed(rs.getBytes(4))) {
                                altered++;
                            } else {
                                candidates.add(new Candidate(rs.getObject(2, UUID.class), rs.getInt(3)));
                            }
                        }
                    }
                }
                int sealed = 0;
                int from = 0;
                while (from < candidates.size()) {
                    int to = from + 1;
                    long bytes = candidates.get(from).length();
                    while (to < candidates.size() && bytes + candidates.get(to).length() <= CHUNK_BYTES) {
                        bytes += candidates.get(to).length();
                        to++;
                    }
                    sealed += sealChunk(c, col, candidates.subList(from, to));
                    from = to;
                }
                c.commit();
                return new Batch(last, sealed, altered);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("sealing clear values failed: " + e.getSQLState(), e);
        }
    }

    private int sealChunk(Connection c, Column col, List<Candidate> chunk) throws SQLException {
        List<UUID> ids = chunk.stream().map(Candidate::id).toList();
        int sealed = 0;
        try (PreparedStatement read = c.prepareStatement("SELECT " + col.idColumn() + ", " + col.valueColumn()
                        + " FROM " + col.table() + " WHERE " + col.idColumn() + " = ANY (?)");
                PreparedStatement write = c.prepareStatement("UPDATE " + col.table() + " SET " + col.valueColumn()
                        + " = ? WHERE " + col.idColumn() + " = ? AND " + notSealed(col))) {
            read.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    byte[] value = rs.getBytes(2);
                    if (AtRestCipher.isSealed(value)) {
                        continue;
                    }
                    write.setBytes(1, cipher.seal(value, bytes(id)));
                    write.setObject(2, id);
                    write.setBytes(3, JdbcAtRestCipher.MAGIC);
                    write.addBatch();
                }
            }
            for (int count : write.executeBatch()) {
                sealed += count == PreparedStatement.SUCCESS_NO_INFO ? 1 : count;
            }
        }
        return sealed;
    }

    /** Whether a clear value (not an altered sealed one, which stays as it is) is left. */
    private boolean clearValuesRemain(Column col) {
        try (Connection c = dataSource.getConnection()) {
            Object after = null;
            while (true) {
                String sql = "SELECT " + col.orderColumn() + ", " + head(col) + " FROM " + col.table() + " WHERE "
                        + notSealed(col) + (after == null ? "" : " AND " + col.orderColumn() + " > ?") + " ORDER BY "
                        + col.orderColumn() + " LIMIT " + BATCH;
                int rows = 0;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setBytes(1, JdbcAtRestCipher.MAGIC);
                    if (after != null) {
                        ps.setObject(2, after);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            after = rs.getObject(1);
                            if (!JdbcAtRestCipher.nearlySealed(rs.getBytes(2))) {
                                return true;
                            }
                        }
                    }
                }
                if (rows < BATCH) {
                    return false;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("sealing clear values failed: " + e.getSQLState(), e);
        }
    }

    /** The value's first four bytes: enough to tell sealed, altered and clear apart without reading it. */
    private static String head(Column col) {
        return "substring(" + col.valueColumn() + " from 1 for 4)";
    }

    private static String notSealed(Column col) {
        return head(col) + " IS DISTINCT FROM ?";
    }

    /** The associated data of a row: its uuid's 16 bytes, most significant first. */
    public static byte[] bytes(UUID id) {
        return ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }
}
