package org.patientgate.normalize.hl7v2;

import java.util.ArrayList;
import java.util.List;

/** One segment of a {@link V2Message}: its name and raw fields, numbered as in the standard. */
public final class V2Segment {

    private final V2Message message;
    private final int index;
    private final String[] fields;

    V2Segment(V2Message message, int index, String[] fields) {
        this.message = message;
        this.index = index;
        this.fields = fields;
    }

    public String name() {
        return fields[0];
    }

    /** Position of this segment in the message, from 0. */
    public int index() {
        return index;
    }

    /** Number of fields present (trailing empty fields may be absent). */
    public int fieldCount() {
        return fields.length - 1;
    }

    /** All repetitions of field n (MSH-2, the encoding characters, is never split). */
    public List<V2Value> field(int n) {
        if (n <= 0 || n >= fields.length || fields[n].isEmpty()) {
            return List.of();
        }
        String raw = fields[n];
        if (isHeader() && n <= 2) {
            return List.of(new V2Value(message, raw, V2Value.Level.SUBCOMPONENT, true));
        }
        char rep = message.delimiters().repetition();
        if (raw.indexOf(rep) < 0) {
            return List.of(new V2Value(message, raw, V2Value.Level.FIELD, false));
        }
        List<V2Value> values = new ArrayList<>(4);
        int start = 0;
        for (int i = 0; i <= raw.length(); i++) {
            if (i == raw.length() || raw.charAt(i) == rep) {
                if (i > start) {
                    values.add(new V2Value(message, raw.substring(start, i), V2Value.Level.FIELD, false));
                }
                start = i + 1;
            }
        }
        return values;
    }

    /** The first repetition of field n, or an empty value. */
    public V2Value first(int n) {
        List<V2Value> values = field(n);
        return values.isEmpty() ? V2Value.empty(message) : values.get(0);
    }

    private boolean isHeader() {
        String name = name();
        return name.equals("MSH") || name.equals("FHS") || name.equals("BHS");
    }
}
