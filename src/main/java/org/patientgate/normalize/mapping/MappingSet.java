package org.patientgate.normalize.mapping;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * Every mapping in force for one sender: message structure maps with their resource plans (segment
 * maps already resolved), datatype maps, vocabulary tables, and the sender's default time zone. The
 * base set serves every sender; a site folder yields its own set for the senders it matches.
 *
 * @param site the site's name, or null for the base set
 * @param structures structure name (e.g. ORU_R01) to its plans
 * @param triggers message type and trigger (e.g. ORU^R01) to structure name
 * @param datatypes datatype map name (e.g. CX) to its map
 * @param vocabularies table name (e.g. v2-0078) to table
 * @param defaultZone zone for date/times without an offset
 */
public record MappingSet(
        String site,
        Map<String, StructureMap> structures,
        Map<String, String> triggers,
        Map<String, DatatypeMap> datatypes,
        Map<String, Vocabulary> vocabularies,
        ZoneId defaultZone) {

    /** The plans for one message structure. */
    public record StructureMap(String name, String file, List<ResourcePlan> plans) {}

    /** A datatype map: the FHIR datatype (or resource type, for {@code create:}) and its rules. */
    public record DatatypeMap(String name, String fhirType, List<Rule> rules) {}

    /** The structure for a message type and trigger event, or null when none maps it. */
    public StructureMap structureFor(String messageCode, String triggerEvent, String structureName) {
        String name = triggers.get(messageCode + "^" + triggerEvent);
        if (name == null && structureName != null) {
            name = structures.containsKey(structureName) ? structureName : null;
        }
        return name == null ? null : structures.get(name);
    }
}
