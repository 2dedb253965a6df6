package org.patientgate.ingest;

/**
 * HL7 table 0357 (message error condition codes) as far as the hub produces them, with the
 * acknowledgment code each one leads to. Envelope problems (type, event, processing id, version, and
 * the hub's own failures) are rejects (AR/CR); content problems are errors (AE/CE), following HL7 v2.5
 * section 2.9.2: "AR: the message was rejected for reasons of message type, event, processing id or
 * version, or an application problem unrelated to its content".
 */
public enum Hl7ErrorCode {
    SEGMENT_SEQUENCE_ERROR("100", "Segment sequence error", false),
    REQUIRED_FIELD_MISSING("101", "Required field missing", false),
    DATA_TYPE_ERROR("102", "Data type error", false),
    TABLE_VALUE_NOT_FOUND("103", "Table value not found", false),
    UNSUPPORTED_MESSAGE_TYPE("200", "Unsupported message type", true),
    UNSUPPORTED_EVENT_CODE("201", "Unsupported event code", true),
    UNSUPPORTED_PROCESSING_ID("202", "Unsupported processing id", true),
    UNSUPPORTED_VERSION_ID("203", "Unsupported version id", true),
    APPLICATION_INTERNAL_ERROR("207", "Application internal error", true);

    private final String code;
    private final String text;
    private final boolean reject;

    Hl7ErrorCode(String code, String text, boolean reject) {
        this.code = code;
        this.text = text;
        this.reject = reject;
    }

    public String code() {
        return code;
    }

    public String text() {
        return text;
    }

    /** True when the condition makes the acknowledgment a reject (AR/CR) rather than an error (AE/CE). */
    public boolean reject() {
        return reject;
    }
}
