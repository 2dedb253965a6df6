package org.patientgate.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fast structural check every bundle the HL7 v2 mappings make passes before it leaves
 * normalization (full R4 validation is sampled, see {@link BundleValidator}; FHIR input was validated
 * at intake and keeps its structure through {@code FhirReducer}): a collection bundle, each entry's full URL
 * matching its resource id, every {@code urn:uuid} reference resolving to an entry, and the elements
 * R4 requires (cardinality 1..) present on the resource types the hub makes. Microseconds per
 * bundle, so it never caps throughput; a failure means a mapping produced an unusable bundle.
 */
public final class BundleCheck {

    private static final Map<String, List<String>> REQUIRED = Map.of(
            "Observation", List.of("status", "code"),
            "DiagnosticReport", List.of("status", "code"),
            "Encounter", List.of("status", "class"),
            "ServiceRequest", List.of("status", "intent", "subject"),
            "DocumentReference", List.of("status", "content"),
            "AllergyIntolerance", List.of("patient"),
            "RelatedPerson", List.of("patient"));

    private BundleCheck() {}

    /** Problems found (element paths and rules, never values); empty when the bundle passes. */
    public static List<String> problems(JsonNode bundle) {
        List<String> problems = new ArrayList<>();
        if (!"Bundle".equals(bundle.path("resourceType").asText())
                || !"collection".equals(bundle.path("type").asText())) {
            problems.add("not a collection Bundle");
            return problems;
        }
        Set<String> urls = new HashSet<>();
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode resource = entry.path("resource");
            String id = resource.path("id").asText();
            String fullUrl = entry.path("fullUrl").asText();
            if (!fullUrl.equals("urn:uuid:" + id)) {
                problems.add(resource.path("resourceType").asText() + ": fullUrl does not match its id");
            }
            if (!urls.add(fullUrl)) {
                problems.add(resource.path("resourceType").asText() + ": duplicate entry");
            }
        }
        int index = 0;
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode resource = entry.path("resource");
            String type = resource.path("resourceType").asText();
            for (String element : REQUIRED.getOrDefault(type, List.of())) {
                if (!resource.has(element)) {
                    problems.add("entry[" + index + "] " + type + "." + element + " is required");
                }
            }
            references(resource, type, urls, problems);
            index++;
        }
        return problems;
    }

    private static void references(JsonNode node, String path, Set<String> urls, List<String> problems) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                if (e.getKey().equals("reference") && e.getValue().isTextual()) {
                    String ref = e.getValue().asText();
                    if (ref.startsWith("urn:uuid:") && !urls.contains(ref)) {
                        problems.add(path + ": reference does not resolve inside the bundle");
                    }
                } else if (e.getValue().isContainerNode()) {
                    references(e.getValue(), path + "." + e.getKey(), urls, problems);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                references(child, path, urls, problems);
            }
        }
    }
}
