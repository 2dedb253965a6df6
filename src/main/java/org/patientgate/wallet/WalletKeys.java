package org.patientgate.wallet;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.patientgate.protect.Hpke;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * The two key pairs of a participant: a secp256k1 key whose Ethereum address is the participant's
 * identity (it signs registrations, sign-in challenges and EIP-712 messages) and an X25519 key pair
 * that sub-keys and reports are sealed to (HPKE, RFC 9180). The private halves never leave this
 * object except into the encrypted {@link WalletFile}; {@link #toString()} shows the address only.
 */
public final class WalletKeys {

    /** Length of a raw private key, either kind. */
    public static final int PRIVATE_KEY_LENGTH = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    // secp256k1's group order n (SEC 2); web3j's copy is a BouncyCastle type, which stays in protect.
    private static final BigInteger CURVE_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

    private final ECKeyPair signing;
    private final Hpke.Recipient encryption;
    private final byte[] encryptionPrivateKey;
    private final byte[] encryptionPublicKey;
    private final String address;

    private WalletKeys(ECKeyPair signing, byte[] encryptionPrivateKey) {
        this.signing = signing;
        this.encryptionPrivateKey = encryptionPrivateKey.clone();
        this.encryption = Hpke.recipient(this.encryptionPrivateKey);
        this.encryptionPublicKey = encryption.publicKey();
        this.address = "0x" + Keys.getAddress(signing);
    }

    /** Fresh keys: a random secp256k1 key in [1, n−1] and an X25519 key pair. */
    public static WalletKeys generate() {
        BigInteger secret;
        do {
            byte[] candidate = new byte[PRIVATE_KEY_LENGTH];
            RANDOM.nextBytes(candidate);
            secret = new BigInteger(1, candidate);
            Arrays.fill(candidate, (byte) 0);
        } while (secret.signum() == 0 || secret.compareTo(CURVE_ORDER) >= 0);
        Hpke.KeyPair x25519 = Hpke.generateKeyPair();
        try {
            return new WalletKeys(ECKeyPair.create(secret), x25519.privateKey());
        } finally {
            Arrays.fill(x25519.privateKey(), (byte) 0);
        }
    }

    /**
     * Keys from their raw private halves (32 bytes each, big-endian secp256k1 scalar and RFC 7748
     * X25519 key). The arrays are copied; the caller may wipe them afterwards.
     *
     * @throws IllegalArgumentException if a key has the wrong length or the secp256k1 scalar is not in
     *     [1, n−1]
     */
    public static WalletKeys of(byte[] signingPrivateKey, byte[] encryptionPrivateKey) {
        if (signingPrivateKey == null || signingPrivateKey.length != PRIVATE_KEY_LENGTH) {
            throw new IllegalArgumentException("a secp256k1 private key is 32 bytes");
        }
        if (encryptionPrivateKey == null || encryptionPrivateKey.length != PRIVATE_KEY_LENGTH) {
            throw new IllegalArgumentException("an X25519 private key is 32 bytes");
        }
        BigInteger secret = new BigInteger(1, signingPrivateKey);
        if (secret.signum() == 0 || secret.compareTo(CURVE_ORDER) >= 0) {
            throw new IllegalArgumentException("the secp256k1 private key is out of range");
        }
        return new WalletKeys(ECKeyPair.create(secret), encryptionPrivateKey);
    }

    /** The participant's identity: {@code 0x} + 40 lowercase hex digits. */
    public String address() {
        return address;
    }

    /** The raw 32-byte X25519 public key; a fresh copy. */
    public byte[] encryptionPublicKey() {
        return encryptionPublicKey.clone();
    }

    /** The X25519 public key as the API writes it (base64url without padding). */
    public String encryptionKeyText() {
        return Base64Url.encode(encryptionPublicKey);
    }

    ECKeyPair signingKey() {
        return signing;
    }

    /** Opens HPKE values sealed to this wallet (the key itself stays inside). */
    byte[] open(byte[] info, byte[] aad, byte[] sealed) {
        return encryption.open(info, aad, sealed);
    }

    /** Both private keys, signing ‖ encryption (64 bytes), for the key file only; wipe after use. */
    byte[] exportPrivateKeys() {
        byte[] out = new byte[2 * PRIVATE_KEY_LENGTH];
        byte[] scalar = Numeric.toBytesPadded(signing.getPrivateKey(), PRIVATE_KEY_LENGTH);
        System.arraycopy(scalar, 0, out, 0, PRIVATE_KEY_LENGTH);
        System.arraycopy(encryptionPrivateKey, 0, out, PRIVATE_KEY_LENGTH, PRIVATE_KEY_LENGTH);
        Arrays.fill(scalar, (byte) 0);
        return out;
    }

    @Override
    public String toString() {
        return "WalletKeys[address=" + address + ", private=****]";
    }
}
