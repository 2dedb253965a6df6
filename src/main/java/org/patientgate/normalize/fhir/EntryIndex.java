package org.patientgate.normalize.fhir;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Reference;

/**
 * The input's entries as reference targets, and the rule that turns a reference found in a kept
 * resource into its canonical form. Resolution follows FHIR R4 "Resolving references in Bundles"
 * (http://hl7.org/fhir/R4/bundle.html#references): a reference equal to an entry's fullUrl is that
 * entry; a relative {@code Type/id} in an entry whose fullUrl is a RESTful URL is read against that
 * URL's base first. Beyond the specification, a relative {@code Type/id} also matches an entry
 * whose resource has that type and id (transaction bundles written without fullUrls), unless two
 * entries share it. Version suffixes ({@code /_history/n}) are ignored when matching.
 */
final class EntryIndex {

    /** Marks a {@code Type/id} that two entries share; it matches neither. */
    private static final Target AMBIGUOUS = new Target("", null, null);

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.\\-]*:.*", Pattern.DOTALL);
    private static final String DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

    private final Set<String> resourceTypes;
    private final Map<String, Target> byFullUrl = new HashMap<>();
    private final Map<String, Target> byTypeAndId = new HashMap<>();

    EntryIndex(Set<String> resourceTypes) {
        this.resourceTypes = resourceTypes;
    }

    /**
     * An input entry a reference may point to.
     *
     * @param type its resource type
     * @param newId its canonical id, or null when the reduction drops it
     * @param webUrl its fullUrl without version when that is an http(s) URL, else null
     */
    record Target(String type, String newId, String webUrl) {}

    /** What a reference becomes: a new reference string, or none (then {@code type} says what it was). */
    record Resolution(String reference, String type) {

        static Resolution to(String reference) {
            return new Resolution(reference, null);
        }

        static Resolution dropped(String type) {
            return new Resolution(null, type);
        }

        /**
         * Writes the outcome into the element. A dropped reference keeps display, identifier and
         * extensions, gains {@code type} when known, and if nothing is left says so with the
         * data-absent-reason extension (FHIR R4 ele-1 forbids an empty element).
         */
        void applyTo(Reference element) {
            element.setResource(null);
            if (reference != null) {
                element.setReference(reference);
                return;
            }
            element.setReference(null);
            if (!element.hasType() && type != null) {
                element.setType(type);
            }
            if (element.isEmpty()) {
                element.addExtension(new Extension(DATA_ABSENT_REASON, new CodeType("unknown")));
            }
        }
    }

    /** A RESTful resource URL split up; {@code base} is empty for a relative {@code Type/id}. */
    record RestUrl(String base, String type, String id, String history) {

        String typeAndId() {
            return type + "/" + id;
        }

        String withoutHistory() {
            return base + typeAndId();
        }

        boolean isWeb() {
            return isWebUrl(base);
        }
    }

    /** Registers an input entry (kept or not) under its fullUrl and its {@code Type/id}. */
    void add(String fullUrl, String type, String id, String newId) {
        RestUrl url = fullUrl == null ? null : restUrl(fullUrl);
        String key = url != null ? url.withoutHistory() : fullUrl;
        Target target = new Target(type, newId, key != null && isWebUrl(key) ? key : null);
        if (key != null) {
            byFullUrl.merge(key, target, (a, b) -> AMBIGUOUS);
        }
        if (id != null) {
            byTypeAndId.merge(type + "/" + id, target, (a, b) -> AMBIGUOUS);
        }
    }

    /** The http(s) base of a RESTful fullUrl ({@code https://x/fhir/} of {@code https://x/fhir/Patient/1}). */
    String baseOf(String fullUrl) {
        RestUrl url = fullUrl == null ? null : restUrl(fullUrl);
        return url != null && url.isWeb() ? url.base() : null;
    }

    /**
     * The canonical form of a reference that is not local ({@code #id} is the caller's business):
     * a kept entry becomes {@code urn:uuid:<new id>}; an http(s) URL, given or obtained by reading a
     * relative reference against the entry's base, stays; anything else (a dropped entry known only
     * by a {@code urn:uuid}, a relative reference with no base and no match, a conditional
     * reference) is dropped.
     */
    Resolution resolve(String reference, String base) {
        RestUrl url = restUrl(reference);
        if (reference.startsWith("#")) {
            return Resolution.dropped(null);
        }
        if (SCHEME.matcher(reference).matches()) {
            String key = url != null ? url.withoutHistory() : reference;
            Target target = byFullUrl.get(key);
            if (target != null && target != AMBIGUOUS) {
                return resolved(target, reference);
            }
            if (isWebUrl(reference)) {
                return Resolution.to(reference);
            }
            return Resolution.dropped(target != null && target != AMBIGUOUS ? target.type() : typeOf(url));
        }
        if (url != null) {
            String absolute = base == null ? null : base + reference;
            Target target = base == null ? null : byFullUrl.get(base + url.typeAndId());
            if (target == null || target == AMBIGUOUS) {
                target = byTypeAndId.get(url.typeAndId());
            }
            if (target != null && target != AMBIGUOUS) {
                return resolved(target, absolute);
            }
            return absolute != null ? Resolution.to(absolute) : Resolution.dropped(url.type());
        }
        return Resolution.dropped(typePrefix(reference));
    }

    private static Resolution resolved(Target target, String absolute) {
        if (target.newId() != null) {
            return Resolution.to("urn:uuid:" + target.newId());
        }
        if (absolute != null && isWebUrl(absolute)) {
            return Resolution.to(absolute);
        }
        if (target.webUrl() != null) {
            return Resolution.to(target.webUrl());
        }
        return Resolution.dropped(target.type());
    }

    /** Splits {@code [base]Type/id[/_history/v]} when Type is an R4 resource type; else null. */
    RestUrl restUrl(String s) {
        String history = "";
        int h = s.lastIndexOf("/_history/");
        if (h >= 0) {
            history = s.substring(h);
            if (!ID.matcher(history.substring("/_history/".length())).matches()) {
                return null;
            }
            s = s.substring(0, h);
        }
        int slash = s.lastIndexOf('/');
        if (slash <= 0) {
            return null;
        }
        String id = s.substring(slash + 1);
        int typeStart = s.lastIndexOf('/', slash - 1) + 1;
        String type = s.substring(typeStart, slash);
        if (!ID.matcher(id).matches() || !resourceTypes.contains(type)) {
            return null;
        }
        String base = s.substring(0, typeStart);
        if (!base.isEmpty() && !SCHEME.matcher(base).matches()) {
            return null;
        }
        return new RestUrl(base, type, id, history);
    }

    private String typeOf(RestUrl url) {
        return url == null ? null : url.type();
    }

    /** {@code Patient} of a conditional reference {@code Patient?identifier=...}. */
    private String typePrefix(String reference) {
        int end = reference.indexOf('?');
        String type = end > 0 ? reference.substring(0, end) : null;
        return type != null && resourceTypes.contains(type) ? type : null;
    }

    static boolean isWebUrl(String s) {
        return s.startsWith("http://") || s.startsWith("https://");
    }
}
