package org.patientgate.escrow.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;
import org.patientgate.escrow.EscrowStore;
import org.patientgate.escrow.ReportSummary;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;

/**
 * The escrow in PostgreSQL: {@code escrow_report}, {@code escrow_decision} and {@code notification},
 * read together with the ledger's {@code escrow_entry} and {@code ledger_batch} (same database), and
 * writing entries and relays through the ledger's own outbox on the same connection.
 */
public final class JdbcEscrowStore implements EscrowStore {

    private static final String SELECT = "SELECT er.report_id, er.state, er.institution, er.patient, er.leaf,"
            + " er.report_type, er.report_date, er.created_at, er.held_until, er.notified_at, er.decided_at,"
            + " coalesce(er.decided_tx, e.decided_tx), e.decision, b.expires_at"
            + " FROM escrow_report er LEFT JOIN escrow_entry e ON e.leaf = er.leaf"
            + " LEFT JOIN ledger_batch b ON b.root = e.batch_root";

    private static final String INSERT_NOTIFICATION = "INSERT INTO notification (recipient, kind, subject, body)"
            + " VALUES (?, ?, ?, ?::jsonb) ON CONFLICT (recipient, kind, subject) DO NOTHING RETURNING id";

    private final DataSource dataSource;
    private final EscrowAnchoring anchoring;
    private final LedgerOutbox outbox;

