package org.patientgate.protect.jdbc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.KeyEncryptionKeys;
import org.patientgate.protect.ProtectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AtRestCipher} with its storage keys in PostgreSQL ({@code protect_storage_key}), each kept
 * only wrapped under the module's {@link KeyEncryptionKeys} (associated data {@code "patientgate
 * storage key <id>"}, so a wrapped key cannot be moved to another id). The newest key seals; every
 * key a stored value names is unwrapped once and then kept in memory, so the hot path is one
 * AES-256-GCM operation with the JDK provider (a few microseconds for a 15 KB message) and no
 * database or key-custody call.
 *
 * <p>The header (magic and key id) is authenticated together with the caller's associated data, so
 * a changed key id, nonce, ciphertext or tag, or a value moved to another row, fails its tag check.
 * A value one byte away from the magic is refused as altered rather than passed through as a legacy
 * clear value.
 */
public final class JdbcAtRestCipher implements AtRestCipher, org.patientgate.protect.PrivacyModule.KeyRewrapper {

    private static final Logger log = LoggerFactory.getLogger(JdbcAtRestCipher.class);

    /** The sealed form's first four bytes. */
    static final byte[] MAGIC = {0, 'P', 'G', 1};

    private static final int HEADER = 8; // magic + key id
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final int KEY_BYTES = 32;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** The JDK's own provider: AES-GCM there uses the CPU's AES and carry-less multiply instructions. */
    private static final String PROVIDER = "SunJCE";

