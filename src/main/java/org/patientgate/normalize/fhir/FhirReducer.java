package org.patientgate.normalize.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.patientgate.normalize.UnmappableMessageException;
import org.patientgate.normalize.fhir.EntryIndex.Resolution;

/**
 * Reduces FHIR R4 JSON input to the hub's canonical bundle, the shape the HL7 v2 engine produces: a
 * Bundle of type {@code collection} whose entries carry {@code urn:uuid:} fullUrls and whose
 * references all resolve inside it (FHIR R4 bundle.html#references). Accepted input is a Bundle of
 * type transaction, batch, collection, message or document, or a single resource of a report type;
 * everything else is refused with an {@link UnmappableMessageException} whose message describes the
 * structure, never a value.
 *
 * <p><b>What is kept.</b> Resources of the report types ({@link #REPORT_TYPES}); the rest (the
 * MessageHeader of a message, the Composition of a document, PractitionerRole, Location, ...) is
 * dropped, as are transaction {@code request}/{@code response}, {@code search} and {@code link}.
 * Contained resources of a report type are lifted to entries of their own; contained resources of
 * other types stay contained (FHIR R4 dom-3), and when a lifted resource referred to one, it gets
 * its own copy. {@code meta.versionId} and {@code meta.lastUpdated} are removed because ids change;
 * {@code meta.profile}, {@code security}, {@code tag} and {@code source} stay. The result must hold
 * at least one resource of {@link #SUBJECT_TYPES}; a bundle of supporting resources only is refused.
 *
 * <p><b>Ids.</b> Every kept resource gets {@code UUID.nameUUIDFromBytes(sender|key|identity)},
 * where identity is the entry's original fullUrl, else {@code Type/id}, else {@code entry[i]} (a
 * lifted resource: its container's identity + {@code #id}), and key is the message key: the input
 * Bundle's {@code identifier.value}, else its {@code id}, else the SHA-256 of the input bytes; for a
 * single resource {@code Type/id/_history/versionId} when it has both, else the SHA-256. The same
 * input from the same sender therefore yields the same bytes; another sender, other ids.
 *
 * <p><b>References</b> (in kept resources, including extensions and contained resources):
 *
 * <ul>
 *   <li>to a kept entry (by fullUrl, by {@code Type/id}, by an absolute URL equal to a fullUrl, or
 *       by a relative reference read against the referring entry's RESTful fullUrl base), or to a
 *       lifted contained resource ({@code #id}): rewritten to {@code urn:uuid:<new id>};
 *   <li>otherwise, when the target is an http(s) URL (given, obtained from the base, or the
 *       fullUrl of a dropped entry): kept as that absolute URL, which still names the resource on
 *       the sender's server;
 *   <li>otherwise (a dropped entry known only by {@code urn:uuid}, a relative reference with no base
 *       and no matching entry, a conditional reference): the {@code reference} string is removed;
 *       {@code display}, {@code identifier} and extensions stay, {@code type} is set to the target's
 *       type when known, and an element left empty carries the data-absent-reason extension
 *       ({@code unknown}). No reference in the output points outside the bundle except by an
 *       absolute URL, and none points at nothing.
 * </ul>
 *
 * <p>Built once per {@link FhirContext} and shared: {@link #reduce} keeps no state between calls and
 * may run concurrently.
 */
public final class FhirReducer {

    /** Resource types the canonical bundle carries (the HL7 v2 engine's set). */
    public static final Set<String> REPORT_TYPES = Set.of(
            "Patient",
            "DiagnosticReport",
            "Observation",
            "Specimen",
            "ServiceRequest",
            "Practitioner",
            "Organization",
            "Encounter",
            "DocumentReference",
            "RelatedPerson",
            "AllergyIntolerance");

    /** Resource types that make a bundle worth keeping; the other report types only support them. */
    public static final Set<String> SUBJECT_TYPES =
            Set.of("Patient", "DiagnosticReport", "Observation", "DocumentReference", "AllergyIntolerance");

    private static final Set<BundleType> ACCEPTED_BUNDLE_TYPES = EnumSet.of(
            BundleType.TRANSACTION, BundleType.BATCH, BundleType.COLLECTION, BundleType.MESSAGE, BundleType.DOCUMENT);

    private static final Pattern HAPI_CODE = Pattern.compile("HAPI-[0-9]+");

    /** The canonical bundle's id and its compact JSON (UTF-8). */
    public record Result(String bundleId, byte[] json) {}

