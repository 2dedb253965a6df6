package org.patientgate.protect;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Rules every {@link KeyCustody} shares, whatever holds the keys: what a key identity may look like
 * (it becomes a keystore alias or a token object label), and how a secp256k1 private key is drawn.
 */
public final class KeyIdentities {

    /** The order n of secp256k1's base point: a private key is an integer in [1, n-1]. */
    private static final BigInteger SECP256K1_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

    private KeyIdentities() {}

    /**
     * The identity itself, checked: lower-case letters, digits, '.', '_' or '-', at most 100.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static String alias(String identity) {
        if (identity == null || !identity.matches("[a-z0-9][a-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("a key identity is lower-case letters, digits, '.', '_' or '-'");
        }
        return identity;
    }

    /** A uniformly drawn secp256k1 private key (32 bytes, big-endian, in [1, n-1]). */
    public static byte[] newSecp256k1PrivateKey(SecureRandom random) {
        byte[] key = new byte[32];
        BigInteger k;
        do {
            random.nextBytes(key);
            k = new BigInteger(1, key);
        } while (k.signum() == 0 || k.compareTo(SECP256K1_ORDER) >= 0);
        return key;
    }
}
