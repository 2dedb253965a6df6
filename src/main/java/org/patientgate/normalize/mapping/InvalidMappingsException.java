package org.patientgate.normalize.mapping;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The mappings folder could not be loaded: every error found, not just the first, so one edit-check
 * cycle fixes them all. The mappings that were running stay in use.
 */
public class InvalidMappingsException extends Exception {

    private final transient List<MappingError> errors;

    public InvalidMappingsException(List<MappingError> errors) {
        super(errors.size() + " mapping error(s): "
                + errors.stream().map(MappingError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<MappingError> errors() {
        return errors;
    }
}
