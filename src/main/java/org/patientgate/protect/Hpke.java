package org.patientgate.protect;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * HPKE (RFC 9180) base mode with the one suite PatientGate uses: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM, single-shot. A sealed value is {@code enc (32 bytes) ‖ ciphertext}.
 *
 * <p>The X25519 function is BouncyCastle's; the KEM's ExtractAndExpand (§4.1) and the key schedule
 * (§5.1) are written out here over the JDK's HMAC-SHA256, and the AEAD is the JDK's AES-GCM, whose
 * intrinsics are some twenty times faster than BouncyCastle's pure-Java AES-GCM on a 15 KB report
 * (BouncyCastle's HPKE class spent more time there than in X25519). HpkeTest checks this against the
 * RFC 9180 test vector and against BouncyCastle's HPKE in both directions.
 */
public final class Hpke {

    /** Length of the encapsulated key (an X25519 public key). */
    public static final int ENC_LENGTH = 32;

    /** Length of a raw X25519 key. */
    public static final int KEY_LENGTH = 32;

    private static final int TAG_LENGTH = 16;
    private static final int AEAD_KEY_LENGTH = 32;
    private static final int NONCE_LENGTH = 12;

    private static final ThreadLocal<HPKE> SUITE = ThreadLocal.withInitial(
            () -> new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256));

    private static final byte[] VERSION = ascii("HPKE-v1");
    /** suite_id of the KEM: "KEM" ‖ I2OSP(0x0020, 2). */
    private static final byte[] KEM_SUITE = {'K', 'E', 'M', 0x00, 0x20};
    /** suite_id of the scheme: "HPKE" ‖ kem 0x0020 ‖ kdf 0x0001 ‖ aead 0x0002. */
    private static final byte[] HPKE_SUITE = {'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x02};

    private static final byte[] EMPTY = new byte[0];
    /** HKDF-Extract with no salt uses HashLen zero bytes (RFC 5869 §2.2). */
    private static final byte[] ZERO_SALT = new byte[32];

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable");
        }
    });
    /** psk_id_hash: LabeledExtract("", "psk_id_hash", "") is the same for every base-mode context. */
    private static final byte[] PSK_ID_HASH = labeledExtract(HPKE_SUITE, EMPTY, "psk_id_hash", EMPTY);

    private Hpke() {}

    /** An X25519 key pair, raw (RFC 7748). */
    public record KeyPair(byte[] privateKey, byte[] publicKey) {

        @Override
        public String toString() {
            return "KeyPair[private=****]";
        }
    }

    /** A fresh X25519 key pair. */
    public static KeyPair generateKeyPair() {
        AsymmetricCipherKeyPair pair = SUITE.get().generatePrivateKey();
        return new KeyPair(
                ((X25519PrivateKeyParameters) pair.getPrivate()).getEncoded(),
                ((X25519PublicKeyParameters) pair.getPublic()).getEncoded());
    }

    /** The public key of a raw X25519 private key. */
    public static byte[] publicKeyOf(byte[] privateKey) {
        return new X25519PrivateKeyParameters(requireKey(privateKey, "private key"), 0)
                .generatePublicKey()
                .getEncoded();
    }

    /** Seals {@code plaintext} to {@code recipientPublicKey}; returns enc ‖ ciphertext. */
    public static byte[] seal(byte[] recipientPublicKey, byte[] info, byte[] aad, byte[] plaintext) {
        byte[] ephemeral = new byte[KEY_LENGTH];
        X25519.generatePrivateKey(RANDOM, ephemeral);
        try {
            return seal(recipientPublicKey, info, aad, plaintext, ephemeral);
        } finally {
            Arrays.fill(ephemeral, (byte) 0);
        }
    }

    /** {@link #seal} with a given ephemeral private key (the RFC 9180 vector's, in tests). */
    static byte[] seal(byte[] recipientPublicKey, byte[] info, byte[] aad, byte[] plaintext, byte[] ephemeral) {
        requireKey(recipientPublicKey, "public key");
        byte[] enc = new byte[ENC_LENGTH];
        X25519.generatePublicKey(ephemeral, 0, enc, 0);
        byte[] dh = new byte[KEY_LENGTH];
        // Encap (§4.1): refuse a low-order public key (the shared secret would be zero)
        if (!X25519.calculateAgreement(ephemeral, 0, recipientPublicKey, 0, dh, 0)) {
            throw new IllegalArgumentException("not a usable X25519 public key");
        }
        byte[][] keyAndNonce = keySchedule(dh, enc, recipientPublicKey, info);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    new SecretKeySpec(keyAndNonce[0], "AES"),
                    new GCMParameterSpec(TAG_LENGTH * 8, keyAndNonce[1]));
            cipher.updateAAD(aad);
            byte[] sealed = new byte[ENC_LENGTH + plaintext.length + TAG_LENGTH];
            System.arraycopy(enc, 0, sealed, 0, ENC_LENGTH);
            cipher.doFinal(plaintext, 0, plaintext.length, sealed, ENC_LENGTH);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HPKE seal failed");
        } finally {
            Arrays.fill(keyAndNonce[0], (byte) 0);
        }
    }

    /**
     * Opens what {@link #seal} made for the holder of {@code recipientPrivateKey}.
     *
     * @throws ProtectException (INVALID_SUBKEY) if it was sealed to another key, with another info or
     *     associated data, or altered
     */
    public static byte[] open(byte[] recipientPrivateKey, byte[] info, byte[] aad, byte[] sealed) {
        return recipient(recipientPrivateKey).open(info, aad, sealed);
    }

    /** A recipient key ready for repeated opens (its public half computed once). */
    public static Recipient recipient(byte[] privateKey) {
        X25519PrivateKeyParameters sk = new X25519PrivateKeyParameters(requireKey(privateKey, "private key"), 0);
        return new Recipient(sk.getEncoded(), sk.generatePublicKey().getEncoded());
    }

    /** An X25519 private key held for opening; never printed. */
    public static final class Recipient {

        private final byte[] privateKey;
        private final byte[] publicKey;

        private Recipient(byte[] privateKey, byte[] publicKey) {
            this.privateKey = privateKey;
            this.publicKey = publicKey;
        }

        /** The raw public key that senders seal to. */
        public byte[] publicKey() {
            return publicKey.clone();
        }

        /**
         * Opens a sealed value ({@code enc ‖ ciphertext}).
         *
         * @throws ProtectException (INVALID_SUBKEY) if it was sealed to another key, with another info
         *     or associated data, or altered
         */
        public byte[] open(byte[] info, byte[] aad, byte[] sealed) {
            if (sealed == null || sealed.length < ENC_LENGTH + TAG_LENGTH) {
                throw new ProtectException(ProtectException.Reason.INVALID_SUBKEY, "sealed value is too short");
            }
            byte[] enc = Arrays.copyOf(sealed, ENC_LENGTH);
            byte[] dh = new byte[KEY_LENGTH];
            // Decap (§4.1): a low-order enc makes the shared secret zero; RFC 9180 §7.1.4 has the recipient abort
            if (!X25519.calculateAgreement(privateKey, 0, enc, 0, dh, 0)) {
                throw new ProtectException(
                        ProtectException.Reason.INVALID_SUBKEY, "sealed value does not open with this key");
            }
            byte[][] keyAndNonce = keySchedule(dh, enc, publicKey, info);
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(
                        Cipher.DECRYPT_MODE,
                        new SecretKeySpec(keyAndNonce[0], "AES"),
                        new GCMParameterSpec(TAG_LENGTH * 8, keyAndNonce[1]));
                cipher.updateAAD(aad);
                return cipher.doFinal(sealed, ENC_LENGTH, sealed.length - ENC_LENGTH);
            } catch (AEADBadTagException e) {
                throw new ProtectException(
                        ProtectException.Reason.INVALID_SUBKEY, "sealed value does not open with this key");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HPKE open failed");
            } finally {
                Arrays.fill(keyAndNonce[0], (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "Hpke.Recipient[****]";
        }
    }

    /**
     * DHKEM's ExtractAndExpand (§4.1) then the base-mode KeySchedule (§5.1): the AEAD key and base nonce
     * (the nonce of the first and only message). Wipes {@code dh} and the intermediate secrets.
     */
    private static byte[][] keySchedule(byte[] dh, byte[] enc, byte[] recipientPublicKey, byte[] info) {
        byte[] eaePrk = labeledExtract(KEM_SUITE, EMPTY, "eae_prk", dh);
        byte[] kemContext = Arrays.copyOf(enc, ENC_LENGTH + KEY_LENGTH);
        System.arraycopy(recipientPublicKey, 0, kemContext, ENC_LENGTH, KEY_LENGTH);
        byte[] sharedSecret = labeledExpand(KEM_SUITE, eaePrk, "shared_secret", kemContext, 32);
        byte[] infoHash = labeledExtract(HPKE_SUITE, EMPTY, "info_hash", info);
        byte[] context = new byte[1 + PSK_ID_HASH.length + infoHash.length]; // mode_base = 0x00
        System.arraycopy(PSK_ID_HASH, 0, context, 1, PSK_ID_HASH.length);
        System.arraycopy(infoHash, 0, context, 1 + PSK_ID_HASH.length, infoHash.length);
        byte[] secret = labeledExtract(HPKE_SUITE, sharedSecret, "secret", EMPTY);
        try {
            return new byte[][] {
                labeledExpand(HPKE_SUITE, secret, "key", context, AEAD_KEY_LENGTH),
                labeledExpand(HPKE_SUITE, secret, "base_nonce", context, NONCE_LENGTH)
            };
        } finally {
            Arrays.fill(dh, (byte) 0);
            Arrays.fill(eaePrk, (byte) 0);
            Arrays.fill(sharedSecret, (byte) 0);
            Arrays.fill(secret, (byte) 0);
            forgetHmacKey();
        }
    }

    /** The thread's HMAC keeps its last key's pads: re-key it with a constant so no secret stays reachable. */
    private static void forgetHmacKey() {
        try {
            HMAC.get().init(new SecretKeySpec(ZERO_SALT, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            HMAC.remove();
        }
    }

    /** LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). */
    private static byte[] labeledExtract(byte[] suite, byte[] salt, String label, byte[] ikm) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(salt.length == 0 ? ZERO_SALT : salt, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF failed");
        }
        mac.update(VERSION);
        mac.update(suite);
        mac.update(ascii(label));
        mac.update(ikm);
        return mac.doFinal();
    }

    /**
     * LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖
     * info, L). Every L here is at most one SHA-256 output, so HKDF-Expand is its first block T(1) cut to L.
     */
    private static byte[] labeledExpand(byte[] suite, byte[] prk, String label, byte[] info, int length) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF failed");
        }
        mac.update((byte) (length >>> 8));
        mac.update((byte) length);
        mac.update(VERSION);
        mac.update(suite);
        mac.update(ascii(label));
        mac.update(info);
        mac.update((byte) 0x01);
        byte[] block = mac.doFinal();
        if (length == block.length) {
            return block;
        }
        byte[] out = Arrays.copyOf(block, length);
        Arrays.fill(block, (byte) 0);
        return out;
    }

    private static byte[] requireKey(byte[] key, String what) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("an X25519 " + what + " is 32 bytes");
        }
        return key;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
