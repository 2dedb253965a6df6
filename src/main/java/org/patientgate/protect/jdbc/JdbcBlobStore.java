package org.patientgate.protect.jdbc;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.protect.BlobStore;
import org.patientgate.protect.ProtectException;
import org.patientgate.protect.ReportCipher;

/** {@link BlobStore} in PostgreSQL ({@code protect_blob}): content-addressed, inserted once. */
public final class JdbcBlobStore implements BlobStore {

    /** All of a batch in one statement (unnest of arrays), so PostgreSQL executes it once, not per row. */
    private static final String INSERT = "INSERT INTO protect_blob (hash, content, size)"
            + " SELECT * FROM unnest(?::bytea[], ?::bytea[], ?::int[]) ON CONFLICT (hash) DO NOTHING";

    private final DataSource dataSource;

    public JdbcBlobStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public byte[] put(byte[] content) {
        return putAll(List.of(content)).get(0);
    }

    @Override
    public List<byte[]> putAll(List<byte[]> contents) {
        List<byte[]> hashes = new ArrayList<>(contents.size());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                Integer[] sizes = new Integer[contents.size()];
                for (int i = 0; i < contents.size(); i++) {
                    hashes.add(ReportCipher.sha256(contents.get(i)));
                    sizes[i] = contents.get(i).length;
                }
                ps.setArray(1, c.createArrayOf("bytea", hashes.toArray(new byte[0][])));
                ps.setArray(2, c.createArrayOf("bytea", contents.toArray(new byte[0][])));
                ps.setArray(3, c.createArrayOf("int4", sizes));
                ps.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("blob store write failed: " + e.getSQLState(), e);
        }
        return hashes;
    }

    @Override
    public Optional<byte[]> get(byte[] hash) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT content FROM protect_blob WHERE hash = ?")) {
            ps.setBytes(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                byte[] content = rs.getBytes(1);
                if (!MessageDigest.isEqual(ReportCipher.sha256(content), hash)) {
                    throw new ProtectException(
                            ProtectException.Reason.CORRUPT, "a stored ciphertext does not match its hash");
                }
                return Optional.of(content);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("blob store read failed: " + e.getSQLState(), e);
        }
    }
}
