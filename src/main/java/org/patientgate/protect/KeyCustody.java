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
}
