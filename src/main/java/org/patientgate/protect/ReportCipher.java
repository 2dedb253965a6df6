package org.patientgate.protect;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM of one report under its data key K, with the JDK provider (bulk encryption is the hot
 * path: the JDK's intrinsic AES-GCM is some forty times faster here than a pure-Java cipher). The
 * associated data binds the ciphertext to its report id, its patient (the blinded identifier) and the
 * SHA-256 of its plaintext, so a ciphertext moved to another report or patient does not open.
 */
public final class ReportCipher {

    public static final int KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] AAD_LABEL = {'P', 'G', 'R', '1'};

    private ReportCipher() {}

    /** "PGR1" ‖ report id (16) ‖ patient reference ‖ content hash. */
    public static byte[] associatedData(UUID report, byte[] patientRef, byte[] contentHash) {
        return ByteBuffer.allocate(4 + 16 + patientRef.length + contentHash.length)
                .put(AAD_LABEL)
                .put(SubKeyString.reportBytes(report))
                .put(patientRef)
                .put(contentHash)
                .array();
    }

    public static byte[] encrypt(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "AES-GCM encryption failed: " + e.getClass().getSimpleName());
        }
    }

    /**
     * @throws ProtectException (FORGED) when the key, nonce, associated data or ciphertext is not the
     *     one the report was sealed with
     */
    public static byte[] decrypt(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new ProtectException(ProtectException.Reason.FORGED, "the sub-key does not open this report");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "AES-GCM decryption failed: " + e.getClass().getSimpleName());
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable");
        }
    }

    /** a ⊕ b for two 32-byte values. */
    public static byte[] xor(byte[] a, byte[] b) {
        if (a.length != KEY_LENGTH || b.length != KEY_LENGTH) {
            throw new IllegalArgumentException("key halves are 32 bytes");
        }
        byte[] out = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }
}
