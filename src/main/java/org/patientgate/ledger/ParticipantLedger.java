package org.patientgate.ledger;

import java.math.BigInteger;
import java.util.Optional;

/**
 * What the participant capability needs of the chain the hub follows: the EIP-712 terms a patient's
 * relayed {@code ParticipantRegistry} registration must be signed under (domain and the patient's
 * current nonce), the identity that relays it, and the registry's record of a patient.
 */
public interface ParticipantLedger {

    /** Whether the chain is connected and the contracts known (false while the hub starts). */
    boolean ready();

    /**
     * The registry's EIP-712 domain and {@code nonces(patient)}, read from the chain now.
     *
     * @throws Unreachable if the chain does not answer or the ledger is still starting
     */
    RegistrationTerms registrationTerms(String patient);

    /** The key identity that sends relayed patient registrations (the hosted institution's). */
    String relaySigner();

    /**
     * The X25519 key the registry holds for {@code patient}, if it is registered there as a patient.
     *
     * @throws Unreachable if the chain does not answer or the ledger is still starting
     */
    Optional<byte[]> patientKey(String patient);

    /**
     * The domain and nonce of a Registration signature.
     *
     * @param chainId the chain's id
     * @param verifyingContract the ParticipantRegistry's address
     * @param name the domain name ({@link Eip712#REGISTRY_NAME})
     * @param version the domain version ({@link Eip712#VERSION})
     * @param nonce the patient's current registry nonce
     */
    record RegistrationTerms(long chainId, String verifyingContract, String name, String version, BigInteger nonce) {

        /** The digest the patient signs for Registration(patient, encryptionKey, profileHash, nonce, deadline). */
        public byte[] digest(String patient, byte[] encryptionKey, byte[] profileHash, BigInteger deadline) {
            return Eip712.digest(
                    Eip712.domainSeparator(name, chainId, verifyingContract),
                    Eip712.registration(patient, encryptionKey, profileHash, nonce, deadline));
        }
    }

    /** The chain did not answer (or the ledger is not ready yet); the caller may try again later. */
    final class Unreachable extends RuntimeException {

        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
