package org.patientgate.normalize.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import org.patientgate.normalize.mapping.Rule;

/**
 * A named mapping function ({@code transform: obxValue}): the part of a mapping that needs logic.
 * Gets the value the rule reads and returns the JSON to write at the rule's {@code to}, or null for
 * nothing. Each one is listed in {@link Transforms} and unit-tested there.
 */
@FunctionalInterface
public interface Transform {
    JsonNode apply(MappingContext context, V2Value value, Rule rule);
}
