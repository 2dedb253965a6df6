package org.patientgate.normalize;

/**
 * A message the mappings cannot turn into a canonical bundle: an unsupported structure, a required
 * value missing, or a code a mapping rejects. The message names the rule and the location (segment
 * and field), never the field's content, so it can be logged and stored with the dead letter.
 */
public class UnmappableMessageException extends Exception {
    public UnmappableMessageException(String message) {
        super(message);
    }
}
