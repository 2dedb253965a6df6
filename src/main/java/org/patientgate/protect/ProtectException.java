package org.patientgate.protect;

/**
 * A protection or decryption step refused or failed. The message is safe to show to the caller and to
 * log: it names the reason, never key material or content.
 */
public class ProtectException extends RuntimeException {

    /** Why, in terms a client can act on; the REST layer maps each to a status and an issue code. */
    public enum Reason {
        /** No sub-key was presented. */
        NO_SUBKEY,
        /** The sub-key does not open (not sealed to the module, or not a sub-key string). */
        INVALID_SUBKEY,
        /** The sub-key belongs to another report. */
        WRONG_REPORT,
        /** The sub-key's slot is not allocated to the caller. */
        NOT_HOLDER,
        /** The slot was revoked or the report shredded: its module half is gone. */
        REVOKED,
        /** The sub-key and the module's half do not open the report (forged or altered). */
        FORGED,
        /** No such report (or not visible to the caller). */
        UNKNOWN_REPORT,
        /** The request is well-formed but not allowed in the slot's state (e.g. allocating a used slot). */
        CONFLICT,
        /** Stored data failed its integrity check. */
        CORRUPT,
        /** Refused by a policy in front of the decrypt (e.g. a missing credential). */
        POLICY
    }

    private final Reason reason;

    public ProtectException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
