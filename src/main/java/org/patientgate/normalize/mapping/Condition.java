package org.patientgate.normalize.mapping;

import java.util.List;

/**
 * A rule's {@code when:}: the rule applies only if the field is present, absent, or has one of the
 * listed values ({@code when: {field: OBX-2, in: [NM, SN]}}).
 */
public record Condition(FieldPath field, Kind kind, List<String> values) {

    /** What is tested. */
    public enum Kind {
        PRESENT,
        ABSENT,
        IN,
        NOT_IN
    }
}
