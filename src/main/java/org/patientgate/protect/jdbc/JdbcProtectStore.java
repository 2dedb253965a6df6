package org.patientgate.protect.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.patientgate.protect.ProtectStore;
import org.patientgate.protect.ProtectedReport;
import org.patientgate.protect.ProtectedReport.Packet;
import org.patientgate.protect.ProtectedReport.Slot;
import org.patientgate.protect.ProtectedReport.SlotState;

/** {@link ProtectStore} in PostgreSQL (migration V5). Batches use JDBC batches in one transaction. */
public final class JdbcProtectStore implements ProtectStore {

    private static final String REPORT_COLUMNS = "report_id, message_id, institution, patient_ref, patient,"
            + " content_hash, blob_hash, nonce, state, protected_at";

    private final DataSource dataSource;

    public JdbcProtectStore(DataSource dataSource) {
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
            throw new IllegalStateException("protect store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    private <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException("protect store " + what + " failed: " + e.getSQLState(), e);
        }
    }

    private static final String SLOT_SELECT = "SELECT slot, state, holder, module_half, kek_version FROM subkey_slot";

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Runs one query and maps every row. */
    private <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
        return read("read", c -> {
            List<T> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void saveAll(List<ProtectedReport> reports) {
        if (reports.isEmpty()) {
            return;
        }
        // One statement per table for the whole batch (unnest of arrays): PostgreSQL plans and executes
        // each statement once instead of once per row (a report has 1 + spare slot rows).
        inTransaction("write", c -> {
            int n = reports.size();
            UUID[] ids = new UUID[n];
            UUID[] messages = new UUID[n];
            String[] institutions = new String[n];
            byte[][] patientRefs = new byte[n][];
            String[] patients = new String[n];
            byte[][] contentHashes = new byte[n][];
            byte[][] blobHashes = new byte[n][];
            byte[][] nonces = new byte[n][];
            String[] protectedAt = new String[n];
            for (int i = 0; i < n; i++) {
                ProtectedReport r = reports.get(i);
                ids[i] = r.report();
                messages[i] = r.messageId();
                institutions[i] = r.institution();
                patientRefs[i] = r.patientRef();
                patients[i] = r.patient();
                contentHashes[i] = r.contentHash();
                blobHashes[i] = r.blobHash();
                nonces[i] = r.nonce();
                protectedAt[i] = r.protectedAt().toString(); // ISO-8601 in UTC, read as timestamptz
            }
            Set<UUID> insertedIds = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO protected_report (report_id, message_id,"
                    + " institution, patient_ref, patient, content_hash, blob_hash, nonce, protected_at)"
                    + " SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::bytea[], ?::text[], ?::bytea[],"
                    + " ?::bytea[], ?::bytea[], ?::timestamptz[])"
                    + " ON CONFLICT DO NOTHING RETURNING report_id")) {
                ps.setArray(1, c.createArrayOf("uuid", ids));
                ps.setArray(2, c.createArrayOf("uuid", messages));
                ps.setArray(3, c.createArrayOf("text", institutions));
                ps.setArray(4, c.createArrayOf("bytea", patientRefs));
                ps.setArray(5, c.createArrayOf("text", patients));
                ps.setArray(6, c.createArrayOf("bytea", contentHashes));
                ps.setArray(7, c.createArrayOf("bytea", blobHashes));
                ps.setArray(8, c.createArrayOf("bytea", nonces));
                ps.setArray(9, c.createArrayOf("text", protectedAt));
                // the rows actually inserted; one skipped ON CONFLICT (a redelivered report) is not returned
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        insertedIds.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            List<ProtectedReport> inserted = new ArrayList<>(insertedIds.size());
            for (ProtectedReport r : reports) {
                if (insertedIds.remove(r.report())) {
                    inserted.add(r);
                }
            }
            if (inserted.isEmpty()) {
                return null;
            }
            insertSlots(c, inserted);
            int m = inserted.size();
            UUID[] packetReports = new UUID[m];
            String[] recipients = new String[m];
            byte[][] sealed = new byte[m][];
            for (int i = 0; i < m; i++) {
                ProtectedReport r = inserted.get(i);
                packetReports[i] = r.report();
                recipients[i] = r.packet().recipient();
                sealed[i] = r.packet().sealed();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO subkey_packet (report_id, recipient, sealed)"
                    + " SELECT * FROM unnest(?::uuid[], ?::text[], ?::bytea[])")) {
                ps.setArray(1, c.createArrayOf("uuid", packetReports));
                ps.setArray(2, c.createArrayOf("text", recipients));
                ps.setArray(3, c.createArrayOf("bytea", sealed));
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static void insertSlots(Connection c, List<ProtectedReport> reports) throws SQLException {
        int n = 0;
        for (ProtectedReport r : reports) {
            n += r.slots().size();
        }
        UUID[] ids = new UUID[n];
        Integer[] slots = new Integer[n];
        String[] states = new String[n];
        String[] holders = new String[n];
        byte[][] halves = new byte[n][];
        Integer[] versions = new Integer[n];
        int i = 0;
        for (ProtectedReport r : reports) {
            for (Slot s : r.slots()) {
                ids[i] = r.report();
                slots[i] = s.slot();
                states[i] = s.state().name();
                holders[i] = s.holder();
                halves[i] = s.moduleHalf();
                versions[i] = s.kekVersion();
                i++;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO subkey_slot (report_id, slot, state, holder,"
                + " module_half, kek_version) SELECT * FROM unnest(?::uuid[], ?::int[], ?::text[], ?::text[],"
                + " ?::bytea[], ?::int[])")) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            ps.setArray(2, c.createArrayOf("int4", slots));
            ps.setArray(3, c.createArrayOf("text", states));
            ps.setArray(4, c.createArrayOf("text", holders));
            ps.setArray(5, c.createArrayOf("bytea", halves));
            ps.setArray(6, c.createArrayOf("int4", versions));
            ps.executeUpdate();
        }
    }

    private static void bindSlot(PreparedStatement ps, UUID report, Slot s) throws SQLException {
        ps.setObject(1, report);
        ps.setInt(2, s.slot());
        ps.setString(3, s.state().name());
        ps.setString(4, s.holder());
        ps.setBytes(5, s.moduleHalf());
        if (s.kekVersion() == null) {
            ps.setNull(6, Types.INTEGER);
        } else {
            ps.setInt(6, s.kekVersion());
        }
    }

    @Override
    public Optional<ReportRecord> report(UUID report) {
        return query(
                        "SELECT " + REPORT_COLUMNS + " FROM protected_report WHERE report_id = ?",
                        ps -> ps.setObject(1, report),
                        JdbcProtectStore::reportRecord)
                .stream()
                .findFirst();
    }

    @Override
    public List<ReportRecord> reports(Collection<UUID> reports) {
        if (reports.isEmpty()) {
            return List.of();
        }
        return query(
                "SELECT " + REPORT_COLUMNS + " FROM protected_report WHERE report_id = ANY(?)",
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("uuid", reports.toArray(new UUID[0]))),
                JdbcProtectStore::reportRecord);
    }

    @Override
    public Map<UUID, UUID> reportsForMessages(List<UUID> messageIds) {
        if (messageIds.isEmpty()) {
            return Map.of();
        }
        return read("read", c -> {
            Map<UUID, UUID> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT message_id, report_id FROM protected_report WHERE message_id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("uuid", messageIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class));
                    }
                }
            }
            return out;
        });
    }