    public JdbcEscrowStore(DataSource dataSource, EscrowAnchoring anchoring, LedgerOutbox outbox) {
        this.dataSource = dataSource;
        this.anchoring = anchoring;
        this.outbox = outbox;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("escrow store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    private <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException("escrow store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public int admit(List<Admission> admissions) {
        if (admissions.isEmpty()) {
            return 0;
        }
        return inTransaction("admit", c -> {
            // reports already filed (a redelivery) are left as they are, and get no second entry
            java.util.Set<UUID> filed = new java.util.HashSet<>();
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT report_id FROM escrow_report WHERE report_id = ANY(?)")) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "uuid",
                                admissions.stream().map(Admission::report).toArray(UUID[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        filed.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            java.util.Map<UUID, Admission> fresh = new java.util.LinkedHashMap<>();
            for (Admission a : admissions) {
                if (!filed.contains(a.report())) {
                    fresh.putIfAbsent(a.report(), a);
                }
            }
            // entries first: the report row refers to its entry
            anchoring.enqueueAll(
                    c,
                    fresh.values().stream()
                            .map(Admission::entry)
                            .filter(java.util.Objects::nonNull)
                            .toList());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO escrow_report (report_id, institution,"
                    + " patient_ref, patient, state, report_type, report_date, held_until, escrowed_at, leaf)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING")) {
                Timestamp now = new Timestamp(System.currentTimeMillis());
                for (Admission a : fresh.values()) {
                    boolean held = a.entry() == null;
                    ps.setObject(1, a.report());
                    ps.setString(2, a.institution());
                    ps.setBytes(3, a.patientRef());
                    ps.setString(4, held ? null : a.patient());
                    ps.setString(5, held ? "HELD" : "ESCROWED");
                    ps.setString(6, a.summary().type());
                    ps.setString(7, a.summary().date());
                    ps.setTimestamp(8, held ? Timestamp.from(a.heldUntil()) : null);
                    ps.setTimestamp(9, held ? null : now);
                    ps.setBytes(10, held ? null : a.entry().leaf());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return fresh.size();
        });
    }

    /** Queues the entry and records its leaf on the report (the entry row must exist first). */
    private void queueEntry(Connection c, Admission a) throws SQLException {
        anchoring.enqueue(c, a.entry());
        try (PreparedStatement ps = c.prepareStatement("UPDATE escrow_report SET leaf = ? WHERE report_id = ?")) {
            ps.setBytes(1, a.entry().leaf());
            ps.setObject(2, a.report());
            ps.executeUpdate();
        }
    }

    @Override
    public List<UUID> held(byte[] patientRef) {
        return read("held", c -> {
            List<UUID> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT report_id FROM escrow_report WHERE patient_ref = ? AND state = 'HELD' ORDER BY created_at")) {
                ps.setBytes(1, patientRef);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public int escrowHeld(List<Admission> admissions) {
        if (admissions.isEmpty()) {
            return 0;
        }
        return inTransaction("escrow held", c -> {
            int moved = 0;
            try (PreparedStatement ps = c.prepareStatement("UPDATE escrow_report SET patient = ?, state = 'ESCROWED',"
                    + " escrowed_at = now(), held_until = NULL WHERE report_id = ? AND state = 'HELD'")) {
                for (Admission a : admissions) {
                    ps.setString(1, a.patient());
                    ps.setObject(2, a.report());
                    if (ps.executeUpdate() == 1) {
                        moved++;
                        queueEntry(c, a);
                    }
                }
            }
            return moved;
        });
    }

    @Override
    public Optional<EscrowReport> byEntry(byte[] leaf) {
        return read("read", c -> one(c, SELECT + " WHERE er.leaf = ?", leaf));
    }

    @Override
    public Optional<EscrowReport> byReport(UUID report) {
        return read("read", c -> one(c, SELECT + " WHERE er.report_id = ?", report));
    }

    private static Optional<EscrowReport> one(Connection c, String sql, Object key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(report(rs)) : Optional.empty();
            }
        }
    }

    private static EscrowReport report(ResultSet rs) throws SQLException {
        return new EscrowReport(
                rs.getObject(1, UUID.class),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getBytes(5),
                new ReportSummary(rs.getString(6), rs.getString(7)),
                instant(rs, 8),
                instant(rs, 9),
                instant(rs, 10),
                instant(rs, 11),
                rs.getString(12),
                rs.getString(13),
                instant(rs, 14));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static List<EscrowReport> lock(Connection c, String where, int limit, Object... args) throws SQLException {
        List<EscrowReport> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE " + where + " ORDER BY er.created_at LIMIT "
                + limit + " FOR UPDATE OF er SKIP LOCKED")) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(report(rs));
                }
            }
        }
        return out;
    }

    /** Writes notifications in one statement; those already written (same recipient, kind, subject) are skipped. */
    private static List<Written> notify(Connection c, List<NewNotification> notifications) throws SQLException {
        List<Written> written = new ArrayList<>();
        if (notifications.isEmpty()) {
            return written;
        }
        int n = notifications.size();
        String[] recipients = new String[n];
        String[] kinds = new String[n];
        String[] subjects = new String[n];
        String[] bodies = new String[n];
        for (int i = 0; i < n; i++) {
            NewNotification x = notifications.get(i);
            recipients[i] = x.recipient();
            kinds[i] = x.kind();
            subjects[i] = x.subject();
            bodies[i] = x.body();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notification (recipient, kind, subject, body)"
                + " SELECT r, k, s, b::jsonb FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS u(r, k, s, b)"
                + " ON CONFLICT (recipient, kind, subject) DO NOTHING RETURNING id, recipient, kind")) {
            ps.setArray(1, c.createArrayOf("text", recipients));
            ps.setArray(2, c.createArrayOf("text", kinds));
            ps.setArray(3, c.createArrayOf("text", subjects));
            ps.setArray(4, c.createArrayOf("text", bodies));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    written.add(new Written(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        written.sort(java.util.Comparator.comparingLong(Written::id));
        return written;
    }

    @Override
    public List<Written> awaitDecisions(int limit, Step step) {
        return inTransaction("await decisions", c -> {
            List<EscrowReport> anchored = lock(
                    c,
                    "er.state = 'ESCROWED' AND e.decision = 'PENDING' AND EXISTS (SELECT 1 FROM ledger_outbox o"
                            + " WHERE o.id = b.outbox_id AND o.status = 'DONE')",
                    limit);
            if (anchored.isEmpty()) {
                return List.<Written>of();
            }
            List<NewNotification> notifications = new ArrayList<>();
            for (EscrowReport r : anchored) {
                notifications.addAll(step.notifications(r));
            }
            List<Written> written = notify(c, notifications);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE escrow_report SET state = 'AWAITING', notified_at = now() WHERE report_id = ANY(?)")) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "uuid",
                                anchored.stream().map(EscrowReport::report).toArray(UUID[]::new)));
                ps.executeUpdate();
            }
            return written;
        });
    }

    @Override
    public List<Written> settleDecided(int limit, ToIntFunction<EscrowReport> beforeFinal, Step step) {
        return inTransaction("settle", c -> {
            List<EscrowReport> decided = lock(
                    c,
                    "er.state IN ('ESCROWED', 'AWAITING', 'DECIDING', 'EXPIRING') AND e.decision <> 'PENDING'",
                    limit);
            return finish(c, decided, r -> r.chainDecision(), beforeFinal, step);
        });
    }

    @Override
    public List<Written> endHolds(Instant now, int limit, ToIntFunction<EscrowReport> beforeFinal, Step step) {
        return inTransaction("end holds", c -> {
            List<EscrowReport> ended = lock(c, "er.state = 'HELD' AND er.held_until <= ?", limit, Timestamp.from(now));
            return finish(c, ended, r -> "HOLD_EXPIRED", beforeFinal, step);
        });
    }

    private static List<Written> finish(
            Connection c,
            List<EscrowReport> reports,
            java.util.function.Function<EscrowReport, String> state,
            ToIntFunction<EscrowReport> beforeFinal,
            Step step)
            throws SQLException {
        List<Written> written = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("UPDATE escrow_report SET state = ?, decided_at = now(),"
                + " decided_tx = ?, shredded = ? WHERE report_id = ?")) {
            for (EscrowReport r : reports) {
                int shredded = beforeFinal.applyAsInt(r);
                String next = state.apply(r);
                EscrowReport settled = new EscrowReport(
                        r.report(),
                        next,
                        r.institution(),
                        r.patient(),
                        r.leaf(),
                        r.summary(),
                        r.createdAt(),
                        r.heldUntil(),
                        r.notifiedAt(),
                        Instant.now(),
                        r.decidedTx(),
                        r.chainDecision(),
                        r.expiresAt());
                written.addAll(notify(c, step.notifications(settled)));
                ps.setString(1, next);
                ps.setString(2, r.decidedTx());
                if (shredded < 0) {
                    ps.setNull(3, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(3, shredded);
                }
                ps.setObject(4, r.report());
                ps.executeUpdate();
            }
        }
        return written;
    }

    @Override
    public List<EscrowReport> dueForExpiry(Instant cutoff, int limit) {
        return read("due for expiry", c -> {
            List<EscrowReport> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT
                    + " WHERE er.state IN ('ESCROWED', 'AWAITING') AND e.decision = 'PENDING' AND b.expires_at < ?"
                    + " ORDER BY b.expires_at LIMIT ?")) {
                ps.setTimestamp(1, Timestamp.from(cutoff));
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(report(rs));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public boolean requestExpiry(UUID report, LedgerWrite expiry) {
        return inTransaction("expiry", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE escrow_report SET state = 'EXPIRING'"
                    + " WHERE report_id = ? AND state IN ('ESCROWED', 'AWAITING')")) {
                ps.setObject(1, report);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            outbox.enqueue(c, expiry);
            return true;
        });
    }

    @Override
    public DecisionOutcome recordDecision(
            byte[] leaf,
            String patient,
            boolean release,
            BigInteger nonce,
            long deadline,
            byte[] signatureHash,
            LedgerWrite relay) {
        try {
            return record(leaf, patient, release, nonce, deadline, signatureHash, relay);
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                // a concurrent or earlier decision with this signature or nonce (unique keys)
                return DecisionOutcome.SIGNATURE_USED;
            }
            throw e;
        }
    }

