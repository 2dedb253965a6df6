package org.patientgate.escrow.webhook.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.patientgate.escrow.webhook.WebhookStore;

/**
 * Webhooks and deliveries in PostgreSQL ({@code webhook}, {@code webhook_delivery}, {@code
 * webhook_scan}), read together with the escrow's {@code notification} table. An attempt is claimed
 * with {@code FOR UPDATE SKIP LOCKED} and leased by moving its {@code next_attempt_at}; its outcome is
 * recorded only if nobody claimed or re-queued the delivery since (same attempt number, still
 * PENDING).
 */
public final class JdbcWebhookStore implements WebhookStore {

    private static final String WEBHOOK = "SELECT id, patient, url, created_at FROM webhook";

    private static final String DELIVERY = "SELECT d.id, d.webhook_id, d.notification_id, n.kind, d.status,"
            + " d.attempts, d.last_error, d.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at"
            + " FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id"
            + " JOIN notification n ON n.id = d.notification_id";

    /** Deliveries of the notifications selected by the caller's condition on {@code n}, not made yet. */
    private static final String FAN_OUT = "INSERT INTO webhook_delivery (webhook_id, notification_id, next_attempt_at)"
            + " SELECT w.id, n.id, now() FROM notification n"
            + " JOIN webhook w ON w.patient = n.recipient AND n.id > w.after_notification"
            + " WHERE %s AND NOT EXISTS (SELECT 1 FROM webhook_delivery d"
            + " WHERE d.webhook_id = w.id AND d.notification_id = n.id)"
            + " ON CONFLICT (webhook_id, notification_id) DO NOTHING";

    private final DataSource dataSource;

