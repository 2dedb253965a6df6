package org.patientgate.ledger;

/**
 * What the consent escrow needs of the chain the hub follows: the hosted institution's ledger address
 * (entries are filed under it), the key identity that relays patients' decisions, and the EIP-712
 * domain a decision is signed under.
 */
public interface EscrowLedger {

    /** Whether the chain is connected and the contracts known (false while the hub starts). */
    boolean ready();

    /** The hosted institution's address on the ledger. */
    String institutionAddress();

    /** The key identity that sends relayed decisions (the hosted institution's). */
    String relaySigner();

    /** Wakes the publisher: a write was just committed to the outbox. */
    void nudge();

    /**
     * The ConsentEscrow's EIP-712 domain.
     *
     * @throws ParticipantLedger.Unreachable while the ledger is starting
     */
    Terms escrowTerms();

    /**
     * @param chainId the chain's id
     * @param verifyingContract the ConsentEscrow's address
     */
    record Terms(long chainId, String verifyingContract) {

        /** The EIP-712 domain separator of a Decision. */
        public byte[] separator() {
            return Eip712.domainSeparator(Eip712.ESCROW_NAME, chainId, verifyingContract);
        }
    }
}
