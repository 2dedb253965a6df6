package org.patientgate.protect;

import java.util.SortedSet;

/**
 * The module's key-encryption keys (KEK), versioned. Every secret the module stores (the halves m_i
 * of report data keys, the at-rest storage keys) is wrapped under the current version with AES-256-GCM
 * and the caller's associated data; the wrapped form starts with the version that made it, so a
 * rotation can find and re-wrap what an older version wrapped without touching anything else.
 *
 * <p>Wrapped form: version (4 bytes, big-endian) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
 */
public interface KeyEncryptionKeys {

    /** The version new wraps use. */
    int current();

    /** Every version the custody still holds, oldest first. */
    SortedSet<Integer> versions();

    /** Wraps {@code secret} under the current version, bound to {@code aad}. */
    byte[] wrap(byte[] secret, byte[] aad);

    /**
     * Unwraps with the version the wrapped form names.
     *
     * @throws ProtectException if that version is gone, or the bytes or {@code aad} were altered
     */
    byte[] unwrap(byte[] wrapped, byte[] aad);

    /** Creates a new version and makes it current; returns it. Nothing is re-wrapped here. */
    int rotate();

    /** Deletes an old version from custody (never the current one). */
    void retire(int version);

    /** The version a wrapped form was made with. */
    static int versionOf(byte[] wrapped) {
        if (wrapped == null || wrapped.length < 4) {
            throw new ProtectException(ProtectException.Reason.CORRUPT, "wrapped key is too short");
        }
        return ((wrapped[0] & 0xff) << 24)
                | ((wrapped[1] & 0xff) << 16)
                | ((wrapped[2] & 0xff) << 8)
                | (wrapped[3] & 0xff);
    }
}
