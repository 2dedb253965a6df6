package org.patientgate.normalize.hl7v2;

/**
 * A value read from a segment: one field repetition, a component, or a subcomponent. Parts are split
 * on the delimiter of the next level down (components of a field, subcomponents of a component); a
 * subcomponent has no parts but itself. Text is escape-decoded; the HL7 null {@code ""} reads as
 * empty.
 */
public final class V2Value {

    enum Level {
        FIELD,
        COMPONENT,
        SUBCOMPONENT
    }

    private final V2Message message;
    private final String raw;
    private final Level level;
    private final boolean literal;

    V2Value(V2Message message, String raw, Level level, boolean literal) {
        this.message = message;
        this.raw = raw;
        this.level = level;
        this.literal = literal;
    }

    static V2Value empty(V2Message message) {
        return new V2Value(message, "", Level.SUBCOMPONENT, true);
    }

    /** Part i (from 1): a component of a field, a subcomponent of a component. */
    public V2Value part(int i) {
        if (level == Level.SUBCOMPONENT || literal) {
            return i == 1 ? this : empty(message);
        }
        char sep = level == Level.FIELD
                ? message.delimiters().component()
                : message.delimiters().subcomponent();
        Level next = level == Level.FIELD ? Level.COMPONENT : Level.SUBCOMPONENT;
        int start = 0;
        int n = 1;
        for (int p = 0; p <= raw.length(); p++) {
            if (p == raw.length() || raw.charAt(p) == sep) {
                if (n == i) {
                    return new V2Value(message, raw.substring(start, p), next, false);
                }
                n++;
                start = p + 1;
            }
        }
        return empty(message);
    }

    /** True when nothing is there (or only the HL7 explicit null). */
    public boolean isEmpty() {
        return raw.isEmpty() || raw.equals("\"\"") || allDelimiters();
    }

    private boolean allDelimiters() {
        char c = message.delimiters().component();
        char s = message.delimiters().subcomponent();
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch != c && ch != s && ch != ' ') {
                return false;
            }
        }
        return true;
    }

    /**
     * The value as text: a composite read as a primitive gives its first part (HL7 v2 2.5.1 section
     * 2.A: a receiver reading a primitive where a composite was sent takes the first component).
     */
    public String text() {
        if (isEmpty()) {
            return "";
        }
        if (literal) {
            return raw;
        }
        if (level != Level.SUBCOMPONENT) {
            char sep = level == Level.FIELD
                    ? message.delimiters().component()
                    : message.delimiters().subcomponent();
            if (raw.indexOf(sep) >= 0) {
                return part(1).text();
            }
        }
        return message.decode(raw).trim();
    }

    /** Like {@link #text()} but keeps the whole value, delimiters included (for free text fields). */
    public String fullText() {
        if (isEmpty()) {
            return "";
        }
        return literal ? raw : message.decode(raw).trim();
    }

    /** The raw undecoded value, for deterministic ids only (never logged). */
    String raw() {
        return raw;
    }
}
