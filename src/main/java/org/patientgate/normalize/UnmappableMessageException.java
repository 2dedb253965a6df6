package org.patientgate.normalize;

import org.patientgate.ingest.Hl7ErrorCode;

/**
 * A message the mappings cannot turn into a canonical bundle: an unsupported structure, a required
 * value missing, or a code a mapping rejects. The message names the rule and the location (segment
 * and field), never the field's content, so it can be logged and stored with the dead letter. The
 * code is the HL7 table 0357 condition an application acknowledgment reports for it.
 */
public class UnmappableMessageException extends Exception {

    private final Hl7ErrorCode code;

    public UnmappableMessageException(String message) {
        this(message, Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
    }

    public UnmappableMessageException(String message, Hl7ErrorCode code) {
        super(message);
        this.code = code;
    }

    public Hl7ErrorCode code() {
        return code;
    }
}