    private final FhirContext fhir;
    private final Set<String> resourceTypes;

    public FhirReducer(FhirContext r4) {
        if (r4.getVersion().getVersion() != FhirVersionEnum.R4) {
            throw new IllegalArgumentException("FhirReducer needs an R4 FhirContext, not "
                    + r4.getVersion().getVersion());
        }
        this.fhir = r4;
        this.resourceTypes = Set.copyOf(r4.getResourceTypes());
    }

    /**
     * Reduces one input.
     *
     * @param json the FHIR R4 JSON as received (UTF-8, a byte order mark is ignored)
     * @param sender stable name of who sent it (API client, polled server base URL); scopes the ids
     */
    public Result reduce(byte[] json, String sender) throws UnmappableMessageException {
        Objects.requireNonNull(json, "json");
        if (sender == null || sender.isBlank()) {
            throw new IllegalArgumentException("sender must name who sent the input");
        }
        Resource input = parse(json);
        Input in = read(input, json);
        Run run = new Run(sender, in.key());

        List<Source> kept = new ArrayList<>();
        Map<String, Integer> identities = new HashMap<>();
        for (Source source : in.sources()) {
            Integer earlier = identities.putIfAbsent(source.identity(), source.position());
            if (earlier != null) {
                throw new UnmappableMessageException("Bundle.entry[" + earlier + "] and Bundle.entry["
                        + source.position() + "] have the same "
                        + (source.fullUrl() != null ? "fullUrl" : "resource type and id"));
            }
            boolean keep = REPORT_TYPES.contains(source.resource().fhirType());
            run.index.add(
                    source.fullUrl(),
                    source.resource().fhirType(),
                    source.id(),
                    keep ? run.uuid(source.identity()) : null);
            if (keep) {
                kept.add(source);
            }
        }

        List<Resource> resources = new ArrayList<>();
        for (Source source : kept) {
            resources.addAll(reduceEntry(run, source));
        }
        requireSubject(in.sources(), resources);

        String bundleId = run.uuid("Bundle");
        Bundle bundle = new Bundle();
        bundle.setId(bundleId);
        bundle.setIdentifier(new Identifier()
                .setSystem("urn:patientgate:" + encode(sender) + ":message")
                .setValue(in.key()));
        bundle.setType(BundleType.COLLECTION);
        if (in.timestamp() != null) {
            bundle.setTimestampElement(in.timestamp());
        }
        for (Resource resource : resources) {
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + resource.getIdElement().getIdPart())
                    .setResource(resource);
        }
        IParser writer = fhir.newJsonParser().setPrettyPrint(false);
        writer.setStripVersionsFromReferences(false);
        return new Result(bundleId, writer.encodeResourceToString(bundle).getBytes(StandardCharsets.UTF_8));
    }

    /** One resource of the input: a Bundle entry (position in Bundle.entry) or the lone resource. */
    private record Source(int position, String fullUrl, Resource resource) {

        String id() {
            return resource.getIdElement().hasIdPart() ? resource.getIdElement().getIdPart() : null;
        }

        String identity() {
            if (fullUrl != null) {
                return fullUrl;
            }
            String id = id();
            return id != null ? resource.fhirType() + "/" + id : "entry[" + position + "]";
        }
    }

    private record Input(List<Source> sources, String key, InstantType timestamp) {}

    /** Per-call state: who, which message, and the input's entries as reference targets. */
    private final class Run {
        final String sender;
        final String key;
        final EntryIndex index = new EntryIndex(resourceTypes);
        final FhirTerser terser = fhir.newTerser();

        Run(String sender, String key) {
            this.sender = sender;
            this.key = key;
        }

        String uuid(String name) {
            return UUID.nameUUIDFromBytes((sender + "|" + key + "|" + name).getBytes(StandardCharsets.UTF_8))
                    .toString();
        }

        void rewrite(Resource resource, Function<String, Resolution> rule) {
            for (Reference reference : terser.getAllPopulatedChildElementsOfType(resource, Reference.class)) {
                if (reference.hasReference()) {
                    rule.apply(reference.getReference()).applyTo(reference);
                } else {
                    reference.setResource(null);
                }
            }
        }
    }

    private Resource parse(byte[] json) throws UnmappableMessageException {
        String text = new String(json, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new UnmappableMessageException("input is empty");
        }
        StructureProblems problems = new StructureProblems();
        IParser parser = fhir.newJsonParser();
        parser.setOverrideResourceIdWithBundleEntryFullUrl(false);
        parser.setParserErrorHandler(problems);
        IBaseResource parsed;
        try {
            parsed = parser.parseResource(text);
        } catch (DataFormatException e) {
            throw new UnmappableMessageException(describe(e));
        } catch (RuntimeException e) {
            // HAPI's own messages may quote the input; only the kind of failure is reported.
            throw new UnmappableMessageException(
                    "input could not be parsed as FHIR R4 JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (!problems.isEmpty()) {
            throw new UnmappableMessageException("input is not valid FHIR R4 JSON: " + problems.summary());
        }
        if (!(parsed instanceof Resource resource)) {
            throw new UnmappableMessageException("input is not an R4 resource");
        }
        return resource;
    }

    private static String describe(DataFormatException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json) {
                JsonLocation at = json.getLocation();
                return at == null
                        ? "input is not well-formed JSON"
                        : "input is not well-formed JSON (line " + at.getLineNr() + ", column " + at.getColumnNr()
                                + ")";
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("HAPI-1684:")) {
            return "input's resourceType is not a FHIR R4 resource type (HAPI-1684)";
        }
        if (message.contains("HAPI-1838:")) {
            return "input has no resourceType (HAPI-1838)";
        }
        if (message.contains("HAPI-1859:")) {
            return "input is not a JSON object (HAPI-1859)";
        }
        Matcher code = HAPI_CODE.matcher(message);
        return "input is not FHIR R4 JSON" + (code.find() ? " (" + code.group() + ")" : "");
    }

    private Input read(Resource input, byte[] json) throws UnmappableMessageException {
        if (input instanceof Bundle bundle) {
            BundleType type = bundle.getType();
            if (type == null || type == BundleType.NULL) {
                throw new UnmappableMessageException("Bundle.type is missing");
            }
            if (!ACCEPTED_BUNDLE_TYPES.contains(type)) {
                throw new UnmappableMessageException("a Bundle of type " + type.toCode()
                        + " cannot be reduced; accepted: transaction, batch, collection, message, document");
            }
            List<Source> sources = new ArrayList<>();
            for (int i = 0; i < bundle.getEntry().size(); i++) {
                Bundle.BundleEntryComponent entry = bundle.getEntry().get(i);
                if (entry.getResource() != null) {
                    sources.add(new Source(i, entry.hasFullUrl() ? entry.getFullUrl() : null, entry.getResource()));
                }
            }
            String key;
            if (bundle.hasIdentifier() && bundle.getIdentifier().hasValue()) {
                key = bundle.getIdentifier().getValue();
            } else if (bundle.getIdElement().hasIdPart()) {
                key = bundle.getIdElement().getIdPart();
            } else {
                key = sha256(json);
            }
            return new Input(
                    sources,
                    key,
                    bundle.hasTimestamp() ? bundle.getTimestampElement().copy() : null);
        }
        String type = input.fhirType();
        if (!REPORT_TYPES.contains(type)) {
            throw new UnmappableMessageException("a lone " + type
                    + " cannot be reduced; expected a Bundle or a single resource of type "
                    + String.join(", ", new TreeSet<>(REPORT_TYPES)));
        }
        String key = input.getIdElement().hasIdPart()
                        && input.hasMeta()
                        && input.getMeta().hasVersionId()
                ? type + "/" + input.getIdElement().getIdPart() + "/_history/"
                        + input.getMeta().getVersionId()
                : sha256(json);
        return new Input(List.of(new Source(0, null, input)), key, null);
    }

    /**
     * One kept entry and what it brings: the resource itself, then its contained resources of
     * report types as entries of their own, all with references rewritten.
     */
    private List<Resource> reduceEntry(Run run, Source source) {
        Resource resource = source.resource();
        String newId = run.uuid(source.identity());
        String base = run.index.baseOf(source.fullUrl());

        Map<String, Resource> lifted = new LinkedHashMap<>();
        Map<String, String> liftedIds = new HashMap<>();
        Map<String, Resource> others = new LinkedHashMap<>();
        if (resource instanceof DomainResource domain) {
            for (Resource contained : domain.getContained()) {
                String local = localId(contained);
                if (REPORT_TYPES.contains(contained.fhirType())) {
                    lifted.put(local, contained);
                    liftedIds.put(local, run.uuid(source.identity() + "#" + local));
                } else {
                    others.put(local, contained);
                }
            }
            domain.getContained().clear();
        }
        Contained scope = new Contained(newId, liftedIds, others.keySet());

        Set<String> usedByContainer = new LinkedHashSet<>();
        run.rewrite(
                resource,
                ref -> ref.startsWith("#") ? scope.resolve(ref, usedByContainer, false) : run.index.resolve(ref, base));
        Map<String, Set<String>> usedByOther = new HashMap<>();
        for (Map.Entry<String, Resource> other : others.entrySet()) {
            Set<String> used = new LinkedHashSet<>();
            run.rewrite(
                    other.getValue(),
                    ref -> ref.startsWith("#") ? scope.resolve(ref, used, false) : run.index.resolve(ref, base));
            usedByOther.put(other.getKey(), used);
            if (used.contains(Contained.CONTAINER)) {
                usedByContainer.add(other.getKey());
            }
        }
        resource.setId(newId);
        clearVersion(resource);
        if (resource instanceof DomainResource domain) {
            for (String local : closure(usedByContainer, usedByOther)) {
                Resource other = others.get(local);
                clearVersion(other);
                domain.getContained().add(other);
            }
        }

        List<Resource> out = new ArrayList<>();
        out.add(resource);
        for (Map.Entry<String, Resource> entry : lifted.entrySet()) {
            Resource liftedResource = entry.getValue();
            Set<String> used = new LinkedHashSet<>();
            run.rewrite(
                    liftedResource,
                    ref -> ref.startsWith("#") ? scope.resolve(ref, used, true) : run.index.resolve(ref, base));
            liftedResource.setId(liftedIds.get(entry.getKey()));
            clearVersion(liftedResource);
            if (liftedResource instanceof DomainResource domain) {
                for (String local : closure(used, usedByOther)) {
                    Resource copy = others.get(local).copy();
                    // Inside the copy '#' would now name the lifted resource, not the original container.
                    run.rewrite(
                            copy,
                            ref -> Contained.CONTAINER.equals(ref)
                                    ? Resolution.to("urn:uuid:" + newId)
                                    : Resolution.to(ref));
                    domain.getContained().add(copy);
                }
            }
            out.add(liftedResource);
        }
        return out;
    }

    /** Local references inside one container: {@code #id} of a contained resource, {@code #} of the container. */
    private record Contained(String containerId, Map<String, String> liftedIds, Set<String> otherIds) {

        static final String CONTAINER = "#";

        /** Resolves a local reference; records in {@code used} which staying contained resources it needs. */
        Resolution resolve(String reference, Set<String> used, boolean fromLifted) {
            if (CONTAINER.equals(reference)) {
                if (fromLifted) {
                    return Resolution.to("urn:uuid:" + containerId);
                }
                used.add(CONTAINER);
                return Resolution.to(reference);
            }
            String local = reference.substring(1);
            if (liftedIds.containsKey(local)) {
                return Resolution.to("urn:uuid:" + liftedIds.get(local));
            }
            if (otherIds.contains(local)) {
                used.add(local);
                return Resolution.to(reference);
            }
            return Resolution.dropped(null);
        }
    }

    /** The staying contained resources reachable from {@code start}, following their own references. */
    private static Set<String> closure(Set<String> start, Map<String, Set<String>> edges) {
        Set<String> reached = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(start);
        while (!todo.isEmpty()) {
            String next = todo.poll();
            if (edges.containsKey(next) && reached.add(next)) {
                todo.addAll(edges.get(next));
            }
        }
        return reached;
    }

    private static String localId(Resource contained) {
        String id = contained.getIdElement().getIdPart();
        return id != null && id.startsWith("#") ? id.substring(1) : id;
    }

    private static void clearVersion(Resource resource) {
        if (resource.hasMeta()) {
            resource.getMeta().setVersionIdElement(null);
            resource.getMeta().setLastUpdatedElement(null);
        }
    }

    private static void requireSubject(List<Source> sources, List<Resource> kept) throws UnmappableMessageException {
        for (Resource resource : kept) {
            if (SUBJECT_TYPES.contains(resource.fhirType())) {
                return;
            }
        }
        Map<String, Integer> found = new TreeMap<>();
        for (Source source : sources) {
            found.merge(source.resource().fhirType(), 1, Integer::sum);
        }
        throw new UnmappableMessageException("input holds no " + String.join(", ", new TreeSet<>(SUBJECT_TYPES))
                + " (found: " + (found.isEmpty() ? "no resources" : found) + ")");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
