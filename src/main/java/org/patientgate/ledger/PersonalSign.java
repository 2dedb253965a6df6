package org.patientgate.ledger;

import java.nio.charset.StandardCharsets;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;

/**
 * EIP-191 personal signatures (version {@code 0x45}, what wallets make with {@code personal_sign}):
 * keccak256 of {@code "\x19Ethereum Signed Message:\n" + byte length + message}, signed as r‖s‖v.
 * Participants sign their registration and their sign-in challenges this way. Recovery is exactly as
 * strict as {@link Eip712#recover}: 65 bytes, v ∈ {27, 28}, r and s in range and s ≤ n/2, so one
 * signature has one accepted form.
 */
public final class PersonalSign {

    private static final String PREFIX = "\u0019Ethereum Signed Message:\n";

    private PersonalSign() {}

    /** The 32-byte digest a wallet signs for {@code message} (UTF-8; the length is in bytes). */
    public static byte[] digest(String message) {
        if (message == null) {
            throw new IllegalArgumentException("message is null");
        }
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = (PREFIX + body.length).getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, buf, 0, prefix.length);
        System.arraycopy(body, 0, buf, prefix.length, body.length);
        return Hash.sha3(buf);
    }

    /** Signs {@code message} as a wallet's {@code personal_sign} does: r‖s‖v, v ∈ {27, 28}, low s. */
    public static byte[] sign(String message, ECKeyPair key) {
        return Eip712.sign(digest(message), key);
    }

    /**
     * The 0x-prefixed lowercase address that signed {@code message}.
     *
     * @throws IllegalArgumentException if the signature is malformed or not in canonical form (see
     *     {@link Eip712#recover})
     */
    public static String recover(String message, byte[] signature) {
        return Eip712.recover(digest(message), signature);
    }
}
