package org.patientgate.protect;

/**
 * Encryption at rest of what the hub keeps before a report is protected: raw inbound messages (the
 * message store and the dead-letter store) and canonical bundles waiting for the protection stage.
 * AES-256-GCM (JDK provider) under a storage key that is itself wrapped by the module's
 * key-encryption key, so a KEK rotation re-wraps one small key, not every stored message.
 *
 * <p>Sealed form: {@code 0x00 'P' 'G' 0x01} ‖ storage key id (4 bytes) ‖ nonce (12) ‖ ciphertext ‖ tag.
 * No HL7 v2 message or JSON document starts with a zero byte, so {@link #isSealed} tells a sealed
 * value from a row written before encryption at rest existed.
 */
public interface AtRestCipher {

    /** Encrypts {@code plaintext}, bound to {@code aad} (the row's identity, e.g. the message id). */
    byte[] seal(byte[] plaintext, byte[] aad);

    /**
     * Decrypts what {@link #seal} made with the same {@code aad}; a value that is not sealed (a row
     * from before encryption at rest) is returned as it is.
     *
     * @throws ProtectException if the value was altered or bound to another {@code aad}
     */
    byte[] open(byte[] stored, byte[] aad);

    /** Whether {@code stored} is in the sealed form. */
    static boolean isSealed(byte[] stored) {
        return stored != null
                && stored.length >= 4
                && stored[0] == 0
                && stored[1] == 'P'
                && stored[2] == 'G'
                && stored[3] == 1;
    }
}
