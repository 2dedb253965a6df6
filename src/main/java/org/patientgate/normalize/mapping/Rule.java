package org.patientgate.normalize.mapping;

/**
 * One line of a mapping: read {@code from}, convert ({@code type}, {@code transform}, {@code
 * lookup}), write {@code to}. Keys are described in {@code mappings/README.md}.
 *
 * @param file mapping file the rule is in (for errors)
 * @param line line of the rule in that file
 * @param from where to read; {@link FieldPath#SELF} for the datatype's own value; null with {@code
 *     value} or {@code ref}
 * @param to where to write
 * @param type a primitive ({@code string}, {@code code}, ...) or a datatype map name ({@code CX})
 * @param transform a named function, or null
 * @param lookup a vocabulary table name, or null
 * @param unmapped what an unknown code does (only with lookup)
 * @param required a missing value rejects the message (segment map) or drops the datatype (datatype
 *     map)
 * @param repeat read every repetition of the field, not only the first
 * @param value a constant to write (with from: written only when from is present)
 * @param ref name of a resource plan to reference
 * @param create a resource type: the value becomes its own resource, referenced at {@code to}
 * @param when condition, or null
 * @param defaultValue written when the field is empty
 * @param splitTo where each repetition goes when the field has more than one (a new element per
 *     repetition, the value written at {@code to} inside it), or null: IG OBX[Observation-Component]
 * @param splitCopy elements of the target copied into each split element once the segment's rules
 *     have run (the Observation's {@code code} into each component); empty without {@code splitTo}
 */
public record Rule(
        String file,
        int line,
        FieldPath from,
        TargetPath to,
        String type,
        String transform,
        String lookup,
        Unmapped unmapped,
        boolean required,
        boolean repeat,
        String value,
        String ref,
        String create,
        Condition when,
        String defaultValue,
        TargetPath splitTo,
        java.util.List<String> splitCopy) {

    public Rule {
        splitCopy = splitCopy == null ? java.util.List.of() : java.util.List.copyOf(splitCopy);
    }

    /** What happens to a code the lookup table does not have. */
    public enum Unmapped {
        /** The message is unmappable (dead-lettered with the table and field named). */
        REJECT,
        /** The original code is kept with the sender's system. */
        KEEP_ORIGINAL,
        /** Nothing is written for this value. */
        DROP
    }

    public String where() {
        return file + ":" + line;
    }
}