    /** Init re-keys a cached instance; only the provider lookup of getInstance is saved. */
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance(TRANSFORMATION, PROVIDER);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "AES-GCM is not available: " + e.getClass().getSimpleName());
        }
    });

    private final DataSource dataSource;
    private final KeyEncryptionKeys keks;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, SecretKey> keys = new ConcurrentHashMap<>();
    private volatile int newest;

    /**
     * Loads the newest storage key, creating key 1 under the current KEK if there is none. Two hubs
     * starting together on one database both insert key 1 with {@code ON CONFLICT DO NOTHING} and
     * then read back the one that won.
     */
    public JdbcAtRestCipher(DataSource dataSource, KeyEncryptionKeys keks) {
        this.dataSource = dataSource;
        this.keks = keks;
        Integer id = newestId();
        if (id == null) {
            insertKey(1);
            id = newestId();
            if (id == null) {
                throw new IllegalStateException("protect_storage_key: key 1 was neither inserted nor found");
            }
        }
        key(id);
        newest = id;
        log.info("At-rest encryption ready: storage key {} seals new values", id);
    }

    @Override
    public byte[] seal(byte[] plaintext, byte[] aad) {
        int id = newest;
        SecretKey key = key(id);
        byte[] out = new byte[HEADER + NONCE + plaintext.length + TAG_BITS / 8];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        putInt(out, 4, id);
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, HEADER, NONCE);
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(out, 0, HEADER);
            cipher.updateAAD(aad);
            int written = cipher.doFinal(plaintext, 0, plaintext.length, out, HEADER + NONCE);
            if (written != plaintext.length + TAG_BITS / 8) {
                throw new IllegalStateException("at-rest seal wrote an unexpected length");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "at-rest seal failed: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public byte[] open(byte[] stored, byte[] aad) {
        if (!AtRestCipher.isSealed(stored)) {
            if (nearlySealed(stored)) {
                throw corrupt();
            }
            return stored;
        }
        if (stored.length < HEADER + NONCE + TAG_BITS / 8) {
            throw corrupt();
        }
        SecretKey key = key(getInt(stored, 4));
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, HEADER, NONCE));
            cipher.updateAAD(stored, 0, HEADER);
            cipher.updateAAD(aad);
            return cipher.doFinal(stored, HEADER + NONCE, stored.length - HEADER - NONCE);
        } catch (AEADBadTagException e) {
            throw corrupt();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "at-rest open failed: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Re-wraps every storage key not wrapped under the current KEK version (after {@link
     * KeyEncryptionKeys#rotate()}), in one transaction, so the older version can then be retired.
     * The storage keys themselves do not change: no sealed value is touched.
     *
     * @return how many keys were re-wrapped
     */
    public int rewrap(KeyEncryptionKeys keks) {
        int current = keks.current();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int count = 0;
                List<Object[]> stale = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, wrapped FROM protect_storage_key"
                        + " WHERE kek_version <> ? ORDER BY id FOR UPDATE")) {
                    ps.setInt(1, current);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            stale.add(new Object[] {rs.getInt(1), rs.getBytes(2)});
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE protect_storage_key SET wrapped = ?, kek_version = ? WHERE id = ?")) {
                    for (Object[] row : stale) {
                        int id = (Integer) row[0];
                        byte[] secret = keks.unwrap((byte[]) row[1], aadOf(id));
                        try {
                            byte[] wrapped = keks.wrap(secret, aadOf(id));
                            ps.setBytes(1, wrapped);
                            ps.setInt(2, KeyEncryptionKeys.versionOf(wrapped));
                            ps.setInt(3, id);
                            count += ps.executeUpdate();
                        } finally {
                            Arrays.fill(secret, (byte) 0);
                        }
                    }
                }
                c.commit();
                if (count > 0) {
                    log.info("Re-wrapped {} storage key(s) under key-encryption key version {}", count, current);
                }
                return count;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storage key re-wrap failed: " + e.getSQLState(), e);
        }
    }

    /** The KEK versions that still wrap a storage key: a version in this set must not be retired. */
    public Set<Integer> kekVersionsInUse() {
        Set<Integer> versions = new TreeSet<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT DISTINCT kek_version FROM protect_storage_key");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
            return versions;
        } catch (SQLException e) {
            throw new IllegalStateException("storage key read failed: " + e.getSQLState(), e);
        }
    }

    /**
     * Creates a new storage key (the next id, wrapped under the current KEK) and seals with it from
     * now on; values sealed under older keys still open. Another hub on the same database keeps
     * sealing with the key it loaded until it restarts, and opens values of the new key by loading
     * it on first sight.
     *
     * @return the new key's id
     */
    public synchronized int rotateStorageKey() {
        Integer before = newestId();
        int next = (before == null ? 0 : before) + 1;
        insertKey(next);
        Integer id = newestId();
        key(id);
        newest = id;
        log.info("Storage key {} now seals new values", id);
        return id;
    }

    /** The id of the storage key that seals new values. */
    public int newestKeyId() {
        return newest;
    }

    /**
     * Whether {@code stored} is not sealed but differs from the magic in exactly one byte: no HL7 v2
     * message (8-bit or UTF-16), FHIR JSON or XML starts like that, a sealed value with an altered
     * header does.
     */
    static boolean nearlySealed(byte[] stored) {
        if (stored == null || stored.length < MAGIC.length) {
            return false;
        }
        int differing = 0;
        for (int i = 0; i < MAGIC.length; i++) {
            if (stored[i] != MAGIC[i]) {
                differing++;
            }
        }
        return differing == 1;
    }

    private SecretKey key(int id) {
        SecretKey key = keys.get(id);
        if (key != null) {
            return key;
        }
        return keys.computeIfAbsent(id, this::loadKey);
    }

    private SecretKey loadKey(int id) {
        byte[] wrapped;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT wrapped FROM protect_storage_key WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ProtectException(
                            ProtectException.Reason.CORRUPT, "stored value names an unknown storage key");
                }
                wrapped = rs.getBytes(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storage key read failed: " + e.getSQLState(), e);
        }
        byte[] secret = keks.unwrap(wrapped, aadOf(id));
        try {
            if (secret.length != KEY_BYTES) {
                throw new ProtectException(ProtectException.Reason.CORRUPT, "storage key has the wrong length");
            }
            return new SecretKeySpec(secret, "AES");
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private Integer newestId() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT max(id) FROM protect_storage_key");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            int id = rs.getInt(1);
            return rs.wasNull() ? null : id;
        } catch (SQLException e) {
            throw new IllegalStateException("storage key read failed: " + e.getSQLState(), e);
        }
    }

    private void insertKey(int id) {
        byte[] secret = new byte[KEY_BYTES];
        random.nextBytes(secret);
        try {
            byte[] wrapped = keks.wrap(secret, aadOf(id));
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO protect_storage_key (id, wrapped,"
                            + " kek_version) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                ps.setInt(1, id);
                ps.setBytes(2, wrapped);
                ps.setInt(3, KeyEncryptionKeys.versionOf(wrapped));
                if (ps.executeUpdate() == 1) {
                    log.info("Created storage key {}", id);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("storage key write failed: " + e.getSQLState(), e);
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    static byte[] aadOf(int id) {
        return ("patientgate storage key " + id).getBytes(StandardCharsets.UTF_8);
    }

    private static ProtectException corrupt() {
        return new ProtectException(ProtectException.Reason.CORRUPT, "stored value failed its integrity check");
    }

    private static void putInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b, at, 4).putInt(v);
    }

    private static int getInt(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).getInt();
    }
}