    private static ReportRecord reportRecord(ResultSet rs) throws SQLException {
        return new ReportRecord(
                rs.getObject(1, UUID.class),
                rs.getObject(2, UUID.class),
                rs.getString(3),
                rs.getBytes(4),
                rs.getString(5),
                rs.getBytes(6),
                rs.getBytes(7),
                rs.getBytes(8),
                rs.getString(9),
                rs.getTimestamp(10).toInstant());
    }

    @Override
    public Optional<Slot> slot(UUID report, int slot) {
        return query(
                        SLOT_SELECT + " WHERE report_id = ? AND slot = ?",
                        ps -> {
                            ps.setObject(1, report);
                            ps.setInt(2, slot);
                        },
                        JdbcProtectStore::slotOf)
                .stream()
                .findFirst();
    }

    private static Slot slotOf(ResultSet rs) throws SQLException {
        int version = rs.getInt(5);
        return new Slot(
                rs.getInt(1),
                SlotState.valueOf(rs.getString(2)),
                rs.getString(3),
                rs.getBytes(4),
                rs.wasNull() ? null : version);
    }

    @Override
    public List<Slot> slots(UUID report) {
        return query(
                SLOT_SELECT + " WHERE report_id = ? ORDER BY slot",
                ps -> ps.setObject(1, report),
                JdbcProtectStore::slotOf);
    }

