package org.patientgate.normalize.mapping;

import java.util.List;

/**
 * An entry of a message structure map: which segment makes which resource with which segment map,
 * where it hangs (its parent plan, and the parent's element that references it).
 *
 * @param name the plan's name, used by {@code ref:} and {@code parent:}
 * @param segment the segment name
 * @param resource the FHIR resource type made, or null when {@code into} adds to the parent
 * @param map the segment map's rules
 * @param parent plan whose latest resource this one belongs to, or null
 * @param link element of the parent that gets a reference to this resource, or null
 * @param into true when the rules write into the parent's resource instead of a new one
 * @param required the message is unmappable without this segment
 * @param when condition on the segment, or null
 * @param file file and line, for errors
 * @param line line
 */
public record ResourcePlan(
        String name,
        String segment,
        String resource,
        List<Rule> map,
        String parent,
        TargetPath link,
        boolean into,
        boolean required,
        Condition when,
        String file,
        int line) {}
