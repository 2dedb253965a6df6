package org.patientgate.normalize.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.patientgate.normalize.mapping.Rule;
import org.patientgate.normalize.mapping.Vocabulary;

/**
 * The named functions mapping files call with {@code transform:}. Each follows a row group of the
 * HL7 V2-to-FHIR IG where a plain field-to-element rule is not enough: coded values with their code
 * systems (datatype map CWE[CodeableConcept]), OBX-5 by OBX-2 (segment map OBX[Observation] rows
 * 5.x and 6.x), telecom (XTN[ContactPoint]), assigning authorities (HD[Identifier.system]).
 */
public final class Transforms {

    private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("(-?[0-9.]+)-(-?[0-9.]+)");
    private static final java.util.regex.Pattern UPPER_LIMIT = java.util.regex.Pattern.compile("<=?([0-9.]+)");
    private static final java.util.regex.Pattern LOWER_LIMIT = java.util.regex.Pattern.compile(">=?([0-9.]+)");
    private static final java.util.regex.Pattern TM_OFFSET = java.util.regex.Pattern.compile("[+-]\\d{4}$");
    private static final java.util.regex.Pattern TM =
            java.util.regex.Pattern.compile("\\d{2}(\\d{2}(\\d{2}(\\.\\d{1,4})?)?)?");
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s");
    private static final java.util.regex.Pattern HEX = java.util.regex.Pattern.compile("[0-9A-Fa-f]*");

    private Transforms() {}

    /** Vocabulary tables a transform reads by name, whatever the rule says (the loader checks them). */
    static Map<String, java.util.Set<String>> tablesRead() {
        return Map.of("contactPoint", java.util.Set.of("v2-0201", "v2-0202"));
    }

    static Map<String, Transform> all() {
        return Map.ofEntries(
                Map.entry("codeableConcept", (Transform) Transforms::codeableConcept),
                Map.entry("mappedConcept", (Transform) Transforms::mappedConcept),
                Map.entry("attachment", (Transform) Transforms::attachment),
                Map.entry("coding", (Transform) Transforms::coding),
                Map.entry("identifierSystem", (Transform) Transforms::identifierSystem),
                Map.entry("entityIdentifierSystem", (Transform) Transforms::entityIdentifierSystem),
                Map.entry("obxValue", (Transform) Transforms::obxValue),
                Map.entry("contactPoint", (Transform) Transforms::contactPoint),
                Map.entry("locationText", (Transform) Transforms::locationText),
                Map.entry("referenceRange", (Transform) Transforms::referenceRange),
                Map.entry("documentText", (Transform) Transforms::documentText));
    }

    /**
     * CWE/CE/CNE (or a bare IS/ID code) to CodeableConcept: the primary triplet (components 1-3),
     * the alternate (4-6), original text (9, else 2). With {@code lookup:}, the mapped FHIR coding
     * comes first and the sender's own coding is kept beside it; an unmapped code follows the rule's
     * {@code unmapped:}. No coding without a code is ever written.
     */
    static JsonNode codeableConcept(MappingContext context, V2Value value, Rule rule) {
        ObjectNode concept = context.json().objectNode();
        ArrayNode codings = context.json().arrayNode();
        String code = value.part(1).text();
        String display = value.part(2).text();
        String system = value.part(3).text();
        boolean codeAsText = false;
        if (!code.isEmpty()) {
            if (rule.lookup() != null) {
                Vocabulary.Concept mapped = context.lookup(rule, "coded value", code);
                if (mapped == null) {
                    return null;
                }
                if (mapped.system() != null) {
                    codings.add(coding(context, mapped.system(), mapped.code(), mapped.display()));
                    if (!system.isEmpty()) {
                        codings.add(coding(context, context.codeSystem(system), code, display));
                    }
                } else {
                    // unmapped: keep-original. A code the HL7 table does not have is the sender's own:
                    // it keeps the sender's local system. Sent under the HL7 table's own system it
                    // would be an invalid coding there, so it is kept as text instead (the alternate
                    // coding and the original text are still written).
                    String original = system.isEmpty() ? context.localSystem("code") : context.codeSystem(system);
                    if (original.startsWith("http://terminology.hl7.org/CodeSystem/v2-")) {
                        codeAsText = true;
                    } else {
                        codings.add(coding(context, original, code, display));
                    }
                }
            } else {
                codings.add(coding(context, context.codeSystem(system), code, display));
            }
        }
        String altCode = value.part(4).text();
        if (!altCode.isEmpty()) {
            codings.add(coding(
                    context,
                    context.codeSystem(value.part(6).text()),
                    altCode,
                    value.part(5).text()));
        }
        if (!codings.isEmpty()) {
            concept.set("coding", codings);
        }
        String text = value.part(9).text();
        if (text.isEmpty()) {
            text = display;
        }
        if (text.isEmpty() && codeAsText) {
            text = code;
        }
        if (!text.isEmpty()) {
            concept.put("text", text);
        }
        return concept.isEmpty() ? null : concept;
    }

