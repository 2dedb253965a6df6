package org.patientgate.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Makes canonical bundles comparable across id schemes: every {@code urn:uuid} id, full URL and
 * reference becomes {@code ResourceType/n} (n-th resource of that type in the bundle), so a golden
 * file checks the structure and the references without pinning the id function.
 */
final class GoldenBundles {

    static final ObjectMapper JSON = new ObjectMapper();

    private GoldenBundles() {}

    static JsonNode comparable(byte[] bundleJson) throws IOException {
        ObjectNode bundle = (ObjectNode) JSON.readTree(bundleJson);
        Map<String, String> names = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        names.put(bundle.path("id").asText(), "Bundle/0");
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode resource = entry.path("resource");
            String type = resource.path("resourceType").asText();
            int n = counts.merge(type, 1, Integer::sum) - 1;
            names.put(resource.path("id").asText(), type + "/" + n);
            names.put(entry.path("fullUrl").asText(), type + "/" + n);
        }
        rename(bundle, names);
        return bundle;
    }

    private static void rename(JsonNode node, Map<String, String> names) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                String key = e.getKey();
                if (e.getValue() instanceof TextNode text
                        && (key.equals("id") || key.equals("fullUrl") || key.equals("reference"))) {
                    String replaced = names.get(text.asText());
                    if (replaced != null) {
                        e.setValue(TextNode.valueOf(replaced));
                    }
                } else {
                    rename(e.getValue(), names);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode child : array) {
                rename(child, names);
            }
        }
    }
}
