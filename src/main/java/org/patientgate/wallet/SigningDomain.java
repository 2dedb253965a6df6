package org.patientgate.wallet;

import org.patientgate.ledger.Eip712;

/**
 * The EIP-712 domain of one deployed PatientGate contract: its name, the chain id and the contract's
 * address (the version is always {@link Eip712#VERSION}). A signature is bound to exactly this
 * domain, so one made for a test chain or another contract is worthless elsewhere.
 *
 * @param name the contract's domain name, e.g. {@link Eip712#ESCROW_NAME}
 * @param chainId the chain id (positive)
 * @param verifyingContract the contract's 0x-prefixed address
 */
public record SigningDomain(String name, long chainId, String verifyingContract) {

    /**
     * Checks the parts by computing the separator once.
     *
     * @throws IllegalArgumentException if the name is null, the chain id not positive or the address
     *     malformed
     */
    public SigningDomain {
        Eip712.domainSeparator(name, chainId, verifyingContract);
    }

    /** The ParticipantRegistry's domain (registration signatures). */
    public static SigningDomain registry(long chainId, String verifyingContract) {
        return new SigningDomain(Eip712.REGISTRY_NAME, chainId, verifyingContract);
    }

    /** The ConsentEscrow's domain (release and reject decisions). */
    public static SigningDomain escrow(long chainId, String verifyingContract) {
        return new SigningDomain(Eip712.ESCROW_NAME, chainId, verifyingContract);
    }

    /** The AccessGrants' domain (grants and revocations). */
    public static SigningDomain grants(long chainId, String verifyingContract) {
        return new SigningDomain(Eip712.GRANTS_NAME, chainId, verifyingContract);
    }

    /** The domain separator, keccak256 of the ABI-encoded domain. */
    public byte[] separator() {
        return Eip712.domainSeparator(name, chainId, verifyingContract);
    }
}
