package org.patientgate.participant.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.participant.Caller;
import org.patientgate.participant.Participant;
import org.patientgate.participant.SessionStore;

/**
 * Sign-in challenges ({@code auth_challenge}) and sessions ({@code participant_session}) in
 * PostgreSQL, by SHA-256 hash only. Spending a challenge is one conditional update, so two answers
 * to the same challenge cannot both start a session; expired rows are dropped as new ones are made.
 */
public final class JdbcSessionStore implements SessionStore {

    private final DataSource dataSource;

    public JdbcSessionStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void saveChallenge(byte[] challengeHash, String address, Instant expiresAt, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM auth_challenge WHERE expires_at < ?")) {
                ps.setObject(1, utc(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO auth_challenge (challenge_hash, address, expires_at) VALUES (?, ?, ?)")) {
                ps.setBytes(1, challengeHash);
                ps.setString(2, address);
                ps.setObject(3, utc(expiresAt));
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("challenge write failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Optional<OpenChallenge> openChallenge(byte[] challengeHash, Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT address, expires_at FROM auth_challenge"
                        + " WHERE challenge_hash = ? AND NOT used AND expires_at > ?")) {
            ps.setBytes(1, challengeHash);
            ps.setObject(2, utc(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new OpenChallenge(
                                rs.getString(1),
                                rs.getObject(2, OffsetDateTime.class).toInstant()))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("challenge read failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public boolean startSession(byte[] challengeHash, byte[] tokenHash, Caller caller, Instant expiresAt, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int spent;
                try (PreparedStatement ps = c.prepareStatement("UPDATE auth_challenge SET used = true"
                        + " WHERE challenge_hash = ? AND address = ? AND NOT used AND expires_at > ?")) {
                    ps.setBytes(1, challengeHash);
                    ps.setString(2, caller.address());
                    ps.setObject(3, utc(now));
                    spent = ps.executeUpdate();
                }
                if (spent != 1) {
                    c.rollback();
                    return false;
                }
                try (PreparedStatement ps =
                        c.prepareStatement("DELETE FROM participant_session WHERE expires_at < ?")) {
                    ps.setObject(1, utc(now));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO participant_session (token_hash, address, role, expires_at) VALUES (?, ?, ?, ?)")) {
                    ps.setBytes(1, tokenHash);
                    ps.setString(2, caller.address());
                    ps.setString(3, caller.role().name());
                    ps.setObject(4, utc(expiresAt));
                    ps.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("session write failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Optional<Caller> caller(byte[] tokenHash, Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT address, role FROM participant_session WHERE token_hash = ? AND expires_at > ?")) {
            ps.setBytes(1, tokenHash);
            ps.setObject(2, utc(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Caller(rs.getString(1), Participant.Role.valueOf(rs.getString(2))))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("session read failed: " + e.getSQLState(), e);
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
