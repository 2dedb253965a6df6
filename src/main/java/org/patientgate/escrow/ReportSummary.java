package org.patientgate.escrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * What a patient is told about a report before deciding on it: its type (the DiagnosticReport's code,
 * as text) and its date (effective[x], else issued), as sent. Never any result.
 *
 * @param type the report type, or null if the bundle has no DiagnosticReport code
 * @param date the report date as sent, or null
 */
public record ReportSummary(String type, String date) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX = 200;

    static ReportSummary of(byte[] bundleJson) {
        JsonNode root;
        try {
            root = JSON.readTree(bundleJson);
        } catch (IOException e) {
            return new ReportSummary(null, null);
        }
        for (JsonNode entry : root.path("entry")) {
            JsonNode r = entry.path("resource");
            if (!"DiagnosticReport".equals(r.path("resourceType").asText())) {
                continue;
            }
            return new ReportSummary(type(r.path("code")), date(r));
        }
        return new ReportSummary(null, null);
    }

    private static String type(JsonNode code) {
        String text = code.path("text").asText("");
        if (!text.isBlank()) {
            return clip(text);
        }
        for (JsonNode coding : code.path("coding")) {
            String display = coding.path("display").asText("");
            if (!display.isBlank()) {
                return clip(display);
            }
        }
        for (JsonNode coding : code.path("coding")) {
            String c = coding.path("code").asText("");
            if (!c.isBlank()) {
                return clip(c);
            }
        }
        return null;
    }

    private static String date(JsonNode report) {
        for (String field : new String[] {"effectiveDateTime", "issued"}) {
            String value = report.path(field).asText("");
            if (!value.isBlank()) {
                return clip(value);
            }
        }
        String start = report.path("effectivePeriod").path("start").asText("");
        return start.isBlank() ? null : clip(start);
    }

    private static String clip(String s) {
        return s.length() <= MAX ? s : s.substring(0, MAX);
    }
}
