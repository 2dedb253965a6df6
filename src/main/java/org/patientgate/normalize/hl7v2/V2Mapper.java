package org.patientgate.normalize.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.patientgate.ingest.Hl7ErrorCode;
import org.patientgate.normalize.UnmappableMessageException;
import org.patientgate.normalize.mapping.Condition;
import org.patientgate.normalize.mapping.FieldPath;
import org.patientgate.normalize.mapping.MappingSet;
import org.patientgate.normalize.mapping.MappingSet.DatatypeMap;
import org.patientgate.normalize.mapping.MappingSet.StructureMap;
import org.patientgate.normalize.mapping.Mappings;
import org.patientgate.normalize.mapping.ResourcePlan;
import org.patientgate.normalize.mapping.Rule;
import org.patientgate.normalize.mapping.Vocabulary;

/**
 * The HL7 v2 mapping engine: walks a message's segments in order, applies the structure map's
 * resource plans to each, and builds the canonical FHIR R4 Bundle (type collection) as a JSON tree.
 *
 * <p>Grouping follows the message: a segment whose plan has a {@code parent} belongs to the latest
 * resource of that parent plan (an OBX to the OBR before it); where a segment has several such
 * plans (NTE after an OBR or after an OBX), the one whose parent was made last wins. Resource ids
 * are name-based UUIDs of sender, control id, plan and segment position, so a replay yields the
 * same bundle; resources made from a value ({@code create:}, e.g. a Practitioner from an XCN) are
 * named by their content and made once per bundle. References use the entries' {@code urn:uuid:}
 * full URLs, which resolve inside the bundle.
 */
public final class V2Mapper {

    private final Map<String, Transform> transforms;
    /**
     * Plans by segment name, per structure map. Keyed by identity: a record's own hashCode walks every
     * plan and rule of the structure, which cost more than the mapping itself on each message.
     */
    private final Map<StructureMap, Map<String, List<ResourcePlan>>> plansBySegment =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    public V2Mapper() {
        this.transforms = Transforms.all();
    }

    /** The transform names a mapping may use. */
    public static java.util.Set<String> transformNames() {
        return Transforms.all().keySet();
    }

    /** For each transform that reads vocabulary tables by name, those tables. */
    public static Map<String, java.util.Set<String>> tablesReadByTransforms() {
        return Transforms.tablesRead();
    }

    /** The canonical bundle of one message, and its id. */
    public record Result(String bundleId, ObjectNode bundle, String structure) {}

    private static final class Instance {
        final ResourcePlan plan;
        final V2Segment segment;
        final ObjectNode resource;
        final String id;
        final Instance parent;

        Instance(ResourcePlan plan, V2Segment segment, ObjectNode resource, String id, Instance parent) {
            this.plan = plan;
            this.segment = segment;
            this.resource = resource;
            this.id = id;
            this.parent = parent;
        }
    }

    /** State of one message's mapping. */
    private final class Run {
        final MappingContext context;
        final V2Message message;
        final String sender;
        final String controlId;
        final Map<String, List<Instance>> instances = new HashMap<>();
        final List<Object> entries;
        Instance current;
        /** Per (reading segment, read segment) name pair: whether the read one repeats per group. */
        final Map<String, Boolean> groupLevel = new HashMap<>();

        Run(MappingContext context, V2Message message, String sender, String controlId) {
            this.context = context;
            this.message = message;
            this.sender = sender;
            this.controlId = controlId;
            this.entries = context.entries;
        }
    }

