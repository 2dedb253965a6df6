package org.patientgate.normalize.hl7v2;

/**
 * Raised inside the engine when a rule cannot be satisfied; carries only the rule's location and
 * the field path, never field content.
 */
final class MappingFailure extends RuntimeException {
    MappingFailure(String message) {
        super(message, null, false, false);
    }
}
