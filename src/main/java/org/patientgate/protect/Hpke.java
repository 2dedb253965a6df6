package org.patientgate.protect;

import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * HPKE (RFC 9180) base mode with the one suite PatientGate uses: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM, single-shot. A sealed value is {@code enc (32 bytes) ‖ ciphertext}.
 * BouncyCastle implements the scheme; this class fixes the suite, the serialization and the errors.
 */
public final class Hpke {

    /** Length of the encapsulated key (an X25519 public key). */
    public static final int ENC_LENGTH = 32;

    /** Length of a raw X25519 key. */
    public static final int KEY_LENGTH = 32;

    private static final ThreadLocal<HPKE> SUITE = ThreadLocal.withInitial(
            () -> new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256));

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
        X25519PublicKeyParameters recipient =
                new X25519PublicKeyParameters(requireKey(recipientPublicKey, "public key"), 0);
        try {
            byte[][] out = SUITE.get().seal(recipient, info, aad, plaintext, null, null, null);
            byte[] ct = out[0];
            byte[] enc = out[1];
            byte[] sealed = Arrays.copyOf(enc, enc.length + ct.length);
            System.arraycopy(ct, 0, sealed, enc.length, ct.length);
            return sealed;
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("HPKE seal failed");
        } catch (IllegalStateException e) {
            // BouncyCastle's X25519 refuses a low-order public key (the shared secret would be zero)
            throw new IllegalArgumentException("not a usable X25519 public key");
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
        return new Recipient(new AsymmetricCipherKeyPair(sk.generatePublicKey(), sk));
    }

    /** An X25519 private key held for opening; never printed. */
    public static final class Recipient {

        private final AsymmetricCipherKeyPair pair;

        private Recipient(AsymmetricCipherKeyPair pair) {
            this.pair = pair;
        }

        /** The raw public key that senders seal to. */
        public byte[] publicKey() {
            return ((X25519PublicKeyParameters) pair.getPublic()).getEncoded();
        }

        /**
         * Opens a sealed value ({@code enc ‖ ciphertext}).
         *
         * @throws ProtectException (INVALID_SUBKEY) if it was sealed to another key, with another info
         *     or associated data, or altered
         */
        public byte[] open(byte[] info, byte[] aad, byte[] sealed) {
            if (sealed == null || sealed.length < ENC_LENGTH + 16) {
                throw new ProtectException(ProtectException.Reason.INVALID_SUBKEY, "sealed value is too short");
            }
            try {
                return SUITE.get()
                        .open(
                                Arrays.copyOf(sealed, ENC_LENGTH),
                                pair,
                                info,
                                aad,
                                Arrays.copyOfRange(sealed, ENC_LENGTH, sealed.length),
                                null,
                                null,
                                null);
            } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
                // IllegalStateException: BouncyCastle's X25519 refuses a low-order enc (zero shared secret).
                throw new ProtectException(
                        ProtectException.Reason.INVALID_SUBKEY, "sealed value does not open with this key");
            }
        }

        @Override
        public String toString() {
            return "Hpke.Recipient[****]";
        }
    }

    private static byte[] requireKey(byte[] key, String what) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("an X25519 " + what + " is 32 bytes");
        }
        return key;
    }
}
