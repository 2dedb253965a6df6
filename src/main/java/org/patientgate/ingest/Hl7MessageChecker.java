package org.patientgate.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether the hub accepts an inbound HL7 v2 message before it is stored and acknowledged.
 *
 * <p>Checks, in the order HL7 v2.5 section 2.9.2 implies: the header (MSH-9, MSH-10, MSH-11, MSH-12
 * present; type, event, processing id and version supported; MSH-7, MSH-15, MSH-16 and MSH-18
 * valid), then the segments the hub needs for the message's structure and their order. Envelope
 * failures are rejects; content failures are errors (see {@link Hl7ErrorCode#reject()}). The
 * messages the hub takes are configured per listener; the segment rules below are the minimum the
 * normalization stage needs to build a report.
 */
public final class Hl7MessageChecker {

    /** HL7 table 0104 versions the hub parses, 2.3 to 2.8. */
    public static final Set<String> SUPPORTED_VERSIONS =
            Set.of("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8");

    /** HL7 table 0155, accept/application acknowledgment conditions. */
    private static final Set<String> TABLE_0155 = Set.of("AL", "NE", "ER", "SU");

    /** HL7 table 0085, observation result status codes. */
    private static final Set<String> TABLE_0085 =
            Set.of("C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "W", "X", "A", "B");

    /** HL7 table 0103, processing id. */
    private static final Set<String> TABLE_0103 = Set.of("P", "D", "T");

    /** DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (HL7 v2.5 section 2.A.22). */
    private static final Pattern DTM =
            Pattern.compile("\\d{4}(\\d{2}(\\d{2}(\\d{2}(\\d{2}(\\d{2}(\\.\\d{1,4})?)?)?)?)?)?([+-]\\d{4})?");

    private static final Pattern SEGMENT_ID = Pattern.compile("[A-Z][A-Z0-9]{2}");

    private static final Pattern NUMERIC = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)");

    /** Segments a structure must carry; see the class comment. */
    private static final Map<String, List<String>> REQUIRED_SEGMENTS = Map.of(
            "ORU", List.of("PID", "OBR"),
            "ADT", List.of("EVN", "PID"),
            "MDM", List.of("EVN", "PID", "TXA"));

    private final Set<String> acceptedMessages;
    private final Set<String> acceptedProcessingIds;

    /**
     * @param acceptedMessages message type and event pairs such as {@code ORU^R01}
     * @param acceptedProcessingIds MSH-11 values this listener takes (table 0103)
     */
    public Hl7MessageChecker(Set<String> acceptedMessages, Set<String> acceptedProcessingIds) {
        this.acceptedMessages = Set.copyOf(acceptedMessages);
        this.acceptedProcessingIds = Set.copyOf(acceptedProcessingIds);
    }

    /** Every problem found, most severe first; empty when the message is accepted. */
    public List<Hl7Error> check(Hl7Envelope m) {
        List<Hl7Error> errors = new ArrayList<>();
        m.charsetError().ifPresent(reason -> errors.add(Hl7Error.of(charsetErrorCode(m), "MSH", 1, 18, reason)));
        checkHeader(m, errors);
        if (errors.stream().anyMatch(e -> e.code().reject())) {
            return sorted(errors);
        }
        checkSegments(m, errors);
        return sorted(errors);
    }

    /**
     * 103 only when MSH-18 names a set outside table 0211; bytes that are not valid in a known (declared
     * or default) charset are a data type error, since the table value itself was found.
     */
    private static Hl7ErrorCode charsetErrorCode(Hl7Envelope m) {
        String declared = m.msh(18, 1).trim();
        return !declared.isEmpty() && Hl7Charsets.forHl7Name(declared).isEmpty()
                ? Hl7ErrorCode.TABLE_VALUE_NOT_FOUND
                : Hl7ErrorCode.DATA_TYPE_ERROR;
    }

    private void checkHeader(Hl7Envelope m, List<Hl7Error> errors) {
        String code = m.messageCode();
        String trigger = m.triggerEvent();
        if (code.isEmpty()) {
            errors.add(Hl7Error.of(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 9, "MSH-9 message type is empty"));
        } else if (acceptedMessages.stream().noneMatch(a -> a.startsWith(code + "^"))) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                    "MSH",
                    1,
                    9,
                    "message type " + code + " is not accepted on this listener"));
        } else if (trigger.isEmpty()) {
            errors.add(Hl7Error.of(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 9, "MSH-9.2 trigger event is empty"));
        } else if (!acceptedMessages.contains(code + "^" + trigger)) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.UNSUPPORTED_EVENT_CODE,
                    "MSH",
                    1,
                    9,
                    "event " + code + "^" + trigger + " is not accepted on this listener"));
        }
        if (m.controlId().isEmpty()) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 10, "MSH-10 message control id is empty"));
        } else if (m.controlId().length() > 199) {
            errors.add(Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "MSH", 1, 10, "MSH-10 is longer than 199 characters"));
        }
        String processingId = m.processingId();
        if (processingId.isEmpty()) {
            errors.add(Hl7Error.of(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 11, "MSH-11 processing id is empty"));
        } else if (!TABLE_0103.contains(processingId)) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH", 1, 11, "MSH-11 is not a table 0103 processing id"));
        } else if (!acceptedProcessingIds.contains(processingId)) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.UNSUPPORTED_PROCESSING_ID,
                    "MSH",
                    1,
                    11,
                    "processing id " + processingId + " is not accepted on this listener"));
        }
        String version = m.version();
        if (version.isEmpty()) {
            errors.add(Hl7Error.of(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 12, "MSH-12 version id is empty"));
        } else if (!SUPPORTED_VERSIONS.contains(version)) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.UNSUPPORTED_VERSION_ID,
                    "MSH",
                    1,
                    12,
                    "version " + sanitize(version) + " is not supported (2.3 to 2.8)"));
        }
        String timestamp = m.msh(7, 1).trim();
        if (timestamp.isEmpty()) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 7, "MSH-7 date/time of message is empty"));
        } else if (!DTM.matcher(timestamp).matches()) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.DATA_TYPE_ERROR, "MSH", 1, 7, "MSH-7 is not an HL7 date/time (YYYYMMDDHHMMSS)"));
        }
        for (int n : new int[] {15, 16}) {
            String value = m.msh(n).trim();
            if (!value.isEmpty() && !TABLE_0155.contains(value)) {
                errors.add(Hl7Error.of(
                        Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                        "MSH",
                        1,
                        n,
                        "MSH-" + n + " is not a table 0155 value (AL, NE, ER, SU)"));
            }
        }
    }

    private void checkSegments(Hl7Envelope m, List<Hl7Error> errors) {
        List<String> segments = m.segments();
        char fs = m.delimiters().field();
        Map<String, Integer> seen = new java.util.HashMap<>();
        boolean inObservationGroup = false;
        boolean inPatientGroup = false;
        // v2.7 added PATIENT_OBSERVATION (OBX after PID, before PV1 and OBR) to ORU_R01's PATIENT group.
        boolean patientObservations = !Hl7Envelope.versionBefore(m.version(), "2.7");
        String code = m.messageCode();
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            String id = segment.length() >= 3 ? segment.substring(0, 3) : segment;
            if (!SEGMENT_ID.matcher(id).matches() || (segment.length() > 3 && segment.charAt(3) != fs)) {
                errors.add(Hl7Error.of(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        "",
                        i + 1,
                        0,
                        "segment " + (i + 1) + " does not start with a segment id"));
                continue;
            }
            int sequence = seen.merge(id, 1, Integer::sum);
            if (id.equals("MSH") && i > 0) {
                errors.add(Hl7Error.of(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        "MSH",
                        sequence,
                        0,
                        "a second MSH segment: batches are not accepted on a message listener"));
            }
            if ("ORU".equals(code)) {
                if (id.equals("PID")) {
                    inPatientGroup = true;
                } else if (id.equals("PV1") || id.equals("ORC")) {
                    inPatientGroup = false;
                }
                if (id.equals("OBR")) {
                    inObservationGroup = true;
                    inPatientGroup = false;
                    if (!seen.containsKey("PID")) {
                        errors.add(Hl7Error.of(
                                Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBR", sequence, 0, "OBR comes before PID"));
                    }
                } else if (id.equals("OBX")) {
                    if (!inObservationGroup && !(patientObservations && inPatientGroup)) {
                        errors.add(Hl7Error.of(
                                Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX", sequence, 0, "OBX comes before any OBR"));
                    }
                    checkObservation(segment, fs, m.delimiters(), sequence, errors);
                }
            }
        }
        for (String required : REQUIRED_SEGMENTS.getOrDefault(code, List.of())) {
            if (!seen.containsKey(required)) {
                errors.add(Hl7Error.of(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        required,
                        1,
                        0,
                        "required segment " + required + " is missing"));
            }
        }
        if (seen.containsKey("PID")) {
            String pid = segments.stream()
                    .filter(s -> s.equals("PID") || s.startsWith("PID" + fs))
                    .findFirst()
                    .orElse("");
            List<String> fields = Hl7Envelope.splitFields(pid, fs);
            String pid3 = fields.size() > 3 ? fields.get(3) : "";
            if (!hasIdentifier(pid3, m.delimiters())) {
                errors.add(Hl7Error.of(
                        Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID", 1, 3, "PID-3 patient identifier list is empty"));
            }
        }
    }

    /** True when some repetition of a CX list has CX.1 (the id number) valued. */
    private static boolean hasIdentifier(String cxList, Hl7Delimiters d) {
        for (String repetition : Hl7Envelope.splitFields(cxList, d.repetition())) {
            String id = Hl7Envelope.splitFields(repetition, d.component()).get(0);
            if (!id.isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static void checkObservation(
            String segment, char fs, Hl7Delimiters d, int sequence, List<Hl7Error> errors) {
        List<String> fields = Hl7Envelope.splitFields(segment, fs);
        String valueType = fields.size() > 2 ? fields.get(2).trim() : "";
        String value = fields.size() > 5 ? fields.get(5).trim() : "";
        if (valueType.equals("NM") && !value.isEmpty()) {
            for (String repetition : Hl7Envelope.splitFields(value, d.repetition())) {
                if (!repetition.isEmpty() && !NUMERIC.matcher(repetition.trim()).matches()) {
                    errors.add(Hl7Error.of(
                            Hl7ErrorCode.DATA_TYPE_ERROR, "OBX", sequence, 5, "OBX-5 is not a number but OBX-2 is NM"));
                    break;
                }
            }
        }
        String status = fields.size() > 11 ? fields.get(11).trim() : "";
        if (!status.isEmpty() && !TABLE_0085.contains(status.toUpperCase(Locale.ROOT))) {
            errors.add(Hl7Error.of(
                    Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                    "OBX",
                    sequence,
                    11,
                    "OBX-11 is not a table 0085 result status"));
        }
    }

    private static List<Hl7Error> sorted(List<Hl7Error> errors) {
        errors.sort((a, b) -> Boolean.compare(b.code().reject(), a.code().reject()));
        return errors;
    }

    /** Header values quoted in reasons are codes, but are cut short and stripped of delimiters anyway. */
    private static String sanitize(String value) {
        String v = value.replaceAll("[^A-Za-z0-9.]", "?");
        return v.length() > 12 ? v.substring(0, 12) + "..." : v;
    }
}
