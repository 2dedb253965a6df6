package org.patientgate.protect;

/**
 * Custody of the hub's private keys. Callers name a key by its role (the consortium admin's ledger
 * identity, a hosted institution's ledger identity); the custody creates it on first use where the
 * deployment allows, and never lets it leave except to the in-process signer that needs it.
 */
public interface KeyCustody {

    /**
     * The 32-byte secp256k1 private key of a ledger identity, created on first use.
     *
     * @param identity a stable name such as {@code ledger.admin} or {@code ledger.institution.<id>}
     * @return a fresh copy the caller must not keep longer than it needs the signer
     */
    byte[] ledgerKey(String identity);

    /**
     * The raw 32-byte X25519 public key (RFC 7748 u-coordinate, little-endian) of an identity's
     * encryption key pair, created on first use; the private half stays in custody.
     */
    byte[] encryptionPublicKey(String identity);

    /**
     * The raw 32-byte X25519 private key (RFC 7748 scalar) of an identity's encryption key pair, for
     * the in-process HPKE open that needs it; created on first use like {@link #encryptionPublicKey}.
     *
     * @return a fresh copy the caller wipes after use
     */
    byte[] encryptionPrivateKey(String identity);

    /** An AES secret key held under {@code alias}, or null if there is none. */
    javax.crypto.SecretKey secretKey(String alias);

    /** Creates a 256-bit AES key under {@code alias} (refused if the alias is taken) and returns it. */
    javax.crypto.SecretKey createAesKey(String alias);

    /** Deletes the entry {@code alias}; false if there was none. */
    boolean delete(String alias);

    /** Every alias the custody holds that starts with {@code prefix}. */
    java.util.Set<String> aliases(String prefix);

    /**
     * The provider that must run ciphers with the keys {@link #secretKey} returns, or null when any
     * installed provider can (keys held in process). A PKCS#11 custody names its token's provider,
     * which is not installed JVM-wide, so a cipher asked for by name alone would not find the key.
     */
    default java.security.Provider cipherProvider() {
        return null;
    }

    /**
     * The credential-signing key pair (EC P-256, for ES256 JWS), created on first use. The private
     * half is for the in-process signer only.
     */
    java.security.KeyPair credentialSigningKey();
}
