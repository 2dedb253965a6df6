package org.patientgate.ingest;

/**
 * The five HL7 v2 delimiters a message declares in MSH-1 and MSH-2 (HL7 v2.5 section 2.5.4), used
 * to split fields and to escape text the hub writes back into an acknowledgment.
 */
public record Hl7Delimiters(char field, char component, char repetition, char escape, char subcomponent) {

    public static final Hl7Delimiters STANDARD = new Hl7Delimiters('|', '^', '~', '\\', '&');

    /** MSH-2 as written in a message header. */
    public String encodingCharacters() {
        return "" + component + repetition + escape + subcomponent;
    }

    /**
     * Escapes text for use inside one component (HL7 v2.5 section 2.7.4): delimiters become
     * {@code \F\ \S\ \R\ \T\ \E\}, and segment terminators or line breaks become spaces so a reason
     * text can never break the acknowledgment's structure.
     */
    public String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == escape) {
                out.append(escape).append('E').append(escape);
            } else if (c == field) {
                out.append(escape).append('F').append(escape);
            } else if (c == component) {
                out.append(escape).append('S').append(escape);
            } else if (c == repetition) {
                out.append(escape).append('R').append(escape);
            } else if (c == subcomponent) {
                out.append(escape).append('T').append(escape);
            } else if (c == '\r' || c == '\n') {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
