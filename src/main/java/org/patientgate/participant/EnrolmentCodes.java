package org.patientgate.participant;

import java.time.Instant;

/**
 * One-time enrolment codes (kept as SHA-256 hashes) and the patient links they create. A code stands
 * for one blinded hospital identifier; redeeming it links that identifier to the patient.
 */
public interface EnrolmentCodes {

    /** Stores a new code; false if the hash is taken (draw another code). */
    boolean save(byte[] codeHash, byte[] identifierHash, Instant expiresAt);

    /**
     * In one transaction: checks the code is known, unused and good at {@code now}, links its
     * identifier to {@code patient} and marks the code used. Nothing changes unless the outcome is
     * {@link Outcome#LINKED} or {@link Outcome#ALREADY_LINKED}.
     */
    Redemption redeem(byte[] codeHash, String patient, Instant now);

    /**
     * @param identifierHash the blinded identifier (null unless linked)
     * @param linkedAt when the identifier was linked to the patient (null unless linked)
     */
    record Redemption(Outcome outcome, byte[] identifierHash, Instant linkedAt) {}

    enum Outcome {
        /** The identifier is now linked to the patient. */
        LINKED,
        /** The identifier was already linked to the same patient; the code is spent. */
        ALREADY_LINKED,
        /** Unknown, used or expired code. */
        UNUSABLE,
        /** The identifier belongs to another patient. */
        LINKED_TO_ANOTHER
    }
}