    /**
     * A coded value to a CodeableConcept holding only the table's FHIR coding (and the text), for
     * elements bound to a required code system where the sender's own coding would be invalid
     * (Patient.communication.language is BCP 47). Needs {@code lookup:}; with {@code unmapped:
     * keep-original} an unknown code is kept as the concept's text.
     */
    static JsonNode mappedConcept(MappingContext context, V2Value value, Rule rule) {
        String code = value.part(1).text();
        if (code.isEmpty() || rule.lookup() == null) {
            return null;
        }
        Vocabulary.Concept mapped = context.lookup(rule, "coded value", code);
        if (mapped == null) {
            return null;
        }
        ObjectNode concept = context.json().objectNode();
        if (mapped.system() == null) {
            // unmapped: keep-original. The code cannot stand in a coding of the bound system, so it
            // is kept as the concept's text.
            String text = value.part(2).text();
            concept.put("text", text.isEmpty() ? code : text);
            return concept;
        }
        concept.putArray("coding").add(coding(context, mapped.system(), mapped.code(), mapped.display()));
        String text = value.part(2).text();
        if (!text.isEmpty()) {
            concept.put("text", text);
        }
        return concept;
    }

    /** OBX-5 of type ED (encapsulated data) or RP (reference pointer) as an Attachment. */
    static JsonNode attachment(MappingContext context, V2Value value, Rule rule) {
        String type = context.segment().first(2).text().toUpperCase(Locale.ROOT);
        return attachment(context, value, type.equals("RP") ? "RP" : "ED");
    }

    /** A coded value to one Coding (Encounter.class and the like): the mapped code when looked up. */
    static JsonNode coding(MappingContext context, V2Value value, Rule rule) {
        JsonNode concept = codeableConcept(context, value, rule);
        if (concept == null || !concept.has("coding")) {
            return null;
        }
        return concept.get("coding").get(0);
    }

    private static ObjectNode coding(MappingContext context, String system, String code, String display) {
        ObjectNode coding = context.json().objectNode();
        coding.put("system", system);
        coding.put("code", code);
        if (display != null && !display.isEmpty()) {
            coding.put("display", display);
        }
        return coding;
    }

    /**
     * HD (assigning authority, assigning facility) to a system URI: the universal id by its type
     * (ISO: urn:oid, UUID: urn:uuid, URI as is), else the namespace id, looked up in the rule's table
     * when one is given (a site maps its namespaces to registered URIs), else kept as a local system
     * of the sender.
     */
    static JsonNode identifierSystem(MappingContext context, V2Value value, Rule rule) {
        return system(
                context,
                value.part(1).text(),
                value.part(2).text(),
                value.part(3).text(),
                rule);
    }

    /** EI-2..4 (namespace, universal id, its type) to a system URI, as for an HD. */
    static JsonNode entityIdentifierSystem(MappingContext context, V2Value value, Rule rule) {
        return system(
                context,
                value.part(2).text(),
                value.part(3).text(),
                value.part(4).text(),
                rule);
    }

