package org.patientgate.participant.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.participant.Participant;
import org.patientgate.participant.ParticipantStore;

/**
 * Registered participants in PostgreSQL ({@code participant}). A registration and the ledger write
 * that relays it commit together: the outbox write runs on the same connection.
 */
public final class JdbcParticipants implements ParticipantStore {

    private static final String COLUMNS = "SELECT address, role, encryption_key, name, registered_at FROM participant";
    private static final String SELECT = COLUMNS + " WHERE address = ?";

    private final DataSource dataSource;
    private final LedgerOutbox outbox;

    /** @param outbox the ledger outbox, or null when the hub follows no ledger */
    public JdbcParticipants(DataSource dataSource, LedgerOutbox outbox) {
        this.dataSource = dataSource;
        this.outbox = outbox;
    }

    @Override
    public Optional<Participant> find(String address) {
        try (Connection c = dataSource.getConnection()) {
            return find(c, address);
        } catch (SQLException e) {
            throw new IllegalStateException("participant read failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Map<String, Participant> findAll(Collection<String> addresses) {
        Map<String, Participant> found = new HashMap<>();
        if (addresses.isEmpty()) {
            return found;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE address = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", addresses.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Participant p = read(rs);
                    found.put(p.address(), p);
                }
            }
            return found;
        } catch (SQLException e) {
            throw new IllegalStateException("participant read failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Saved save(Participant candidate, LedgerWrite relay) {
        if (relay != null && outbox == null) {
            throw new IllegalStateException("a ledger relay without a ledger outbox");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Saved saved = save(c, candidate, relay);
                if (saved.outcome() == Outcome.CONFLICT) {
                    c.rollback();
                } else {
                    c.commit();
                }
                return saved;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("participant write failed: " + e.getSQLState(), e);
        }
    }

    private Saved save(Connection c, Participant candidate, LedgerWrite relay) throws SQLException {
        int inserted;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO participant (address, role, encryption_key, name, registered_at) VALUES (?, ?, ?, ?, ?)"
                        + " ON CONFLICT (address) DO NOTHING")) {
            ps.setString(1, candidate.address());
            ps.setString(2, candidate.role().name());
            ps.setBytes(3, candidate.encryptionKey());
            ps.setString(4, candidate.name());
            ps.setObject(5, OffsetDateTime.ofInstant(candidate.registeredAt(), ZoneOffset.UTC));
            inserted = ps.executeUpdate();
        }
        Participant stored = find(c, candidate.address())
                .orElseThrow(() -> new IllegalStateException("a registered participant is missing"));
        Outcome outcome;
        if (inserted == 1) {
            outcome = Outcome.CREATED;
        } else if (ParticipantStore.sameRegistration(stored, candidate)) {
            outcome = Outcome.UNCHANGED;
        } else {
            return new Saved(Outcome.CONFLICT, stored);
        }
        if (relay != null) {
            outbox.enqueue(c, relay);
        }
        return new Saved(outcome, stored);
    }

    private static Optional<Participant> find(Connection c, String address) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, address);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static Participant read(ResultSet rs) throws SQLException {
        return new Participant(
                rs.getString(1),
                Participant.Role.valueOf(rs.getString(2)),
                rs.getBytes(3),
                rs.getString(4),
                rs.getObject(5, OffsetDateTime.class).toInstant());
    }
}
