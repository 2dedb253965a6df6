package org.patientgate.ingest;

/**
 * One problem found in an inbound HL7 v2 message: its table 0357 code, where it is (segment id,
 * segment sequence starting at 1, field position; 0 when not applicable) and a human-readable text.
 * The text never quotes field content, so an error can be logged and stored without patient data.
 */
public record Hl7Error(Hl7ErrorCode code, String segment, int sequence, int field, String text) {

    public static Hl7Error of(Hl7ErrorCode code, String segment, int sequence, int field, String text) {
        return new Hl7Error(code, segment, sequence, field, text);
    }

    /** A location such as {@code MSH-9} or {@code OBX(2)-5} for messages and logs. */
    public String location() {
        if (segment == null || segment.isEmpty()) {
            return "message";
        }
        String seg = sequence > 1 ? segment + "(" + sequence + ")" : segment;
        return field > 0 ? seg + "-" + field : seg;
    }

    /** Code, location and text on one line, as kept in the dead-letter store. */
    public String describe() {
        return code.code() + " " + code.text() + " at " + location() + ": " + text;
    }
}
