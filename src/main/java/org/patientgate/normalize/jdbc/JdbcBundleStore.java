package org.patientgate.normalize.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.patientgate.normalize.BundleStore;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;

/**
 * Canonical bundles in PostgreSQL ({@code canonical_bundle}), written with synchronous commit: the
 * bundle is durable before the message is marked processed and handed on. The bundle JSON is stored
 * sealed ({@link AtRestCipher}, bound to the message id's 16 bytes) and opened on every read.
 */
public final class JdbcBundleStore implements BundleStore {

    /** The sealed column, for sealing rows written in clear before encryption at rest. */
    public static final JdbcLegacySealer.Column SEALED_BUNDLE =
            new JdbcLegacySealer.Column("canonical_bundle", "message_id", "bundle", "message_id");

    private final DataSource dataSource;
    private final AtRestCipher cipher;

    public JdbcBundleStore(DataSource dataSource, AtRestCipher cipher) {
        this.dataSource = dataSource;
        this.cipher = cipher;
    }

    private static final String UPSERT = "INSERT INTO canonical_bundle (message_id, bundle_id, structure, bundle)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET bundle_id = excluded.bundle_id,"
            + " structure = excluded.structure, bundle = excluded.bundle, normalized_at = now()";

    @Override
    public void save(UUID messageId, CanonicalBundle bundle) {
        saveAll(java.util.Map.of(messageId, bundle));
    }

    @Override
    public void saveAll(java.util.Map<UUID, CanonicalBundle> bundles) {
        if (bundles.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                for (java.util.Map.Entry<UUID, CanonicalBundle> e : bundles.entrySet()) {
                    ps.setObject(1, e.getKey());
                    ps.setString(2, e.getValue().bundleId());
                    ps.setString(3, e.getValue().structure());
                    ps.setBytes(4, cipher.seal(e.getValue().json(), aad(e.getKey())));
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("bundle store write failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Optional<CanonicalBundle> find(UUID messageId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT bundle_id, structure, bundle FROM canonical_bundle WHERE message_id = ?")) {
            ps.setObject(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new CanonicalBundle(
                        rs.getString(1), rs.getString(2), cipher.open(rs.getBytes(3), aad(messageId))));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("bundle store read failed: " + e.getSQLState(), e);
        }
    }

    @Override
    public Map<UUID, CanonicalBundle> findAll(Collection<UUID> messageIds) {
        Map<UUID, CanonicalBundle> found = new HashMap<>();
        if (messageIds.isEmpty()) {
            return found;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT message_id, bundle_id, structure, bundle"
                        + " FROM canonical_bundle WHERE message_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", messageIds.toArray(new UUID[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    found.put(
                            id,
                            new CanonicalBundle(
                                    rs.getString(2), rs.getString(3), cipher.open(rs.getBytes(4), aad(id))));
                }
            }
            return found;
        } catch (SQLException e) {
            throw new IllegalStateException("bundle store read failed: " + e.getSQLState(), e);
        }
    }

    /** The associated data a bundle is sealed with: the message id's 16 bytes. */
    private static byte[] aad(UUID messageId) {
        return java.nio.ByteBuffer.allocate(16)
                .putLong(messageId.getMostSignificantBits())
                .putLong(messageId.getLeastSignificantBits())
                .array();
    }
}