    private DecisionOutcome record(
            byte[] leaf,
            String patient,
            boolean release,
            BigInteger nonce,
            long deadline,
            byte[] signatureHash,
            LedgerWrite relay) {
        return inTransaction("decision", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM escrow_decision WHERE signature_hash = ?")) {
                ps.setBytes(1, signatureHash);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return DecisionOutcome.SIGNATURE_USED;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE escrow_report SET state = 'DECIDING' WHERE leaf = ? AND patient = ? AND state = 'AWAITING'")) {
                ps.setBytes(1, leaf);
                ps.setString(2, patient);
                if (ps.executeUpdate() != 1) {
                    return DecisionOutcome.NOT_AWAITING;
                }
            }
            long outboxId = outbox.enqueue(c, relay);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO escrow_decision (leaf, patient, release,"
                    + " nonce, deadline, signature_hash, outbox_id) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setBytes(1, leaf);
                ps.setString(2, patient);
                ps.setBoolean(3, release);
                ps.setBigDecimal(4, new BigDecimal(nonce));
                ps.setLong(5, deadline);
                ps.setBytes(6, signatureHash);
                ps.setLong(7, outboxId);
                ps.executeUpdate();
            }
            return DecisionOutcome.ACCEPTED;
        });
    }

    @Override
    public List<Notification> notifications(String recipient, Long before, int limit, boolean unreadOnly) {
        return read("notifications", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, recipient, kind, subject, body::text, created_at, read_at FROM notification"
                            + " WHERE recipient = ? AND id < ?" + (unreadOnly ? " AND read_at IS NULL" : "")
                            + " ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, recipient);
                ps.setLong(2, before == null ? Long.MAX_VALUE : before);
                ps.setInt(3, limit);
                return notifications(ps);
            }
        });
    }

    @Override
    public List<Notification> notificationsAfter(String recipient, long after, int limit) {
        return read("notifications", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, recipient, kind, subject, body::text, created_at, read_at FROM notification"
                            + " WHERE recipient = ? AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, recipient);
                ps.setLong(2, after);
                ps.setInt(3, limit);
                return notifications(ps);
            }
        });
    }

    private static List<Notification> notifications(PreparedStatement ps) throws SQLException {
        List<Notification> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Notification(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        instant(rs, 6),
                        instant(rs, 7)));
            }
        }
        return out;
    }

    @Override
    public boolean markRead(String recipient, long id) {
        return read("mark read", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE notification SET read_at = coalesce(read_at, now()) WHERE id = ? AND recipient = ?")) {
                ps.setLong(1, id);
                ps.setString(2, recipient);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public long unread(String recipient) {
        return read("unread", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT count(*) FROM notification WHERE recipient = ? AND read_at IS NULL")) {
                ps.setString(1, recipient);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
