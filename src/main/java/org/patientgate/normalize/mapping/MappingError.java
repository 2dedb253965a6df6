package org.patientgate.normalize.mapping;

/**
 * One problem found in a mapping file: the file (relative to the mappings folder), the line (from 1;
 * 0 when the whole file is meant) and what is wrong, so an engineer can go straight to it.
 */
public record MappingError(String file, int line, String message) {

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
