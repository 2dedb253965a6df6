package org.patientgate.normalize.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import org.patientgate.ingest.Hl7ErrorCode;
import org.patientgate.normalize.mapping.MappingSet;
import org.patientgate.normalize.mapping.Rule;
import org.patientgate.normalize.mapping.Vocabulary;

/**
 * What a transform function may use while one message is mapped: the segment being read, the
 * sender's mapping set (tables, default zone), and the engine's conversions for values it builds
 * in turn (a CWE inside OBX-5, a datatype map).
 */
public final class MappingContext {

    static final JsonNodeFactory JSON = JsonNodeFactory.withExactBigDecimals(true);

    private final V2Mapper engine;
    private final MappingSet set;
    private final String sender;
    private final java.util.Map<String, ObjectNode> created = new java.util.HashMap<>();
    final java.util.List<Object> entries = new java.util.ArrayList<>();
    private V2Segment segment;
    private ObjectNode target;
    private boolean oneRepetition;

    MappingContext(V2Mapper engine, MappingSet set, String sender) {
        this.engine = engine;
        this.set = set;
        this.sender = sender;
    }

    void segment(V2Segment segment) {
        this.segment = segment;
    }

    void target(ObjectNode target) {
        this.target = target;
    }

    void oneRepetition(boolean on) {
        this.oneRepetition = on;
    }

    /**
     * True while the engine converts one repetition of a field on its own (a rule with {@code
     * split-to:}): a transform that otherwise reads every repetition of the segment's field itself
     * (obxValue joins text lines) must then convert only the value it is given.
     */
    public boolean oneRepetition() {
        return oneRepetition;
    }

    /** The resource (or datatype object) the current rule writes into. */
    public ObjectNode target() {
        return target;
    }

    /** The segment the current rule reads. */
    public V2Segment segment() {
        return segment;
    }

    String sender() {
        return sender;
    }

    ObjectNode created(String key) {
        return created.get(key);
    }

    void created(String key, ObjectNode resource) {
        created.put(key, resource);
        entries.add(resource);
    }

    MappingSet.DatatypeMap datatypeMap(String name) {
        MappingSet.DatatypeMap map = set.datatypes().get(name);
        if (map == null) {
            throw new MappingFailure(
                    "datatype map " + name + " is not loaded", Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        return map;
    }

    public ZoneId zone() {
        return set.defaultZone();
    }

    public JsonNodeFactory json() {
        return JSON;
    }

    public Vocabulary vocabulary(String name) {
        Vocabulary v = set.vocabularies().get(name);
        if (v == null) {
            throw new MappingFailure(
                    "vocabulary table " + name + " is not loaded", Hl7ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        return v;
    }

    /**
     * The FHIR system for an HL7 coding-system name (CWE-3, table 0396), or the sender's local system
     * when the name is not a known one: local codes are kept, never dropped, under a system that
     * says whose they are.
     */
    public String codeSystem(String codingSystemName) {
        if (codingSystemName == null || codingSystemName.isBlank()) {
            return localSystem("code");
        }
        Vocabulary table = set.vocabularies().get("v2-0396");
        Vocabulary.Concept c = table == null ? null : table.lookup(codingSystemName);
        if (c != null) {
            return c.code();
        }
        if (HL7_TABLE.matcher(codingSystemName).matches()) {
            return "http://terminology.hl7.org/CodeSystem/v2-" + codingSystemName.substring(3);
        }
        // 99zzz, L, LOCAL and any other name the table does not know: the sender's own system
        return localSystem(codingSystemName);
    }

    /** A URI naming something local to the sender (its code system or identifier namespace). */
    public String localSystem(String name) {
        return "urn:patientgate:" + encode(sender) + ":" + encode(name);
    }

    private static final java.util.regex.Pattern HL7_TABLE = java.util.regex.Pattern.compile("HL7[0-9]{4}");

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Looks a code up, applying the rule's {@code unmapped:} decision; null means write nothing. */
    public Vocabulary.Concept lookup(Rule rule, String where, String code) {
        Vocabulary table = vocabulary(rule.lookup());
        Vocabulary.Concept c = table.lookup(code);
        if (c != null) {
            return c;
        }
        return switch (rule.unmapped()) {
            case REJECT ->
                throw new MappingFailure(
                        where + ": code not in table " + rule.lookup() + " (" + rule.where() + ", unmapped: reject)",
                        Hl7ErrorCode.TABLE_VALUE_NOT_FOUND);
            case KEEP_ORIGINAL -> new Vocabulary.Concept(null, code, null);
            case DROP -> null;
        };
    }

    JsonNode text(String s) {
        return JSON.textNode(s);
    }
}
