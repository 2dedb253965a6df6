package org.patientgate.escrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * Finds the patient identifier a canonical bundle is filed under: the Patient's identifier of type MR
 * (HL7 table 0203, medical record number) if it has one, else its first identifier with a system and
 * a value. Only its blinded form is ever kept.
 */
final class ReportPatient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportPatient() {}

    /** A hospital identifier: system (assigning authority) and value. */
    record Identifier(String system, String value) {}

    static Optional<Identifier> identifier(byte[] bundleJson) {
        JsonNode root;
        try {
            root = JSON.readTree(bundleJson);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (JsonNode entry : root.path("entry")) {
            JsonNode resource = entry.path("resource");
            if (!"Patient".equals(resource.path("resourceType").asText())) {
                continue;
            }
            Identifier fallback = null;
            for (JsonNode id : resource.path("identifier")) {
                String value = id.path("value").asText("");
                String system = id.path("system").asText("");
                if (value.isBlank()) {
                    continue;
                }
                for (JsonNode coding : id.path("type").path("coding")) {
                    if ("MR".equals(coding.path("code").asText())) {
                        return Optional.of(new Identifier(system, value));
                    }
                }
                if (fallback == null && !system.isBlank()) {
                    fallback = new Identifier(system, value);
                }
            }
            return Optional.ofNullable(fallback);
        }
        return Optional.empty();
    }
}
