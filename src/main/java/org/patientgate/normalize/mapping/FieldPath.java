package org.patientgate.normalize.mapping;

/**
 * Where a rule reads from: {@code OBX-5}, {@code OBX-5.1}, {@code PID-3.4.2} in a segment map, or
 * {@code 4}, {@code 4.2} (component, subcomponent) in a datatype map. A missing segment means the
 * value the datatype map is applied to.
 *
 * @param segment segment name, or null for a datatype map's own value
 * @param field field number (or component number in a datatype map); 0 for the value itself
 * @param component component (or subcomponent) within it; 0 when not given
 * @param subcomponent subcomponent; 0 when not given
 */
public record FieldPath(String segment, int field, int component, int subcomponent) {

    public static final FieldPath SELF = new FieldPath(null, 0, 0, 0);

    /** Parses a path; returns null when the text is not one. */
    public static FieldPath parse(String text) {
        String t = text.strip();
        String segment = null;
        int dash = t.indexOf('-');
        if (dash > 0) {
            segment = t.substring(0, dash);
            if (!segment.matches("[A-Z][A-Z0-9]{2}")) {
                return null;
            }
            t = t.substring(dash + 1);
        }
        String[] parts = t.split("\\.", -1);
        if (parts.length > 3) {
            return null;
        }
        int[] n = new int[3];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[1-9][0-9]{0,2}")) {
                return null;
            }
            n[i] = Integer.parseInt(parts[i]);
        }
        return new FieldPath(segment, n[0], n[1], n[2]);
    }

    @Override
    public String toString() {
        if (field == 0) {
            return "(value)";
        }
        StringBuilder s = new StringBuilder();
        if (segment != null) {
            s.append(segment).append('-');
        }
        s.append(field);
        if (component > 0) {
            s.append('.').append(component);
        }
        if (subcomponent > 0) {
            s.append('.').append(subcomponent);
        }
        return s.toString();
    }
}
