package org.patientgate.normalize.mapping;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.patientgate.normalize.mapping.MappingSet.DatatypeMap;
import org.patientgate.normalize.mapping.MappingSet.StructureMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the mappings folder ({@code hub.mappings-dir}) into {@link Mappings}, checking every file
 * and collecting every error with its file and line: unknown keys (typos), paths that do not parse,
 * datatype maps, transforms, tables and plans that do not exist, a lookup without an {@code
 * unmapped:} decision. Nothing is used unless the whole folder is valid.
 *
 * <p>Layout: {@code hl7v2/<STRUCTURE>.yaml} entry files, {@code hl7v2/segment/*.yaml} segment maps,
 * {@code hl7v2/datatype/*.yaml} datatype maps, {@code vocabulary/*.csv} tables, and {@code
 * sites/<site>/} folders holding {@code site.yaml} plus any files of the same layout that replace
 * (maps) or extend (table rows) the base ones for that site's senders.
 */
public final class MappingLoader {

    /** Primitive types a rule may convert to; everything else must be a datatype map. */
    public static final Set<String> PRIMITIVES = Set.of(
            "string", "text", "code", "id", "uri", "decimal", "integer", "boolean", "date", "dateTime", "instant");

    private static final Set<String> RULE_KEYS = Set.of(
            "from",
            "to",
            "type",
            "transform",
            "lookup",
            "unmapped",
            "required",
            "repeat",
            "value",
            "ref",
            "create",
            "when",
            "default",
            "split-to",
            "split-copy",
            "note");
    private static final Set<String> PLAN_KEYS =
            Set.of("name", "segment", "resource", "map", "parent", "link", "into", "required", "when", "note");

    private final Set<String> transforms;
    private final Map<String, Set<String>> tablesByTransform;
    private final ZoneId defaultZone;

    /**
     * @param transforms names of the transform functions the engine offers
     * @param defaultZone zone for senders whose site does not set one
     */
    public MappingLoader(Set<String> transforms, ZoneId defaultZone) {
        this(transforms, Map.of(), defaultZone);
    }

    /**
     * @param tablesByTransform vocabulary tables a transform reads by name: a rule using it needs them
     */
    public MappingLoader(Set<String> transforms, Map<String, Set<String>> tablesByTransform, ZoneId defaultZone) {
        this.transforms = Set.copyOf(transforms);
        this.tablesByTransform = Map.copyOf(tablesByTransform);
        this.defaultZone = defaultZone;
    }

    /** Raw content of one folder layer (base or site) before resolution. */
    private static final class Layer {
        final Map<String, Parsed<Map<String, Node>>> entries = new TreeMap<>();
        final Map<String, Parsed<Map<String, Node>>> segments = new TreeMap<>();
        final Map<String, Parsed<Map<String, Node>>> datatypes = new TreeMap<>();
        final Map<String, Vocabulary> vocabularies = new TreeMap<>();
        int files;
    }

    private record Parsed<T>(String file, T content, int line) {}

    public Mappings load(Path root) throws InvalidMappingsException {
        List<MappingError> errors = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            throw new InvalidMappingsException(
                    List.of(new MappingError(root.toString(), 0, "mappings folder does not exist")));
        }
        Layer base = readLayer(root, "", errors);
        MappingSet baseSet = resolve(null, base, null, Map.of(), Map.of(), defaultZone, errors);
        List<Mappings.Site> sites = new ArrayList<>();
        int files = base.files;
        Path sitesDir = root.resolve("sites");
        if (Files.isDirectory(sitesDir)) {
            for (Path siteDir : list(sitesDir, errors)) {
                if (!Files.isDirectory(siteDir)) {
                    continue;
                }
                String siteName = siteDir.getFileName().toString();
                String prefix = "sites/" + siteName + "/";
                Layer layer = readLayer(siteDir, prefix, errors);
                files += layer.files + 1;
                Mappings.Site site = readSite(siteDir, prefix, base, layer, errors);
                if (site != null) {
                    sites.add(site);
                }
            }
        }
        if (!errors.isEmpty()) {
            // each site re-resolves the base files it does not replace: report a base error once
            throw new InvalidMappingsException(List.copyOf(new LinkedHashSet<>(errors)));
        }
        return new Mappings(baseSet, List.copyOf(sites), files, Instant.now());
    }

    private Mappings.Site readSite(Path siteDir, String prefix, Layer base, Layer layer, List<MappingError> errors) {
        String file = prefix + "site.yaml";
        Parsed<Map<String, Node>> site = readYaml(siteDir.resolve("site.yaml"), file, errors);
        if (site == null) {
            return null;
        }
        Map<String, Node> m = site.content();
        checkKeys(
                m,
                Set.of("version", "source", "site", "match", "default-zone", "add-rules", "add-resources", "note"),
                file,
                errors);
        List<String> facilities = new ArrayList<>();
        List<String> applications = new ArrayList<>();
        Node match = m.get("match");
        if (!(match instanceof MappingNode)) {
            errors.add(new MappingError(file, line(site, match), "match: {sending-facility: [...]} is required"));
        } else {
            Map<String, Node> mm = map(match);
            checkKeys(mm, Set.of("sending-facility", "sending-application"), file, errors);
            facilities.addAll(strings(mm.get("sending-facility")));
            applications.addAll(strings(mm.get("sending-application")));
            if (facilities.isEmpty() && applications.isEmpty()) {
                errors.add(new MappingError(file, line(site, match), "match names no sending-facility or application"));
            }
        }
        ZoneId zone = defaultZone;
        String zoneText = scalar(m.get("default-zone"));
        if (zoneText != null) {
            try {
                zone = ZoneId.of(zoneText);
            } catch (DateTimeException e) {
                errors.add(new MappingError(
                        file, line(site, m.get("default-zone")), "default-zone is not a time zone id"));
            }
        }
        Layer merged = new Layer();
        merged.entries.putAll(base.entries);
        merged.entries.putAll(layer.entries);
        merged.segments.putAll(base.segments);
        merged.segments.putAll(layer.segments);
        merged.datatypes.putAll(base.datatypes);
        merged.datatypes.putAll(layer.datatypes);
        merged.vocabularies.putAll(base.vocabularies);
        layer.vocabularies.forEach((name, table) -> merged.vocabularies.merge(name, table, Vocabulary::overriddenBy));
        Map<String, Node> addRules = m.get("add-rules") instanceof MappingNode n ? map(n) : Map.of();
        Map<String, Node> addResources = m.get("add-resources") instanceof MappingNode n ? map(n) : Map.of();
        String name = scalar(m.get("site"));
        MappingSet set = resolve(
                name != null ? name : siteDir.getFileName().toString(),
                merged,
                file,
                addRules,
                addResources,
                zone,
                errors);
        return new Mappings.Site(set.site(), List.copyOf(facilities), List.copyOf(applications), set);
    }

    private Layer readLayer(Path dir, String prefix, List<MappingError> errors) {
        Layer layer = new Layer();
        Path hl7 = dir.resolve("hl7v2");
        if (Files.isDirectory(hl7)) {
            for (Path p : list(hl7, errors)) {
                if (p.toString().endsWith(".yaml")) {
                    String file = prefix + "hl7v2/" + p.getFileName();
                    Parsed<Map<String, Node>> parsed = readYaml(p, file, errors);
                    if (parsed != null) {
                        layer.entries.put(baseName(p), parsed);
                    }
                    layer.files++;
                }
            }
            readMaps(hl7.resolve("segment"), prefix + "hl7v2/segment/", layer.segments, layer, errors);
            readMaps(hl7.resolve("datatype"), prefix + "hl7v2/datatype/", layer.datatypes, layer, errors);
        }
        Path vocabulary = dir.resolve("vocabulary");
        if (Files.isDirectory(vocabulary)) {
            for (Path p : list(vocabulary, errors)) {
                if (p.toString().endsWith(".csv")) {
                    Vocabulary table = Vocabulary.read(p, prefix + "vocabulary/" + p.getFileName(), errors);
                    layer.vocabularies.put(table.name(), table);
                    layer.files++;
                }
            }
        }
        return layer;
    }

    private void readMaps(
            Path dir,
            String prefix,
            Map<String, Parsed<Map<String, Node>>> into,
            Layer layer,
            List<MappingError> errors) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        for (Path p : list(dir, errors)) {
            if (p.toString().endsWith(".yaml")) {
                Parsed<Map<String, Node>> parsed = readYaml(p, prefix + p.getFileName(), errors);
                if (parsed != null) {
                    into.put(baseName(p), parsed);
                }
                layer.files++;
            }
        }
    }

    private MappingSet resolve(
            String site,
            Layer layer,
            String siteFile,
            Map<String, Node> addRules,
            Map<String, Node> addResources,
            ZoneId zone,
            List<MappingError> errors) {
        Map<String, DatatypeMap> datatypes = new LinkedHashMap<>();
        for (var e : layer.datatypes.entrySet()) {
            Parsed<Map<String, Node>> p = e.getValue();
            checkKeys(p.content(), Set.of("version", "source", "datatype", "fhir", "rules", "note"), p.file(), errors);
            checkHeader(p, errors);
            String fhir = scalar(p.content().get("fhir"));
            if (fhir == null) {
                errors.add(new MappingError(p.file(), 1, "fhir: (the FHIR datatype or resource made) is required"));
            }
            datatypes.put(e.getKey(), new DatatypeMap(e.getKey(), fhir, List.of()));
        }
        Set<String> typeNames = datatypes.keySet();
        Map<String, DatatypeMap> resolvedTypes = new LinkedHashMap<>();
        for (var e : layer.datatypes.entrySet()) {
            Parsed<Map<String, Node>> p = e.getValue();
            List<Rule> rules = rules(p.content().get("rules"), p.file(), false, null, typeNames, layer, errors);
            resolvedTypes.put(
                    e.getKey(),
                    new DatatypeMap(e.getKey(), datatypes.get(e.getKey()).fhirType(), rules));
        }
        Map<String, List<Rule>> segmentMaps = new HashMap<>();
        Map<String, String> segmentOf = new HashMap<>();
        for (var e : layer.segments.entrySet()) {
            Parsed<Map<String, Node>> p = e.getValue();
            checkKeys(
                    p.content(), Set.of("version", "source", "segment", "resource", "rules", "note"), p.file(), errors);
            checkHeader(p, errors);
            String segment = scalar(p.content().get("segment"));
            if (segment == null || !segment.matches("[A-Z][A-Z0-9]{2}")) {
                errors.add(new MappingError(p.file(), 1, "segment: (a three-character segment name) is required"));
                continue;
            }
            List<Rule> rules =
                    new ArrayList<>(rules(p.content().get("rules"), p.file(), true, segment, typeNames, layer, errors));
            Node extra = addRules.get(e.getKey());
            if (extra != null) {
                rules.addAll(rules(extra, siteFile, true, segment, typeNames, layer, errors));
            }
            segmentMaps.put(e.getKey(), List.copyOf(rules));
            segmentOf.put(e.getKey(), segment);
        }
        for (var e : addRules.entrySet()) {
            if (!segmentMaps.containsKey(e.getKey())) {
                errors.add(new MappingError(
                        siteFile,
                        e.getValue().getStartMark().getLine() + 1,
                        "add-rules names segment map " + e.getKey() + ", which does not exist"));
            }
        }
        Map<String, StructureMap> structures = new TreeMap<>();
        Map<String, String> triggers = new HashMap<>();
        for (var e : layer.entries.entrySet()) {
            Parsed<Map<String, Node>> p = e.getValue();
            Map<String, Node> m = p.content();
            checkKeys(m, Set.of("version", "source", "structure", "messages", "resources", "note"), p.file(), errors);
            checkHeader(p, errors);
            String structure = scalar(m.get("structure"));
            if (structure == null || !structure.equals(e.getKey())) {
                errors.add(new MappingError(
                        p.file(), 1, "structure: must name the file's structure (" + e.getKey() + ")"));
            }
            for (String trigger : strings(m.get("messages"))) {
                if (!trigger.matches("[A-Z0-9]{3}\\^[A-Z0-9]{3}")) {
                    errors.add(new MappingError(
                            p.file(), line(p, m.get("messages")), "messages: entries look like ORU^R01"));
                }
                String previous = triggers.put(trigger, e.getKey());
                if (previous != null && !previous.equals(e.getKey())) {
                    errors.add(new MappingError(
                            p.file(), line(p, m.get("messages")), trigger + " is already mapped by " + previous));
                }
            }
            List<Node> planNodes = new ArrayList<>(sequence(m.get("resources"), p.file(), errors));
            List<ResourcePlan> plans = new ArrayList<>();
            for (Node n : planNodes) {
                ResourcePlan plan = plan(n, p.file(), segmentMaps, segmentOf, layer, errors);
                if (plan != null) {
                    plans.add(plan);
                }
            }
            Node extra = addResources.get(e.getKey());
            if (extra != null) {
                for (Node n : sequence(extra, siteFile, errors)) {
                    ResourcePlan plan = plan(n, siteFile, segmentMaps, segmentOf, layer, errors);
                    if (plan != null) {
                        plans.add(plan);
                    }
                }
            }
            checkPlanReferences(plans, errors);
            structures.put(e.getKey(), new StructureMap(e.getKey(), p.file(), List.copyOf(plans)));
        }
        for (var e : addResources.entrySet()) {
            if (!layer.entries.containsKey(e.getKey())) {
                errors.add(new MappingError(
                        siteFile,
                        e.getValue().getStartMark().getLine() + 1,
                        "add-resources names entry file hl7v2/" + e.getKey() + ".yaml, which does not exist"));
            }
        }
        return new MappingSet(
                site,
                Map.copyOf(structures),
                Map.copyOf(triggers),
                Map.copyOf(resolvedTypes),
                Map.copyOf(layer.vocabularies),
                zone);
    }

    private ResourcePlan plan(
            Node node,
            String file,
            Map<String, List<Rule>> segmentMaps,
            Map<String, String> segmentOf,
            Layer layer,
            List<MappingError> errors) {
        int line = node.getStartMark().getLine() + 1;
        if (!(node instanceof MappingNode)) {
            errors.add(new MappingError(file, line, "a resources entry must be a mapping"));
            return null;
        }
        Map<String, Node> m = map(node);
        checkKeys(m, PLAN_KEYS, file, errors);
        String segment = scalar(m.get("segment"));
        String mapName = scalar(m.get("map"));
        if (segment == null) {
            errors.add(new MappingError(file, line, "segment: is required"));
            return null;
        }
        if (mapName == null) {
            mapName = segment;
        }
        List<Rule> rules = segmentMaps.get(mapName);
        if (rules == null) {
            errors.add(new MappingError(
                    file, line, "segment map " + mapName + " not found (hl7v2/segment/" + mapName + ".yaml)"));
            return null;
        }
        if (!segment.equals(segmentOf.get(mapName))) {
            errors.add(new MappingError(
                    file, line, "segment map " + mapName + " is for " + segmentOf.get(mapName) + ", not " + segment));
        }
        boolean into = "true".equals(scalar(m.get("into")));
        String resource = scalar(m.get("resource"));
        if (resource == null && !into) {
            errors.add(
                    new MappingError(file, line, "resource: (the FHIR resource type) is required unless into: true"));
        }
        String parent = scalar(m.get("parent"));
        if (into && parent == null) {
            errors.add(new MappingError(file, line, "into: true needs a parent:"));
        }
        TargetPath link = null;
        String linkText = scalar(m.get("link"));
        if (linkText != null) {
            link = TargetPath.parse(linkText);
            if (link == null || link.isSelf()) {
                errors.add(new MappingError(file, line, "link: is not a FHIR element path"));
            }
        }
        String name = scalar(m.get("name"));
        Condition when = m.containsKey("when") ? condition(m.get("when"), file, true, errors) : null;
        return new ResourcePlan(
                name != null ? name : segment.toLowerCase(Locale.ROOT),
                segment,
                resource,
                rules,
                parent,
                link,
                into,
                "true".equals(scalar(m.get("required"))),
                when,
                file,
                line);
    }

    private static void checkPlanReferences(List<ResourcePlan> plans, List<MappingError> errors) {
        Set<String> names = new HashSet<>();
        for (ResourcePlan plan : plans) {
            if (plan.parent() != null && !names.contains(plan.parent())) {
                errors.add(new MappingError(
                        plan.file(),
                        plan.line(),
                        "parent " + plan.parent() + " is not a resource named earlier in the file"));
            }
            if (!plan.into()) {
                names.add(plan.name());
            }
        }
        for (ResourcePlan plan : plans) {
            for (Rule rule : plan.map()) {
                if (rule.ref() != null && !rule.ref().equals("parent") && !names.contains(rule.ref())) {
                    errors.add(new MappingError(
                            rule.file(), rule.line(), "ref " + rule.ref() + " names no resource of " + plan.file()));
                }
            }
        }
    }

    private List<Rule> rules(
            Node node,
            String file,
            boolean segmentMap,
            String segment,
            Set<String> typeNames,
            Layer layer,
            List<MappingError> errors) {
        List<Rule> rules = new ArrayList<>();
        for (Node n : sequence(node, file, errors)) {
            Rule rule = rule(n, file, segmentMap, segment, typeNames, layer, errors);
            if (rule != null) {
                rules.add(rule);
            }
        }
        return List.copyOf(rules);
    }

    private Rule rule(
            Node node,
            String file,
            boolean segmentMap,
            String segment,
            Set<String> typeNames,
            Layer layer,
            List<MappingError> errors) {
        int line = node.getStartMark().getLine() + 1;
        if (!(node instanceof MappingNode)) {
            errors.add(new MappingError(file, line, "a rule must be a mapping (from:, to:, ...)"));
            return null;
        }
        Map<String, Node> m = map(node);
        int before = errors.size();
        checkKeys(m, RULE_KEYS, file, errors);
        FieldPath from = null;
        String fromText = scalar(m.get("from"));
        if (fromText != null) {
            from = FieldPath.parse(fromText);
            if (from == null) {
                errors.add(new MappingError(
                        file, line, "from: " + fromText + " is not a field path (PID-3, OBX-5.1, 4.2)"));
            } else if (segmentMap && from.segment() == null) {
                errors.add(
                        new MappingError(file, line, "from: in a segment map names the segment (" + segment + "-n)"));
            } else if (!segmentMap && from.segment() != null) {
                errors.add(new MappingError(file, line, "from: in a datatype map is a component number (1, 4.2)"));
            }
        }
        String value = scalar(m.get("value"));
        String ref = scalar(m.get("ref"));
        String transform = scalar(m.get("transform"));
        if (from == null && fromText == null && value == null && ref == null) {
            if (segmentMap || transform == null) {
                from = segmentMap ? null : FieldPath.SELF;
            } else {
                from = FieldPath.SELF;
            }
            if (segmentMap) {
                errors.add(new MappingError(file, line, "rule needs from:, value: or ref:"));
            }
        }
        String toText = scalar(m.get("to"));
        TargetPath to = toText == null ? null : TargetPath.parse(toText);
        if (to == null) {
            errors.add(new MappingError(
                    file, line, toText == null ? "to: is required" : "to: " + toText + " is not a FHIR element path"));
        }
        String type = scalar(m.get("type"));
        if (type != null && !PRIMITIVES.contains(type) && !typeNames.contains(type)) {
            errors.add(new MappingError(
                    file, line, "type " + type + " is neither a primitive nor a datatype map in hl7v2/datatype/"));
        }
        if (transform != null && !transforms.contains(transform)) {
            errors.add(new MappingError(
                    file,
                    line,
                    "transform " + transform + " is not a known function; known: "
                            + new java.util.TreeSet<>(transforms)));
        }
        if (transform != null) {
            for (String table : new java.util.TreeSet<>(tablesByTransform.getOrDefault(transform, Set.of()))) {
                if (!layer.vocabularies.containsKey(table)) {
                    errors.add(new MappingError(
                            file,
                            line,
                            "transform " + transform + " reads table " + table + ", not found (vocabulary/" + table
                                    + ".csv)"));
                }
            }
        }
        String lookup = scalar(m.get("lookup"));
        Rule.Unmapped unmapped = null;
        if (lookup != null) {
            if (!layer.vocabularies.containsKey(lookup)) {
                errors.add(new MappingError(
                        file, line, "lookup table " + lookup + " not found (vocabulary/" + lookup + ".csv)"));
            }
            String u = scalar(m.get("unmapped"));
            if (u == null) {
                errors.add(new MappingError(file, line, "lookup needs unmapped: reject | keep-original | drop"));
            } else {
                switch (u) {
                    case "reject" -> unmapped = Rule.Unmapped.REJECT;
                    case "keep-original" -> unmapped = Rule.Unmapped.KEEP_ORIGINAL;
                    case "drop" -> unmapped = Rule.Unmapped.DROP;
                    default ->
                        errors.add(new MappingError(file, line, "unmapped: must be reject, keep-original or drop"));
                }
            }
        } else if (m.containsKey("unmapped")) {
            errors.add(new MappingError(file, line, "unmapped: without lookup:"));
        }
        String create = scalar(m.get("create"));
        if (create != null && (type == null || !typeNames.contains(type))) {
            errors.add(
                    new MappingError(file, line, "create: needs type: naming a datatype map that builds the resource"));
        }
        Condition when = m.containsKey("when") ? condition(m.get("when"), file, segmentMap, errors) : null;
        TargetPath splitTo = null;
        List<String> splitCopy = List.of();
        String splitToText = scalar(m.get("split-to"));
        if (splitToText != null) {
            splitTo = TargetPath.parse(splitToText);
            List<TargetPath.Step> steps = splitTo == null ? List.of() : splitTo.steps();
            if (splitTo == null
                    || steps.isEmpty()
                    || steps.get(steps.size() - 1).index() != TargetPath.Step.APPEND) {
                errors.add(new MappingError(
                        file, line, "split-to: " + splitToText + " is not an appending element path (component[])"));
            }
            if (!segmentMap) {
                errors.add(new MappingError(file, line, "split-to: is for segment maps only"));
            } else if (from == null || value != null || ref != null) {
                errors.add(new MappingError(file, line, "split-to: needs from: (and no value: or ref:)"));
            }
            if ("true".equals(scalar(m.get("repeat")))) {
                errors.add(new MappingError(
                        file, line, "split-to: and repeat: true exclude each other (split-to reads every repetition)"));
            }
        }
        if (m.containsKey("split-copy")) {
            splitCopy = strings(m.get("split-copy"));
            if (splitTo == null) {
                errors.add(new MappingError(file, line, "split-copy: without split-to:"));
            }
            for (String element : splitCopy) {
                if (!element.matches("[a-z][A-Za-z0-9]*")) {
                    errors.add(new MappingError(
                            file, line, "split-copy: " + element + " is not an element name of the resource (code)"));
                }
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return new Rule(
                file,
                line,
                from,
                to,
                type,
                transform,
                lookup,
                unmapped,
                "true".equals(scalar(m.get("required"))),
                "true".equals(scalar(m.get("repeat"))),
                value,
                ref,
                create,
                when,
                scalar(m.get("default")),
                splitTo,
                splitCopy);
    }

    private Condition condition(Node node, String file, boolean segmentMap, List<MappingError> errors) {
        int line = node.getStartMark().getLine() + 1;
        if (!(node instanceof MappingNode)) {
            errors.add(new MappingError(
                    file, line, "when: is a mapping {field: ..., present|absent: true | in|not-in: [..]}"));
            return null;
        }
        Map<String, Node> m = map(node);
        checkKeys(m, Set.of("field", "present", "absent", "in", "not-in"), file, errors);
        String fieldText = scalar(m.get("field"));
        FieldPath field = fieldText == null ? null : FieldPath.parse(fieldText);
        if (field == null || (segmentMap && field.segment() == null)) {
            errors.add(new MappingError(file, line, "when: needs field: with a field path"));
            return null;
        }
        if ("true".equals(scalar(m.get("present")))) {
            return new Condition(field, Condition.Kind.PRESENT, List.of());
        }
        if ("true".equals(scalar(m.get("absent")))) {
            return new Condition(field, Condition.Kind.ABSENT, List.of());
        }
        if (m.containsKey("in")) {
            return new Condition(field, Condition.Kind.IN, strings(m.get("in")));
        }
        if (m.containsKey("not-in")) {
            return new Condition(field, Condition.Kind.NOT_IN, strings(m.get("not-in")));
        }
        errors.add(new MappingError(file, line, "when: needs present: true, absent: true, in: [..] or not-in: [..]"));
        return null;
    }

    private static void checkHeader(Parsed<Map<String, Node>> p, List<MappingError> errors) {
        if (scalar(p.content().get("version")) == null || scalar(p.content().get("source")) == null) {
            errors.add(new MappingError(p.file(), 1, "header needs version: and source:"));
        }
    }

    private static void checkKeys(Map<String, Node> m, Set<String> allowed, String file, List<MappingError> errors) {
        for (var e : m.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                errors.add(new MappingError(
                        file,
                        e.getValue().getStartMark().getLine() + 1,
                        "unknown key " + e.getKey() + " (allowed: " + new java.util.TreeSet<>(allowed) + ")"));
            }
        }
    }

    private Parsed<Map<String, Node>> readYaml(Path path, String file, List<MappingError> errors) {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            Node root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
            if (!(root instanceof MappingNode)) {
                errors.add(new MappingError(file, 1, "must be a YAML mapping"));
                return null;
            }
            return new Parsed<>(file, map(root), 1);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            errors.add(new MappingError(file, line, "YAML syntax: " + e.getProblem()));
        } catch (IOException | RuntimeException e) {
            errors.add(new MappingError(file, 0, "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    private static Map<String, Node> map(Node node) {
        Map<String, Node> m = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                m.put(k.getValue(), t.getValueNode());
            }
        }
        return m;
    }

    private static List<Node> sequence(Node node, String file, List<MappingError> errors) {
        if (node == null) {
            return List.of();
        }
        if (node instanceof SequenceNode s) {
            return s.getValue();
        }
        errors.add(new MappingError(file, node.getStartMark().getLine() + 1, "expected a list"));
        return List.of();
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode s && !s.getValue().isEmpty() ? s.getValue() : null;
    }

    private static List<String> strings(Node node) {
        if (node instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        List<String> values = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            for (Node n : seq.getValue()) {
                if (n instanceof ScalarNode s) {
                    values.add(s.getValue());
                }
            }
        }
        return values;
    }

    private static int line(Parsed<?> p, Node node) {
        return node == null ? p.line() : node.getStartMark().getLine() + 1;
    }

    private static String baseName(Path p) {
        return p.getFileName().toString().replaceFirst("\\.yaml$", "");
    }

    private static List<Path> list(Path dir, List<MappingError> errors) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            errors.add(new MappingError(dir.toString(), 0, "cannot be listed: " + e.getMessage()));
            return List.of();
        }
    }
}