    public Result map(V2Message message, Mappings mappings) throws UnmappableMessageException {
        V2Segment msh = message.first("MSH");
        if (msh == null) {
            throw new UnmappableMessageException("message has no MSH segment", Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
        String application = msh.first(3).part(1).text();
        String facility = msh.first(4).part(1).text();
        MappingSet set = mappings.forSender(application, facility);
        V2Value type = msh.first(9);
        String code = type.part(1).text();
        String trigger = type.part(2).text();
        StructureMap structure = set.structureFor(code, trigger, type.part(3).text());
        if (structure == null) {
            throw new UnmappableMessageException(
                    "no mapping for message type " + code + "^" + trigger
                            + (set.site() != null ? " (site " + set.site() + ")" : "")
                            + "; mapped types: "
                            + new java.util.TreeSet<>(set.triggers().keySet()),
                    Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE);
        }
        String sender = application + "|" + facility;
        String controlId = msh.first(10).text();
        Run run = new Run(new MappingContext(this, set, sender), message, sender, controlId);
        try {
            mapSegments(run, structure);
        } catch (MappingFailure e) {
            throw new UnmappableMessageException(e.getMessage(), e.code());
        }
        for (ResourcePlan plan : structure.plans()) {
            if (plan.required() && !run.instances.containsKey(plan.name())) {
                throw new UnmappableMessageException(
                        structure.name() + " needs a " + plan.segment() + " segment (" + plan.file() + ":" + plan.line()
                                + ")",
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR);
            }
        }
        String bundleId = uuid(sender, controlId, "Bundle");
        ObjectNode bundle = MappingContext.JSON.objectNode();
        bundle.put("resourceType", "Bundle");
        bundle.put("id", bundleId);
        ObjectNode identifier = bundle.putObject("identifier");
        identifier.put("system", run.context.localSystem("message"));
        identifier.put("value", controlId);
        bundle.put("type", "collection");
        String timestamp = msh.first(7).text();
        if (!timestamp.isEmpty()) {
            try {
                bundle.put("timestamp", V2DateTime.toFhirInstant(timestamp, set.defaultZone()));
            } catch (IllegalArgumentException e) {
                throw new UnmappableMessageException("MSH-7: " + e.getMessage(), Hl7ErrorCode.DATA_TYPE_ERROR);
            }
        }
        ArrayNode entries = bundle.putArray("entry");
        for (Object entry : run.entries) {
            ObjectNode resource = entry instanceof Instance i ? i.resource : (ObjectNode) entry;
            ObjectNode e = entries.addObject();
            e.put("fullUrl", "urn:uuid:" + resource.get("id").asText());
            e.set("resource", resource);
        }
        return new Result(bundleId, bundle, structure.name());
    }

    private void mapSegments(Run run, StructureMap structure) {
        if (plansBySegment.size() > 256) {
            plansBySegment.clear(); // structure maps of mapping sets replaced by reloads
        }
        Map<String, List<ResourcePlan>> bySegment = plansBySegment.computeIfAbsent(structure, s -> {
            Map<String, List<ResourcePlan>> m = new HashMap<>();
            for (ResourcePlan p : s.plans()) {
                m.computeIfAbsent(p.segment(), k -> new ArrayList<>()).add(p);
            }
            return m;
        });
        for (V2Segment segment : run.message.segments()) {
            List<ResourcePlan> plans = bySegment.get(segment.name());
            if (plans == null) {
                continue;
            }
            for (ResourcePlan plan : plans) {
                if (plan.parent() == null && applies(run, plan, segment)) {
                    apply(run, plan, segment);
                }
            }
            for (ResourcePlan plan : chooseParented(run, plans)) {
                if (applies(run, plan, segment)) {
                    apply(run, plan, segment);
                }
            }
        }
    }

    private boolean applies(Run run, ResourcePlan plan, V2Segment segment) {
        return plan.when() == null || holds(run, segment, plan.when(), null);
    }

    /** Of the plans with a parent, the ones whose parent resource was made last (a tie applies all). */
    private static List<ResourcePlan> chooseParented(Run run, List<ResourcePlan> plans) {
        int best = -1;
        List<ResourcePlan> parented = new ArrayList<>();
        for (ResourcePlan p : plans) {
            if (p.parent() == null) {
                continue;
            }
            Instance parent = latest(run, p.parent());
            if (parent == null) {
                continue;
            }
            int at = parent.segment.index();
            if (at > best) {
                best = at;
                parented.clear();
            }
            if (at == best) {
                parented.add(p);
            }
        }
        return parented;
    }

    private static Instance latest(Run run, String plan) {
        List<Instance> list = run.instances.get(plan);
        return list == null || list.isEmpty() ? null : list.get(list.size() - 1);
    }

    private void apply(Run run, ResourcePlan plan, V2Segment segment) {
        Instance parent = plan.parent() == null ? null : latest(run, plan.parent());
        run.context.segment(segment);
        if (plan.into()) {
            if (parent == null) {
                return;
            }
            Instance previous = run.current;
            run.current = parent;
            applyRules(run, plan.map(), segment, parent.resource, parent);
            run.current = previous;
            return;
        }
        String id = uuid(run.sender, run.controlId, plan.name() + "|" + segment.index());
        ObjectNode resource = MappingContext.JSON.objectNode();
        resource.put("resourceType", plan.resource());
        resource.put("id", id);
        Instance instance = new Instance(plan, segment, resource, id, parent);
        run.instances.computeIfAbsent(plan.name(), k -> new ArrayList<>()).add(instance);
        run.entries.add(instance);
        Instance previous = run.current;
        run.current = instance;
        applyRules(run, plan.map(), segment, resource, instance);
        run.current = previous;
        if (parent != null && plan.link() != null) {
            JsonTargets.set(parent.resource, plan.link(), reference(id));
        }
    }

    private void applyRules(Run run, List<Rule> rules, V2Segment segment, ObjectNode target, Instance scope) {
        List<Split> splits = new ArrayList<>();
        for (Rule rule : rules) {
            run.context.target(target);
            if (rule.when() != null && !holds(run, segment, rule.when(), null)) {
                continue;
            }
            if (rule.ref() != null) {
                Instance referenced = rule.ref().equals("parent") ? scope.parent : latest(run, rule.ref());
                if (referenced != null) {
                    JsonTargets.set(target, rule.to(), reference(referenced.id));
                }
                continue;
            }
            if (rule.from() == null) {
                JsonTargets.set(target, rule.to(), constant(rule));
                continue;
            }
            V2Segment source = sourceSegment(run, segment, rule.from().segment(), scope);
            boolean split = rule.splitTo() != null;
            List<V2Value> values = source == null ? List.of() : read(source, rule.from(), rule.repeat() || split);
            if (values.isEmpty()) {
                if (rule.defaultValue() != null) {
                    JsonTargets.set(target, rule.to(), run.context.text(rule.defaultValue()));
                } else if (rule.required()) {
                    throw new MappingFailure(
                            rule.from() + " is required (" + rule.where() + ")", Hl7ErrorCode.REQUIRED_FIELD_MISSING);
                }
                continue;
            }
            if (rule.value() != null) {
                JsonTargets.set(target, rule.to(), constant(rule));
                continue;
            }
            if (split) {
                if (!applySplit(run.context, rule, values, target, splits) && rule.required()) {
                    throw new MappingFailure(
                            rule.from() + " is required (" + rule.where() + ")", Hl7ErrorCode.REQUIRED_FIELD_MISSING);
                }
                continue;
            }
            for (V2Value value : values) {
                JsonNode converted =
                        convert(run.context, rule, value, rule.from().toString());
                if (converted != null) {
                    JsonTargets.set(target, rule.to(), converted);
                } else if (rule.required()) {
                    throw new MappingFailure(
                            rule.from() + " is required (" + rule.where() + ")", Hl7ErrorCode.REQUIRED_FIELD_MISSING);
                }
            }
        }
        // split-copy: after the segment's rules, so an element a later rule (a site's add-rules) extended
        // is copied whole
        for (Split s : splits) {
            for (String name : s.copy()) {
                JsonNode element = target.get(name);
                if (element == null || element.isNull()) {
                    s.element().remove(name);
                } else {
                    s.element().set(name, element.deepCopy());
                }
            }
        }
    }

    /** An element made by {@code split-to:}, waiting for the {@code split-copy:} elements. */
    private record Split(ObjectNode element, List<String> copy) {}

    /**
     * A rule with {@code split-to:} (IG OBX[Observation-Component]): one value converts and writes at
     * {@code to} as usual; several repetitions convert each on its own, into a new element at {@code
     * split-to} apiece, so no repetition is dropped. Each value is converted as the only one (see
     * {@link MappingContext#oneRepetition()}). True when something was written.
     */
    private boolean applySplit(
            MappingContext context, Rule rule, List<V2Value> values, ObjectNode target, List<Split> splits) {
        boolean written = false;
        context.oneRepetition(true);
        try {
            if (values.size() == 1) {
                JsonNode converted =
                        convert(context, rule, values.get(0), rule.from().toString());
                if (converted != null) {
                    JsonTargets.set(target, rule.to(), converted);
                    written = true;
                }
                return written;
            }
            for (int i = 0; i < values.size(); i++) {
                JsonNode converted = convert(context, rule, values.get(i), rule.from() + "~" + (i + 1));
                if (converted == null) {
                    continue;
                }
                ObjectNode element = MappingContext.JSON.objectNode();
                for (String name : rule.splitCopy()) {
                    element.putNull(name); // keeps the copied elements first, as FHIR lists them
                }
                JsonTargets.set(element, rule.to(), converted);
                JsonTargets.set(target, rule.splitTo(), element);
                splits.add(new Split(element, rule.splitCopy()));
                written = true;
            }
            return written;
        } finally {
            context.oneRepetition(false);
        }
    }

    private static JsonNode constant(Rule rule) {
        String v = rule.value();
        if (v.equals("true") || v.equals("false")) {
            return MappingContext.JSON.booleanNode(Boolean.parseBoolean(v));
        }
        return MappingContext.JSON.textNode(v);
    }

    /**
     * The segment a rule reads: its own; an ancestor's of that name; else the nearest one before it with
     * no segment of its own name in between (its group's, as the ORC before an OBR); else the message's
     * first, unless that belongs to another group. A segment of that name counts as a group's when one
     * comes after a segment of this one's name (an ORC after an OBR): then an OBR whose group has no ORC
     * reads no ORC field, where one before every group (MSH, PID, a single ORC) is read by all.
     */
    private static V2Segment sourceSegment(Run run, V2Segment own, String name, Instance scope) {
        if (name == null || name.equals(own.name())) {
            return own;
        }
        for (Instance i = scope; i != null; i = i.parent) {
            if (i.segment.name().equals(name)) {
                return i.segment;
            }
        }
        List<V2Segment> segments = run.message.segments();
        boolean laterGroup = false; // this segment follows another of its name
        for (int at = Math.min(own.index(), segments.size()) - 1; at >= 0; at--) {
            String before = segments.get(at).name();
            if (before.equals(name)) {
                return segments.get(at);
            }
            if (before.equals(own.name())) {
                laterGroup = true;
                break;
            }
        }
        V2Segment first = run.message.first(name);
        if (first == null) {
            return null;
        }
        // a segment of that name follows one of this one's name (the same for the whole message)
        boolean groupLevel = run.groupLevel.computeIfAbsent(own.name() + '|' + name, k -> {
            boolean seenOwn = false;
            for (V2Segment segment : segments) {
                if (segment.name().equals(own.name())) {
                    seenOwn = true;
                } else if (seenOwn && segment.name().equals(name)) {
                    return true;
                }
            }
            return false;
        });
        if (!groupLevel) {
            return first;
        }
        if (laterGroup || first.index() < own.index()) {
            return null; // an earlier group's
        }
        for (int at = own.index() + 1; at < first.index(); at++) {
            if (segments.get(at).name().equals(own.name())) {
                return null; // a later group's
            }
        }
        return first;
    }

    private static List<V2Value> read(V2Segment segment, FieldPath path, boolean repeat) {
        List<V2Value> reps = repeat ? segment.field(path.field()) : List.of(segment.first(path.field()));
        List<V2Value> values = new ArrayList<>(reps.size());
        for (V2Value rep : reps) {
            V2Value v = rep;
            if (path.component() > 0) {
                v = v.part(path.component());
                if (path.subcomponent() > 0) {
                    v = v.part(path.subcomponent());
                }
            }
            if (!v.isEmpty()) {
                values.add(v);
            }
        }
        return values;
    }

    private static V2Value readIn(V2Value value, FieldPath path) {
        if (path.field() == 0) {
            return value;
        }
        V2Value v = value.part(path.field());
        if (path.component() > 0) {
            v = v.part(path.component());
        }
        return v;
    }

    private boolean holds(Run run, V2Segment segment, Condition c, V2Value datatypeValue) {
        V2Value v;
        if (datatypeValue != null) {
            v = readIn(datatypeValue, c.field());
        } else {
            V2Segment source = sourceSegment(run, segment, c.field().segment(), run.current);
            List<V2Value> values = source == null ? List.of() : read(source, c.field(), false);
            v = values.isEmpty() ? null : values.get(0);
        }
        boolean present = v != null && !v.isEmpty();
        return switch (c.kind()) {
            case PRESENT -> present;
            case ABSENT -> !present;
            case IN -> present && c.values().contains(v.text());
            case NOT_IN -> !present || !c.values().contains(v.text());
        };
    }

    private JsonNode convert(MappingContext context, Rule rule, V2Value value, String where) {
        if (rule.transform() != null) {
            return transforms.get(rule.transform()).apply(context, value, rule);
        }
        String type = rule.type() == null ? "string" : rule.type();
        if (!Character.isLowerCase(type.charAt(0))) {
            ObjectNode object = applyDatatype(context, type, value);
            if (object == null) {
                return null;
            }
            if (rule.create() != null) {
                return reference(createResource(context, rule.create(), object));
            }
            return object;
        }
        return primitive(context, rule, type, value, where);
    }

    private JsonNode primitive(MappingContext context, Rule rule, String type, V2Value value, String where) {
        String text = type.equals("text") ? value.fullText() : value.text();
        if (text.isEmpty()) {
            return null;
        }
        if (rule.lookup() != null) {
            Vocabulary.Concept concept = context.lookup(rule, where, text);
            if (concept == null) {
                return null;
            }
            text = concept.code();
        }
        try {
            return switch (type) {
                case "decimal" -> context.json().numberNode(StructuredNumeric.decimal(text));
                case "integer" -> context.json().numberNode(Integer.parseInt(text.strip()));
                case "boolean" -> booleanValue(text, where, rule);
                case "date" -> context.json().textNode(V2DateTime.toFhirDate(text));
                case "dateTime" -> context.json().textNode(V2DateTime.toFhirDateTime(text, context.zone()));
                case "instant" -> context.json().textNode(V2DateTime.toFhirInstant(text, context.zone()));
                default -> context.json().textNode(text);
            };
        } catch (IllegalArgumentException e) {
            throw new MappingFailure(where + ": " + e.getMessage() + " (" + rule.where() + ")");
        }
    }

    private static JsonNode booleanValue(String text, String where, Rule rule) {
        // HL7 table 0136 is Y/N; senders also write YES/NO and true/false.
        return switch (text.toUpperCase(java.util.Locale.ROOT)) {
            case "Y", "YES", "T", "TRUE" -> MappingContext.JSON.booleanNode(true);
            case "N", "NO", "F", "FALSE" -> MappingContext.JSON.booleanNode(false);
            default -> throw new MappingFailure(where + ": not Y or N (" + rule.where() + ")");
        };
    }

    /** Applies a datatype map to a value; null when nothing results. */
    ObjectNode applyDatatype(MappingContext context, String name, V2Value value) {
        DatatypeMap map = context.datatypeMap(name);
        ObjectNode object = MappingContext.JSON.objectNode();
        for (Rule rule : map.rules()) {
            if (rule.when() != null && !holds(null, null, rule.when(), value)) {
                continue;
            }
            if (rule.from() == null) {
                JsonTargets.set(object, rule.to(), constant(rule));
                continue;
            }
            V2Value v = readIn(value, rule.from());
            if (v.isEmpty()) {
                if (rule.required()) {
                    return null;
                }
                if (rule.defaultValue() != null) {
                    JsonTargets.set(object, rule.to(), context.text(rule.defaultValue()));
                }
                continue;
            }
            if (rule.value() != null) {
                JsonTargets.set(object, rule.to(), constant(rule));
                continue;
            }
            JsonNode converted = convert(context, rule, v, name + "." + rule.from());
            if (converted != null) {
                JsonTargets.set(object, rule.to(), converted);
            } else if (rule.required()) {
                return null;
            }
        }
        return object.isEmpty() ? null : object;
    }

    private String createResource(MappingContext context, String type, ObjectNode content) {
        String key = type + "|" + content;
        ObjectNode existing = context.created(key);
        if (existing != null) {
            return existing.get("id").asText();
        }
        String id = uuid(context.sender(), "", key);
        ObjectNode resource = MappingContext.JSON.objectNode();
        resource.put("resourceType", type);
        resource.put("id", id);
        resource.setAll(content);
        context.created(key, resource);
        return id;
    }

    private static ObjectNode reference(String id) {
        ObjectNode ref = MappingContext.JSON.objectNode();
        ref.put("reference", "urn:uuid:" + id);
        return ref;
    }

    static String uuid(String sender, String controlId, String name) {
        return UUID.nameUUIDFromBytes((sender + "|" + controlId + "|" + name).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