    public JdbcWebhookStore(DataSource dataSource) {
        this.dataSource = dataSource;
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
            throw new IllegalStateException("webhook store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    private <T> T run(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException("webhook store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Optional<Webhook> register(UUID id, String patient, String url, byte[] sealedSecret, int maxPerPatient) {
        return inTransaction("register", c -> {
            // one registration of a patient at a time, so the limit holds under concurrent requests
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, "webhook:" + patient);
                ps.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM webhook WHERE patient = ?")) {
                ps.setString(1, patient);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxPerPatient) {
                        return Optional.empty();
                    }
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO webhook (id, patient, url, secret, after_notification)"
                            + " SELECT ?, ?, ?, ?, coalesce(max(id), 0) FROM notification"
                            + " RETURNING id, patient, url, created_at")) {
                ps.setObject(1, id);
                ps.setString(2, patient);
                ps.setString(3, url);
                ps.setBytes(4, sealedSecret);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.of(webhook(rs));
                }
            }
        });
    }

    @Override
    public List<Webhook> webhooks(String patient) {
        return run("list", c -> {
            try (PreparedStatement ps = c.prepareStatement(WEBHOOK + " WHERE patient = ? ORDER BY created_at, id")) {
                ps.setString(1, patient);
                List<Webhook> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(webhook(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Optional<Webhook> webhook(String patient, UUID id) {
        return run("read", c -> {
            try (PreparedStatement ps = c.prepareStatement(WEBHOOK + " WHERE id = ? AND patient = ?")) {
                ps.setObject(1, id);
                ps.setString(2, patient);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(webhook(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean delete(String patient, UUID id) {
        return run("delete", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhook WHERE id = ? AND patient = ?")) {
                ps.setObject(1, id);
                ps.setString(2, patient);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Delivery> deliveries(String patient, UUID webhook, String status, Long before, int limit) {
        return run("deliveries", c -> {
            try (PreparedStatement ps = c.prepareStatement(DELIVERY + " WHERE d.webhook_id = ? AND w.patient = ?"
                    + " AND d.id < ?" + (status == null ? "" : " AND d.status = ?") + " ORDER BY d.id DESC LIMIT ?")) {
                int i = 1;
                ps.setObject(i++, webhook);
                ps.setString(i++, patient);
                ps.setLong(i++, before == null ? Long.MAX_VALUE : before);
                if (status != null) {
                    ps.setString(i++, status);
                }
                ps.setInt(i, limit);
                List<Delivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Delivery(
                                rs.getLong(1),
                                rs.getObject(2, UUID.class),
                                rs.getLong(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getInt(6),
                                rs.getString(7),
                                instant(rs, 8),
                                instant(rs, 9),
                                instant(rs, 10),
                                instant(rs, 11)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Redelivery redeliver(String patient, UUID webhook, long delivery) {
        return inTransaction("redeliver", c -> {
            String status;
            try (PreparedStatement ps = c.prepareStatement("SELECT d.status FROM webhook_delivery d"
                    + " JOIN webhook w ON w.id = d.webhook_id"
                    + " WHERE d.id = ? AND d.webhook_id = ? AND w.patient = ? FOR UPDATE OF d")) {
                ps.setLong(1, delivery);
                ps.setObject(2, webhook);
                ps.setString(3, patient);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Redelivery.NOT_FOUND;
                    }
                    status = rs.getString(1);
                }
            }
            if ("PENDING".equals(status)) {
                return Redelivery.ALREADY_PENDING;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = 'PENDING',"
                    + " attempts = 0, next_attempt_at = now(), delivered_at = NULL WHERE id = ?")) {
                ps.setLong(1, delivery);
                ps.executeUpdate();
            }
            return Redelivery.QUEUED;
        });
    }

    @Override
    public int fanOut(long notification) {
        return run("fan out", c -> {
            try (PreparedStatement ps = c.prepareStatement(String.format(FAN_OUT, "n.id = ?"))) {
                ps.setLong(1, notification);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int fanOutNew(Duration settle, int limit) {
        return inTransaction("scan", c -> {
            long cursor;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT last_notification FROM webhook_scan WHERE only_row")) {
                try (ResultSet rs = ps.executeQuery()) {
                    cursor = rs.next() ? rs.getLong(1) : 0;
                }
            }
            List<Long> ids = new ArrayList<>();
            long settled = cursor;
            boolean prefix = true;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, created_at < now() - make_interval(secs => ?)"
                    + " FROM notification WHERE id > ? ORDER BY id LIMIT ?")) {
                ps.setDouble(1, seconds(settle));
                ps.setLong(2, cursor);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                        // the cursor passes only a run of settled notifications: one created lately may
                        // have a transaction with a lower id still open
                        prefix = prefix && rs.getBoolean(2);
                        if (prefix) {
                            settled = rs.getLong(1);
                        }
                    }
                }
            }
            if (ids.isEmpty()) {
                return 0;
            }
            int made;
            try (PreparedStatement ps = c.prepareStatement(String.format(FAN_OUT, "n.id = ANY (?)"))) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                made = ps.executeUpdate();
            }
            if (settled > cursor) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_scan SET last_notification = ?"
                        + " WHERE only_row AND last_notification < ?")) {
                    ps.setLong(1, settled);
                    ps.setLong(2, settled);
                    ps.executeUpdate();
                }
            }
            return made;
        });
    }

    @Override
    public Optional<Claimed> claim(int maxAttempts, Duration lease) {
        return run("claim", c -> {
            try (PreparedStatement ps = c.prepareStatement("WITH due AS (SELECT id FROM webhook_delivery"
                    + " WHERE status = 'PENDING' AND next_attempt_at <= now() AND attempts < ?"
                    + " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
                    + " UPDATE webhook_delivery d SET attempts = d.attempts + 1, last_attempt_at = now(),"
                    + " next_attempt_at = now() + make_interval(secs => ?)"
                    + " FROM due, webhook w, notification n"
                    + " WHERE d.id = due.id AND w.id = d.webhook_id AND n.id = d.notification_id"
                    + " RETURNING d.id, d.attempts, w.id, w.url, w.secret, n.id, n.kind, n.subject, n.body::text,"
                    + " n.created_at")) {
                ps.setInt(1, maxAttempts);
                ps.setDouble(2, seconds(lease));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Claimed(
                            rs.getLong(1),
                            rs.getInt(2),
                            rs.getObject(3, UUID.class),
                            rs.getString(4),
                            rs.getBytes(5),
                            rs.getLong(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getString(9),
                            instant(rs, 10)));
                }
            }
        });
    }

    @Override
    public int deadLetterAbandoned(int maxAttempts) {
        return run("dead-letter", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = 'DEAD',"
                    + " next_attempt_at = NULL, last_error = coalesce(last_error, 'no answer recorded')"
                    + " WHERE status = 'PENDING' AND next_attempt_at <= now() AND attempts >= ?")) {
                ps.setInt(1, maxAttempts);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean delivered(long delivery, int attempt) {
        return run("delivered", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = 'DELIVERED',"
                    + " delivered_at = now(), next_attempt_at = NULL"
                    + " WHERE id = ? AND attempts = ? AND status = 'PENDING'")) {
                ps.setLong(1, delivery);
                ps.setInt(2, attempt);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean failed(long delivery, int attempt, String error, boolean dead, Duration retryIn) {
        return run("failed", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET last_error = ?,"
                    + " status = CASE WHEN ? THEN 'DEAD' ELSE 'PENDING' END,"
                    + " next_attempt_at = CASE WHEN ? THEN NULL ELSE now() + make_interval(secs => ?) END"
                    + " WHERE id = ? AND attempts = ? AND status = 'PENDING'")) {
                ps.setString(1, error);
                ps.setBoolean(2, dead);
                ps.setBoolean(3, dead);
                ps.setDouble(4, retryIn == null ? 0 : seconds(retryIn));
                ps.setLong(5, delivery);
                ps.setInt(6, attempt);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<Instant> nextDue(int maxAttempts) {
        return run("next due", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT min(next_attempt_at) FROM webhook_delivery"
                    + " WHERE status = 'PENDING' AND attempts < ?")) {
                ps.setInt(1, maxAttempts);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Optional.ofNullable(instant(rs, 1));
                }
            }
        });
    }

    private static Webhook webhook(ResultSet rs) throws SQLException {
        return new Webhook(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), instant(rs, 4));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