    @Override
    public List<ReportRecord> reportsOf(String patient, int limit) {
        return query(
                "SELECT " + REPORT_COLUMNS
                        + " FROM protected_report WHERE patient = ? ORDER BY protected_at DESC LIMIT ?",
                ps -> {
                    ps.setString(1, patient);
                    ps.setInt(2, limit);
                },
                JdbcProtectStore::reportRecord);
    }

    @Override
    public List<byte[]> packets(UUID report, String recipient) {
        return query(
                "SELECT sealed FROM subkey_packet WHERE report_id = ? AND recipient = ? ORDER BY id",
                ps -> {
                    ps.setObject(1, report);
                    ps.setString(2, recipient);
                },
                rs -> rs.getBytes(1));
    }

    @Override
    public boolean allocate(UUID report, int slot, String node, byte[] sealedForNode, Instant at) {
        return inTransaction("allocate", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE subkey_slot SET state = 'ALLOCATED', holder = ?,"
                    + " allocated_at = ? WHERE report_id = ? AND slot = ? AND state = 'SPARE'")) {
                ps.setString(1, node);
                ps.setTimestamp(2, Timestamp.from(at));
                ps.setObject(3, report);
                ps.setInt(4, slot);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO subkey_delivery (report_id, slot, node, sealed,"
                    + " allocated_at) VALUES (?, ?, ?, ?, ?)")) {
                ps.setObject(1, report);
                ps.setInt(2, slot);
                ps.setString(3, node);
                ps.setBytes(4, sealedForNode);
                ps.setTimestamp(5, Timestamp.from(at));
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public boolean revoke(UUID report, int slot, Instant at) {
        return inTransaction("revoke", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM subkey_delivery WHERE report_id = ? AND slot = ?")) {
                ps.setObject(1, report);
                ps.setInt(2, slot);
                ps.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE subkey_slot SET state = 'REVOKED', module_half = NULL,"
                            + " kek_version = NULL, revoked_at = ? WHERE report_id = ? AND slot = ?"
                            + " AND state IN ('SPARE', 'ALLOCATED')")) {
                ps.setTimestamp(1, Timestamp.from(at));
                ps.setObject(2, report);
                ps.setInt(3, slot);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int shred(UUID report, Instant at) {
        return inTransaction("shred", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM subkey_delivery WHERE report_id = ?")) {
                ps.setObject(1, report);
                ps.executeUpdate();
            }
            int deleted;
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE subkey_slot SET state = 'SHREDDED', module_half = NULL,"
                            + " kek_version = NULL, revoked_at = ? WHERE report_id = ? AND module_half IS NOT NULL")) {
                ps.setTimestamp(1, Timestamp.from(at));
                ps.setObject(2, report);
                deleted = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE protected_report SET state = 'SHREDDED',"
                    + " shredded_at = ? WHERE report_id = ? AND state = 'ACTIVE'")) {
                ps.setTimestamp(1, Timestamp.from(at));
                ps.setObject(2, report);
                ps.executeUpdate();
            }
            return deleted;
        });
    }

    @Override
    public void addSlots(UUID report, List<Slot> slots, Packet packet) {
        inTransaction("add slots", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO subkey_slot (report_id, slot, state, holder,"
                    + " module_half, kek_version) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (Slot s : slots) {
                    bindSlot(ps, report, s);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO subkey_packet (report_id, recipient, sealed) VALUES (?, ?, ?)")) {
                ps.setObject(1, report);
                ps.setString(2, packet.recipient());
                ps.setBytes(3, packet.sealed());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Delivery> deliveries(String node) {
        return query(
                "SELECT report_id, slot, sealed, allocated_at FROM subkey_delivery WHERE node = ? ORDER BY allocated_at",
                ps -> ps.setString(1, node),
                rs -> new Delivery(
                        rs.getObject(1, UUID.class),
                        rs.getInt(2),
                        rs.getBytes(3),
                        rs.getTimestamp(4).toInstant()));
    }

    @Override
    public List<ReportRecord> pending(byte[] patientRef, int limit) {
        return query(
                "SELECT " + REPORT_COLUMNS
                        + " FROM protected_report WHERE patient_ref = ? AND patient IS NULL ORDER BY protected_at LIMIT ?",
                ps -> {
                    ps.setBytes(1, patientRef);
                    ps.setInt(2, limit);
                },
                JdbcProtectStore::reportRecord);
    }

    @Override
    public boolean assignPatient(UUID report, String patient, String heldBy, List<Packet> packets) {
        return inTransaction("assign", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE protected_report SET patient = ? WHERE report_id = ? AND patient IS NULL")) {
                ps.setString(1, patient);
                ps.setObject(2, report);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE subkey_slot SET holder = ? WHERE report_id = ? AND slot = 0")) {
                ps.setString(1, patient);
                ps.setObject(2, report);
                ps.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM subkey_packet WHERE report_id = ? AND recipient = ?")) {
                ps.setObject(1, report);
                ps.setString(2, heldBy);
                ps.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO subkey_packet (report_id, recipient, sealed) VALUES (?, ?, ?)")) {
                for (Packet p : packets) {
                    ps.setObject(1, report);
                    ps.setString(2, p.recipient());
                    ps.setBytes(3, p.sealed());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return true;
        });
    }

    @Override
    public void audit(AuditRecord record) {
        // one INSERT in autocommit: committed (durably) when it returns, without the COMMIT round trip of a
        // transaction; every decrypt writes one
        read("audit", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO protect_audit (at, action, caller, report_id,"
                    + " slot, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setTimestamp(1, Timestamp.from(record.at()));
                ps.setString(2, record.action());
                ps.setString(3, record.caller());
                ps.setObject(4, record.report());
                if (record.slot() == null) {
                    ps.setNull(5, Types.INTEGER);
                } else {
                    ps.setInt(5, record.slot());
                }
                ps.setString(6, record.outcome());
                ps.setString(7, record.reason());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<AuditRecord> audit(UUID report) {
        return query(
                "SELECT at, action, caller, report_id, slot, outcome, reason FROM protect_audit"
                        + " WHERE report_id = ? ORDER BY id",
                ps -> ps.setObject(1, report),
                rs -> {
                    int slot = rs.getInt(5);
                    Integer slotValue = rs.wasNull() ? null : slot;
                    return new AuditRecord(
                            rs.getTimestamp(1).toInstant(),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getObject(4, UUID.class),
                            slotValue,
                            rs.getString(6),
                            rs.getString(7));
                });
    }

    @Override
    public List<WrappedHalf> halvesNotUnder(int current, int limit) {
        return query(
                "SELECT report_id, slot, module_half, kek_version FROM subkey_slot"
                        + " WHERE module_half IS NOT NULL AND kek_version <> ? LIMIT ?",
                ps -> {
                    ps.setInt(1, current);
                    ps.setInt(2, limit);
                },
                rs -> new WrappedHalf(rs.getObject(1, UUID.class), rs.getInt(2), rs.getBytes(3), rs.getInt(4)));
    }

    @Override
    public void rewrap(List<WrappedHalf> halves) {
        if (halves.isEmpty()) {
            return;
        }
        inTransaction("rewrap", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE subkey_slot SET module_half = ?, kek_version = ?"
                    + " WHERE report_id = ? AND slot = ? AND module_half IS NOT NULL")) {
                for (WrappedHalf h : halves) {
                    ps.setBytes(1, h.wrapped());
                    ps.setInt(2, h.kekVersion());
                    ps.setObject(3, h.report());
                    ps.setInt(4, h.slot());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Map<Integer, Long> kekVersionsInUse() {
        return read("read", c -> {
            Map<Integer, Long> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT kek_version, count(*) FROM subkey_slot"
                            + " WHERE module_half IS NOT NULL GROUP BY kek_version");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return out;
        });
    }
}
