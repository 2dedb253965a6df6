package org.patientgate.normalize.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The differences between two FHIR bundles as JSON trees, listed as paths with old and new values,
 * so an engineer sees what a mapping change does to a message (see {@code convert --diff}).
 *
 * <p>A path starts at the resource, not at the bundle entry: {@code Observation[2].valueQuantity.unit}
 * is the third Observation of the bundle, and a type that occurs once on each side has no index
 * ({@code Patient.telecom[1]}). Entry positions would shift every following path when a mapping adds
 * one resource; counting per resource type keeps unrelated resources apart. Resources of one type
 * are paired by {@code id} first (the canonical ids are name-based, so a resource the mapping did not
 * change keeps its id), then the unpaired ones in order. Paired and added resources are numbered as
 * in the new bundle, removed ones as in the old. Entry fields beside the resource ({@code fullUrl})
 * appear as {@code entry(Observation[2]).fullUrl}; bundle fields as {@code Bundle.timestamp}. In
 * arrays the elements equal on both sides are aligned first, so a repetition inserted in front is
 * one addition; the rest is compared by position.
 *
 * <p>Decimals are compared as written: FHIR decimals carry their precision ({@code 1.50} is not
 * {@code 1.5}), so {@link #parse(byte[])} keeps trailing zeros.
 */
public final class BundleDiff {

    /** What happened at a path. */
    public enum Kind {
        ADDED,
        REMOVED,
        CHANGED
    }

    /**
     * One difference.
     *
     * @param kind added, removed or changed
     * @param path where, from the resource type (see {@link BundleDiff})
     * @param oldValue the old value, null when added
     * @param newValue the new value, null when removed
     */
    public record Change(Kind kind, String path, JsonNode oldValue, JsonNode newValue) {

        /**
         * One line: {@code path: old → new}, {@code + path: value} or {@code - path: value}. A whole
         * resource added or removed is shown by its path only; it is too large for a line.
         */
        @Override
        public String toString() {
            return switch (kind) {
                case CHANGED -> path + ": " + render(oldValue) + " → " + render(newValue);
                case ADDED -> "+ " + path + (isResourcePath(path) ? "" : ": " + render(newValue));
                case REMOVED -> "- " + path + (isResourcePath(path) ? "" : ": " + render(oldValue));
            };
        }

        private static boolean isResourcePath(String path) {
            return path.indexOf('.') < 0;
        }
    }

    private static final int MAX_VALUE_CHARS = 120;

    /** Above this many element pairs an array is compared by position only (time and memory). */
    private static final long MAX_ALIGNED_CELLS = 1_000_000;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private BundleDiff() {}

    /** Reads FHIR JSON keeping decimals as written (FHIR decimals carry precision). */
    public static JsonNode parse(byte[] json) throws IOException {
        return JSON.readTree(json);
    }

    /** The mapper {@link #parse(byte[])} uses, for writing the same trees back. */
    static ObjectMapper mapper() {
        return JSON;
    }

    /** Every difference from {@code oldBundle} to {@code newBundle}; empty when they are equal. */
    public static List<Change> between(JsonNode oldBundle, JsonNode newBundle) {
        List<Change> changes = new ArrayList<>();
        if (!isBundle(oldBundle) || !isBundle(newBundle)) {
            compare(rootName(newBundle, oldBundle), oldBundle, newBundle, changes);
            return changes;
        }
        compareFields("Bundle", oldBundle, newBundle, Set.of("entry"), changes);
        compareEntries(entries(oldBundle), entries(newBundle), changes);
        return changes;
    }

    private static boolean isBundle(JsonNode node) {
        return node != null
                && node.isObject()
                && "Bundle".equals(node.path("resourceType").asText())
                && (node.path("entry").isArray() || node.path("entry").isMissingNode());
    }

    private static String rootName(JsonNode a, JsonNode b) {
        for (JsonNode n : new JsonNode[] {a, b}) {
            if (n != null && n.path("resourceType").isTextual()) {
                return n.path("resourceType").asText();
            }
        }
        return "$";
    }

    /** Entries grouped by resource type, in bundle order, keeping the order types first appear in. */
    private static Map<String, List<JsonNode>> entries(JsonNode bundle) {
        Map<String, List<JsonNode>> byType = new LinkedHashMap<>();
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode type = entry.path("resource").path("resourceType");
            byType.computeIfAbsent(type.isTextual() ? type.asText() : "entry", t -> new ArrayList<>())
                    .add(entry);
        }
        return byType;
    }

    private static void compareEntries(
            Map<String, List<JsonNode>> oldByType, Map<String, List<JsonNode>> newByType, List<Change> changes) {
        Set<String> types = new LinkedHashSet<>(newByType.keySet());
        types.addAll(oldByType.keySet());
        for (String type : types) {
            List<JsonNode> olds = oldByType.getOrDefault(type, List.of());
            List<JsonNode> news = newByType.getOrDefault(type, List.of());
            boolean indexed = olds.size() > 1 || news.size() > 1;
            int[] oldForNew = pair(olds, news);
            boolean[] oldPaired = new boolean[olds.size()];
            for (int n = 0; n < news.size(); n++) {
                if (oldForNew[n] >= 0) {
                    oldPaired[oldForNew[n]] = true;
                }
            }
            for (int n = 0; n < news.size(); n++) {
                String root = indexed ? type + "[" + n + "]" : type;
                if (oldForNew[n] < 0) {
                    changes.add(new Change(Kind.ADDED, root, null, news.get(n).path("resource")));
                    continue;
                }
                JsonNode oldEntry = olds.get(oldForNew[n]);
                JsonNode newEntry = news.get(n);
                compare(root, oldEntry.get("resource"), newEntry.get("resource"), changes);
                compareFields("entry(" + root + ")", oldEntry, newEntry, Set.of("resource"), changes);
            }
            for (int o = 0; o < olds.size(); o++) {
                if (!oldPaired[o]) {
                    String root = indexed ? type + "[" + o + "]" : type;
                    changes.add(new Change(Kind.REMOVED, root, olds.get(o).path("resource"), null));
                }
            }
        }
    }

    /** For each new entry the index of its old partner, or -1: same id first, then the rest in order. */
    private static int[] pair(List<JsonNode> olds, List<JsonNode> news) {
        int[] oldForNew = new int[news.size()];
        boolean[] taken = new boolean[olds.size()];
        for (int n = 0; n < news.size(); n++) {
            oldForNew[n] = -1;
            JsonNode id = news.get(n).path("resource").path("id");
            if (!id.isTextual()) {
                continue;
            }
            for (int o = 0; o < olds.size(); o++) {
                if (!taken[o] && id.equals(olds.get(o).path("resource").path("id"))) {
                    oldForNew[n] = o;
                    taken[o] = true;
                    break;
                }
            }
        }
        int o = 0;
        for (int n = 0; n < news.size(); n++) {
            if (oldForNew[n] >= 0) {
                continue;
            }
            while (o < olds.size() && taken[o]) {
                o++;
            }
            if (o == olds.size()) {
                break;
            }
            oldForNew[n] = o;
            taken[o] = true;
        }
        return oldForNew;
    }

    private static void compare(String path, JsonNode oldValue, JsonNode newValue, List<Change> changes) {
        if (oldValue == null && newValue == null) {
            return;
        }
        if (oldValue == null) {
            changes.add(new Change(Kind.ADDED, path, null, newValue));
        } else if (newValue == null) {
            changes.add(new Change(Kind.REMOVED, path, oldValue, null));
        } else if (same(oldValue, newValue)) {
            return;
        } else if (oldValue.isObject() && newValue.isObject()) {
            compareFields(path, oldValue, newValue, Set.of(), changes);
        } else if (oldValue.isArray() && newValue.isArray()) {
            compareArrays(path, oldValue, newValue, changes);
        } else {
            changes.add(new Change(Kind.CHANGED, path, oldValue, newValue));
        }
    }

    /**
     * Aligns the elements equal on both sides (longest common subsequence), so one repetition added in
     * front shows as one addition rather than as every following element changed. Between aligned
     * elements the rest is compared by position. Indexes are the new array's, the old one's for
     * removed elements.
     */
    private static void compareArrays(String path, JsonNode oldArray, JsonNode newArray, List<Change> changes) {
        int n = oldArray.size();
        int m = newArray.size();
        if ((long) n * m > MAX_ALIGNED_CELLS) {
            comparePositions(path, oldArray, 0, n, newArray, 0, m, changes);
            return;
        }
        int[][] common = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                common[i][j] = same(oldArray.get(i), newArray.get(j))
                        ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        int gapOld = 0;
        int gapNew = 0;
        while (i < n && j < m) {
            if (same(oldArray.get(i), newArray.get(j))) {
                comparePositions(path, oldArray, gapOld, i, newArray, gapNew, j, changes);
                i++;
                j++;
                gapOld = i;
                gapNew = j;
            } else if (common[i + 1][j] >= common[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        comparePositions(path, oldArray, gapOld, n, newArray, gapNew, m, changes);
    }

    private static void comparePositions(
            String path,
            JsonNode oldArray,
            int oldFrom,
            int oldTo,
            JsonNode newArray,
            int newFrom,
            int newTo,
            List<Change> changes) {
        int common = Math.min(oldTo - oldFrom, newTo - newFrom);
        for (int k = 0; k < common; k++) {
            compare(path + "[" + (newFrom + k) + "]", oldArray.get(oldFrom + k), newArray.get(newFrom + k), changes);
        }
        for (int k = newFrom + common; k < newTo; k++) {
            changes.add(new Change(Kind.ADDED, path + "[" + k + "]", null, newArray.get(k)));
        }
        for (int k = oldFrom + common; k < oldTo; k++) {
            changes.add(new Change(Kind.REMOVED, path + "[" + k + "]", oldArray.get(k), null));
        }
    }

    private static void compareFields(
            String path, JsonNode oldObject, JsonNode newObject, Set<String> skip, List<Change> changes) {
        Set<String> names = new LinkedHashSet<>();
        oldObject.fieldNames().forEachRemaining(names::add);
        for (Iterator<String> it = newObject.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        for (String name : names) {
            if (!skip.contains(name)) {
                compare(path + "." + name, oldObject.get(name), newObject.get(name), changes);
            }
        }
    }

    /**
     * Deep equality with decimals compared as written: Jackson's own {@code equals} takes 1.5 and
     * 1.50 for equal, FHIR does not (a decimal's precision is part of its value).
     */
    static boolean same(JsonNode a, JsonNode b) {
        return a.equals(EXACT_NUMBERS, b);
    }

    private static final Comparator<JsonNode> EXACT_NUMBERS = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.numberType() == b.numberType() && a.numberValue().equals(b.numberValue()) ? 0 : 1;
        }
        return a.equals(b) ? 0 : 1;
    };

    /** Compact JSON, cut at {@value #MAX_VALUE_CHARS} characters. */
    static String render(JsonNode value) {
        String text;
        try {
            text = JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            text = String.valueOf(value);
        }
        return text.length() <= MAX_VALUE_CHARS ? text : text.substring(0, MAX_VALUE_CHARS - 1) + "…";
    }
}