    private static JsonNode system(
            MappingContext context, String namespace, String universal, String universalType, Rule rule) {
        String type = universalType.toUpperCase(Locale.ROOT);
        if (!universal.isEmpty()) {
            switch (type) {
                case "ISO" -> {
                    return context.json().textNode("urn:oid:" + universal);
                }
                case "UUID", "GUID" -> {
                    return context.json().textNode("urn:uuid:" + universal.toLowerCase(Locale.ROOT));
                }
                case "URI", "URL" -> {
                    return context.json().textNode(universal);
                }
                default -> {
                    if (namespace.isEmpty()) {
                        namespace = universal;
                    }
                }
            }
        }
        if (namespace.isEmpty()) {
            return null;
        }
        if (rule.lookup() != null) {
            Vocabulary.Concept mapped = context.vocabulary(rule.lookup()).lookup(namespace);
            if (mapped != null) {
                return context.json().textNode(mapped.code());
            }
        }
        if (namespace.startsWith("urn:") || namespace.contains("://")) {
            return context.json().textNode(namespace);
        }
        return context.json().textNode(context.localSystem("id:" + namespace));
    }

    /**
     * OBX-5 as the Observation's value[x], chosen by OBX-2 as the IG's OBX[Observation] rows for
     * OBX-5 and OBX-6 say: NM and SN to Quantity/Range/Ratio (units from OBX-6), ST/TX/FT to string
     * (repetitions are lines), coded types to CodeableConcept, DT/DTM/TS to dateTime, TM to time, NR
     * to Range, ED to the R5 valueAttachment extension. Returns an object merged into the resource.
     *
     * <p>Converting one repetition of a rule with {@code split-to:} (IG OBX[Observation-Component]),
     * only the value given is converted. Otherwise the whole field is read: text repetitions are
     * lines, and a type with one value per repetition (NM, CWE, ...) that repeats fails the message
     * rather than silently keeping the first value.
     */
    static JsonNode obxValue(MappingContext context, V2Value value, Rule rule) {
        V2Segment obx = context.segment();
        String type = obx.first(2).text().toUpperCase(Locale.ROOT);
        List<V2Value> reps = context.oneRepetition() ? List.of(value) : obx.field(5);
        if (reps.isEmpty()) {
            return null;
        }
        if (reps.size() > 1 && VALUE_TYPES.contains(type)) {
            long values = reps.stream().filter(r -> !r.isEmpty()).count();
            if (values > 1) {
                throw new MappingFailure("OBX-5 of type " + type + " repeats (" + values
                        + " values); only a rule with split-to:" + " keeps them all (" + rule.where() + ")");
            }
        }
        V2Value first = reps.get(0);
        ObjectNode result = context.json().objectNode();
        switch (type) {
            case "NM" -> {
                BigDecimal number = decimalOrNull(first.text());
                if (number == null) {
                    result.put("valueString", first.text());
                } else {
                    result.set("valueQuantity", quantity(context, number, obx.first(6)));
                }
            }
            case "SN" -> structuredNumeric(context, first, obx.first(6), result);
            case "ST", "TX", "FT", "TN", "VR" -> result.put("valueString", lines(reps));
            case "CWE", "CE", "CNE", "CF", "IS", "ID", "CV" -> {
                JsonNode concept = codeableConcept(context, first, plain(rule));
                if (concept != null) {
                    result.set("valueCodeableConcept", concept);
                }
            }
            case "DT", "DTM", "TS", "DIN" -> {
                try {
                    result.put("valueDateTime", V2DateTime.toFhirDateTime(first.text(), context.zone()));
                } catch (IllegalArgumentException e) {
                    throw new MappingFailure("OBX-5: " + e.getMessage() + " (" + rule.where() + ")");
                }
            }
            case "TM" -> result.put("valueTime", time(first.text(), rule));
            case "NR" -> {
                BigDecimal low = decimalOrNull(first.part(1).text());
                BigDecimal high = decimalOrNull(first.part(2).text());
                if (low == null && high == null) {
                    // an empty Range is invalid (ele-1): what is not a number is kept as sent
                    result.put("valueString", first.fullText());
                    break;
                }
                ObjectNode range = result.putObject("valueRange");
                if (low != null) {
                    range.set("low", quantity(context, low, obx.first(6)));
                }
                if (high != null) {
                    range.set("high", quantity(context, high, obx.first(6)));
                }
            }
            case "ED", "RP" -> {
                ObjectNode attachment = attachment(context, first, type);
                if (attachment != null) {
                    ObjectNode extension = result.putArray("extension").addObject();
                    extension.put("url", "http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value");
                    extension.set("valueAttachment", attachment);
                }
            }
            default -> result.put("valueString", lines(reps));
        }
        return result.isEmpty() ? null : result;
    }

