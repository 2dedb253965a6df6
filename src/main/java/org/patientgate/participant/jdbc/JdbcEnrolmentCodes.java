package org.patientgate.participant.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import javax.sql.DataSource;
import org.patientgate.participant.EnrolmentCodes;

/**
 * Enrolment codes ({@code enrolment_code}, by SHA-256) and the links they make ({@code
 * patient_identifier}, by blinded identifier) in PostgreSQL. Redeeming locks the code row, so a code
 * links once however many requests race for it.
 */
public final class JdbcEnrolmentCodes implements EnrolmentCodes {

    private final DataSource dataSource;

    public JdbcEnrolmentCodes(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public boolean save(byte[] codeHash, byte[] identifierHash, Instant expiresAt) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO enrolment_code (code_hash, identifier_hash, expires_at) VALUES (?, ?, ?)"
                                + " ON CONFLICT (code_hash) DO NOTHING")) {
            ps.setBytes(1, codeHash);
            ps.setBytes(2, identifierHash);
            ps.setObject(3, JdbcSessionStore.utc(expiresAt));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("enrolment code write failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Redemption redeem(byte[] codeHash, String patient, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Redemption r = redeem(c, codeHash, patient, now);
                if (r.outcome() == Outcome.LINKED || r.outcome() == Outcome.ALREADY_LINKED) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("enrolment failed: " + e.getSQLState(), e);
        }
    }

    private static Redemption redeem(Connection c, byte[] codeHash, String patient, Instant now) throws SQLException {
        byte[] identifier;
        try (PreparedStatement ps = c.prepareStatement("SELECT identifier_hash FROM enrolment_code"
                + " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? FOR UPDATE")) {
            ps.setBytes(1, codeHash);
            ps.setObject(2, JdbcSessionStore.utc(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Redemption(Outcome.UNUSABLE, null, null);
                }
                identifier = rs.getBytes(1);
            }
        }
        Outcome outcome;
        Instant linkedAt;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO patient_identifier (identifier_hash, patient, linked_at) VALUES (?, ?, ?)"
                        + " ON CONFLICT (identifier_hash) DO NOTHING")) {
            ps.setBytes(1, identifier);
            ps.setString(2, patient);
            ps.setObject(3, JdbcSessionStore.utc(now));
            if (ps.executeUpdate() == 1) {
                outcome = Outcome.LINKED;
                linkedAt = now;
            } else {
                outcome = null;
                linkedAt = null;
            }
        }
        if (outcome == null) {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT patient, linked_at FROM patient_identifier WHERE identifier_hash = ?")) {
                ps.setBytes(1, identifier);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!patient.equals(rs.getString(1))) {
                        return new Redemption(Outcome.LINKED_TO_ANOTHER, null, null);
                    }
                    outcome = Outcome.ALREADY_LINKED;
                    linkedAt = rs.getObject(2, OffsetDateTime.class).toInstant();
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE enrolment_code SET used_at = ?, used_by = ? WHERE code_hash = ?")) {
            ps.setObject(1, JdbcSessionStore.utc(now));
            ps.setString(2, patient);
            ps.setBytes(3, codeHash);
            ps.executeUpdate();
        }
        return new Redemption(outcome, identifier, linkedAt);
    }
}
