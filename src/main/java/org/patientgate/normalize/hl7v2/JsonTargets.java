package org.patientgate.normalize.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.patientgate.normalize.mapping.TargetPath;
import org.patientgate.normalize.mapping.TargetPath.Step;

/** Writes a value at a {@link TargetPath} in a JSON object, creating objects and arrays on the way. */
final class JsonTargets {

    private JsonTargets() {}

    /** The node at the path (last array element for {@code []}), or null. */
    static JsonNode get(ObjectNode root, TargetPath path) {
        JsonNode node = root;
        for (Step step : path.steps()) {
            node = node.get(step.name());
            if (node == null) {
                return null;
            }
            if (step.index() != Step.NONE) {
                if (!node.isArray() || node.isEmpty()) {
                    return null;
                }
                node = step.index() == Step.APPEND ? node.get(node.size() - 1) : node.get(step.index());
                if (node == null) {
                    return null;
                }
            }
        }
        return node;
    }

    static void set(ObjectNode root, TargetPath path, JsonNode value) {
        if (path.isSelf()) {
            if (value instanceof ObjectNode object) {
                merge(root, object);
            }
            return;
        }
        List<Step> steps = path.steps();
        ObjectNode node = root;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            boolean last = i == steps.size() - 1;
            if (step.index() == Step.NONE) {
                if (last) {
                    if (value instanceof ObjectNode object && node.get(step.name()) instanceof ObjectNode existing) {
                        merge(existing, object);
                    } else {
                        node.set(step.name(), value);
                    }
                    return;
                }
                JsonNode child = node.get(step.name());
                if (!(child instanceof ObjectNode)) {
                    child = node.putObject(step.name());
                }
                node = (ObjectNode) child;
                continue;
            }
            JsonNode arrayNode = node.get(step.name());
            ArrayNode array = arrayNode instanceof ArrayNode a ? a : node.putArray(step.name());
            if (step.index() == Step.APPEND) {
                if (last) {
                    array.add(value);
                    return;
                }
                node = array.addObject();
                continue;
            }
            while (array.size() <= step.index()) {
                array.addObject();
            }
            if (last) {
                JsonNode existing = array.get(step.index());
                if (value instanceof ObjectNode object && existing instanceof ObjectNode target) {
                    merge(target, object);
                } else {
                    array.set(step.index(), value);
                }
                return;
            }
            JsonNode element = array.get(step.index());
            if (!(element instanceof ObjectNode)) {
                element = array.objectNode();
                array.set(step.index(), element);
            }
            node = (ObjectNode) element;
        }
    }

    private static void merge(ObjectNode target, ObjectNode source) {
        Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ArrayNode a && e.getValue() instanceof ArrayNode b) {
                a.addAll(b);
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }
}