    /**
     * OBX-2 types obxValue converts from one repetition (their further repetitions would be lost);
     * the others' repetitions are joined as the lines of one string.
     */
    private static final java.util.Set<String> VALUE_TYPES = java.util.Set.of(
            "NM", "SN", "CWE", "CE", "CNE", "CF", "IS", "ID", "CV", "DT", "DTM", "TS", "DIN", "TM", "NR", "ED", "RP");

    private static Rule plain(Rule rule) {
        return new Rule(
                rule.file(),
                rule.line(),
                rule.from(),
                rule.to(),
                null,
                null,
                null,
                null,
                false,
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static void structuredNumeric(MappingContext context, V2Value sn, V2Value units, ObjectNode result) {
        StructuredNumeric parsed = StructuredNumeric.parse(
                sn.part(1).text(),
                sn.part(2).text(),
                sn.part(3).text(),
                sn.part(4).text());
        switch (parsed.kind()) {
            case QUANTITY -> {
                ObjectNode q = quantity(context, parsed.value(), units);
                if (parsed.comparator() != null) {
                    ObjectNode ordered = context.json().objectNode();
                    ordered.put("value", parsed.value());
                    ordered.put("comparator", parsed.comparator());
                    q.remove("value");
                    ordered.setAll(q);
                    q = ordered;
                }
                result.set("valueQuantity", q);
            }
            case RANGE -> {
                ObjectNode range = result.putObject("valueRange");
                range.set("low", quantity(context, parsed.low(), units));
                range.set("high", quantity(context, parsed.high(), units));
            }
            case RATIO -> {
                ObjectNode ratio = result.putObject("valueRatio");
                ratio.set("numerator", quantity(context, parsed.numerator(), units));
                ratio.set("denominator", quantity(context, parsed.denominator(), null));
            }
            case STRING -> {
                String unitText = units == null ? "" : units.part(1).text();
                result.put("valueString", (parsed.text() + " " + unitText).strip());
            }
        }
    }

    private static ObjectNode quantity(MappingContext context, BigDecimal number, V2Value units) {
        ObjectNode q = context.json().objectNode();
        q.put("value", number);
        if (units != null && !units.isEmpty()) {
            String code = units.part(1).text();
            String text = units.part(2).text();
            String systemName = units.part(3).text();
            q.put("unit", text.isEmpty() ? code : text);
            // qty-3: a unit code needs its system. Units sent without a coding system (OBX-6.3)
            // stay as unit text: guessing UCUM would turn local unit spellings into invalid codes.
            if (!code.isEmpty() && !systemName.isEmpty()) {
                q.put("system", context.codeSystem(systemName));
                q.put("code", code);
            }
        }
        return q;
    }

    private static BigDecimal decimalOrNull(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return StructuredNumeric.decimal(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String lines(List<V2Value> reps) {
        StringBuilder s = new StringBuilder();
        for (V2Value rep : reps) {
            if (s.length() > 0) {
                s.append('\n');
            }
            s.append(rep.fullText());
        }
        return s.toString();
    }

    private static String time(String tm, Rule rule) {
        String t = TM_OFFSET.matcher(tm).replaceFirst("");
        if (!TM.matcher(t).matches()) {
            throw new MappingFailure("OBX-5: TM is not HHMMSS (" + rule.where() + ")");
        }
        String hh = t.substring(0, 2);
        String mm = t.length() >= 4 ? t.substring(2, 4) : "00";
        String ss = t.length() >= 6 ? t.substring(4) : "00";
        // FHIR time: hours 00-23, minutes 00-59, seconds 00-60 (leap second)
        if (Integer.parseInt(hh) > 23 || Integer.parseInt(mm) > 59 || Integer.parseInt(ss.substring(0, 2)) > 60) {
            throw new MappingFailure("OBX-5: TM is not a valid time of day (" + rule.where() + ")");
        }
        return hh + ":" + mm + ":" + ss;
    }

    private static ObjectNode attachment(MappingContext context, V2Value ed, String type) {
        ObjectNode attachment = context.json().objectNode();
        if (type.equals("RP")) {
            String pointer = ed.part(1).text();
            if (pointer.isEmpty()) {
                return null;
            }
            attachment.put("url", pointer);
            return attachment;
        }
        String mime = mimeType(ed.part(2).text(), ed.part(3).text());
        String encoding = ed.part(4).text();
        String data = ed.part(5).fullText();
        if (data.isEmpty()) {
            return null;
        }
        // att-1: an Attachment with data needs a contentType; bytes of unknown type are octets
        attachment.put("contentType", mime != null ? mime : "application/octet-stream");
        if (encoding.equalsIgnoreCase("Base64")) {
            attachment.put("data", WHITESPACE.matcher(data).replaceAll(""));
        } else if (encoding.equalsIgnoreCase("Hex")) {
            attachment.put("data", Base64.getEncoder().encodeToString(hex(data)));
        } else {
            attachment.put("data", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)));
        }
        return attachment;
    }

    private static byte[] hex(String data) {
        String h = WHITESPACE.matcher(data).replaceAll("");
        if (h.length() % 2 != 0 || !HEX.matcher(h).matches()) {
            throw new MappingFailure("OBX-5: ED data is not hexadecimal");
        }
        byte[] bytes = new byte[h.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    private static String mimeType(String typeOfData, String subtype) {
        String t = typeOfData.toLowerCase(Locale.ROOT);
        String s = subtype.toLowerCase(Locale.ROOT);
        if (s.contains("/")) {
            return s;
        }
        if (t.isEmpty() && s.isEmpty()) {
            return null;
        }
        return switch (t) {
            case "ap", "application" -> "application/" + (s.isEmpty() ? "octet-stream" : s);
            case "im", "image" -> "image/" + (s.isEmpty() ? "octet-stream" : s);
            case "tx", "text" -> "text/" + (s.isEmpty() ? "plain" : s);
            case "au", "audio" -> "audio/" + (s.isEmpty() ? "basic" : s);
            case "multipart" -> "multipart/" + (s.isEmpty() ? "mixed" : s);
            default -> s.isEmpty() ? null : "application/" + s;
        };
    }

    /**
     * XTN to ContactPoint (IG datatype map XTN[ContactPoint]): system from XTN-3 (table 0202; CP is
     * a phone whose use is mobile), use from XTN-2 (table 0201), value from XTN-4 for e-mail, else
     * XTN-1 (before v2.7) or the number built from XTN-5 to XTN-8.
     */
    static JsonNode contactPoint(MappingContext context, V2Value xtn, Rule rule) {
        ObjectNode cp = context.json().objectNode();
        String equipment = xtn.part(3).text();
        String system = null;
        String use = null;
        if (!equipment.isEmpty()) {
            Vocabulary.Concept c = context.vocabulary("v2-0202").lookup(equipment);
            if (c != null) {
                if (c.system() != null && c.system().endsWith("contact-point-use")) {
                    system = "phone";
                    use = c.code();
                } else {
                    system = c.code();
                }
            }
        }
        String useCode = xtn.part(2).text();
        if (!useCode.isEmpty()) {
            Vocabulary.Concept c = context.vocabulary("v2-0201").lookup(useCode);
            if (c != null && use == null) {
                use = c.code();
            }
        }
        String email = xtn.part(4).text();
        String value;
        if (!email.isEmpty() && (system == null || system.equals("email") || equipment.equalsIgnoreCase("Internet"))) {
            value = email;
            system = "email";
        } else {
            value = xtn.part(1).text();
            if (value.isEmpty()) {
                StringBuilder number = new StringBuilder();
                String country = xtn.part(5).text();
                if (!country.isEmpty()) {
                    number.append('+').append(country).append(' ');
                }
                String area = xtn.part(6).text();
                if (!area.isEmpty()) {
                    number.append(area).append(' ');
                }
                number.append(xtn.part(7).text());
                String extension = xtn.part(8).text();
                if (!extension.isEmpty()) {
                    number.append(" ext. ").append(extension);
                }
                value = number.toString().strip();
            }
            if (value.isEmpty()) {
                // XTN-12 unformatted telephone number (v2.5+), when no structured number is sent
                value = xtn.part(12).text();
            }
        }
        if (value.isEmpty()) {
            return null;
        }
        if (system == null) {
            system = value.contains("@") ? "email" : "phone";
        }
        cp.put("system", system);
        cp.put("value", value);
        if (use != null) {
            cp.put("use", use);
        }
        // XTN-13/14 effective start and expiration date, XTN-18 preference order (IG XTN[ContactPoint]
        // rows 13, 14, 18)
        ObjectNode period = null;
        for (int i = 0; i < 2; i++) {
            String date = xtn.part(13 + i).text();
            if (date.isEmpty()) {
                continue;
            }
            if (period == null) {
                period = cp.putObject("period");
            }
            try {
                period.put(i == 0 ? "start" : "end", V2DateTime.toFhirDateTime(date, context.zone()));
            } catch (IllegalArgumentException e) {
                throw new MappingFailure("XTN-" + (13 + i) + ": " + e.getMessage() + " (" + rule.where() + ")");
            }
        }
        Integer rank = positiveInteger(xtn.part(18).text());
        if (rank != null) {
            cp.put("rank", rank);
        }
        return cp;
    }

    /** A whole number of at least 1 (ContactPoint.rank is a positiveInt); null for anything else. */
    private static Integer positiveInteger(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            BigDecimal n = new BigDecimal(text.strip());
            if (n.signum() <= 0 || n.stripTrailingZeros().scale() > 0) {
                return null;
            }
            return n.intValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** PL (point of care, room, bed, facility) as a location's display text. */
    static JsonNode locationText(MappingContext context, V2Value pl, Rule rule) {
        StringBuilder s = new StringBuilder();
        for (int i : new int[] {4, 1, 2, 3}) {
            String part = pl.part(i).part(1).text();
            if (!part.isEmpty()) {
                if (s.length() > 0) {
                    s.append(' ');
                }
                s.append(part);
            }
        }
        return s.length() == 0 ? null : context.json().textNode(s.toString());
    }

    /**
     * OBX-7 to a reference range: always its text (IG row OBX-7), and low/high as quantities in the
     * result's units when the text is a plain range ({@code 3.5-5.0}, {@code <200}, {@code >60}).
     */
    static JsonNode referenceRange(MappingContext context, V2Value value, Rule rule) {
        String text = value.fullText();
        if (text.isEmpty()) {
            return null;
        }
        ObjectNode range = context.json().objectNode();
        V2Value units = context.segment().first(6);
        String t = text.replace(" ", "");
        java.util.regex.Matcher m = RANGE.matcher(t);
        if (m.matches()) {
            BigDecimal low = decimalOrNull(m.group(1));
            BigDecimal high = decimalOrNull(m.group(2));
            if (low != null && high != null) {
                range.set("low", quantity(context, low, units));
                range.set("high", quantity(context, high, units));
            }
        } else if ((m = UPPER_LIMIT.matcher(t)).matches()) {
            BigDecimal high = decimalOrNull(m.group(1));
            if (high != null) {
                range.set("high", quantity(context, high, units));
            }
        } else if ((m = LOWER_LIMIT.matcher(t)).matches()) {
            BigDecimal low = decimalOrNull(m.group(1));
            if (low != null) {
                range.set("low", quantity(context, low, units));
            }
        }
        range.put("text", text);
        return range;
    }

    /**
     * A document's text (MDM OBX-5, TX/FT/ST lines or ED) as the attachment of the document it belongs
     * to: lines of several OBX segments are joined, so a report sent one line per OBX reads whole.
     */
    static JsonNode documentText(MappingContext context, V2Value value, Rule rule) {
        V2Segment obx = context.segment();
        String type = obx.first(2).text().toUpperCase(Locale.ROOT);
        if (type.equals("ED")) {
            ObjectNode attachment = attachment(context, obx.first(5), "ED");
            if (attachment == null) {
                return null;
            }
            ObjectNode content = context.json().objectNode();
            content.set("attachment", attachment);
            return content;
        }
        String text = lines(obx.field(5));
        if (text.isEmpty()) {
            return null;
        }
        JsonNode previous = context.target().path("content").path(0).path("attachment");
        if (previous.path("contentType").asText().startsWith("text/plain") && previous.has("data")) {
            String before =
                    new String(Base64.getDecoder().decode(previous.get("data").asText()), StandardCharsets.UTF_8);
            text = before + "\n" + text;
        }
        ObjectNode content = context.json().objectNode();
        ObjectNode attachment = content.putObject("attachment");
        attachment.put("contentType", "text/plain; charset=utf-8");
        attachment.put("data", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
        return content;
    }
}
