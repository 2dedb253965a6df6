package org.patientgate.normalize.hl7v2;

import org.patientgate.ingest.Hl7ErrorCode;

/**
 * Raised inside the engine when a rule cannot be satisfied; carries only the rule's location and
 * the field path, never field content, and the HL7 table 0357 condition it amounts to (a value that
 * cannot be read as its type unless said otherwise).
 */
final class MappingFailure extends RuntimeException {

    private final Hl7ErrorCode code;

    MappingFailure(String message) {
        this(message, Hl7ErrorCode.DATA_TYPE_ERROR);
    }

    MappingFailure(String message, Hl7ErrorCode code) {
        super(message, null, false, false);
        this.code = code;
    }

    Hl7ErrorCode code() {
        return code;
    }
}
