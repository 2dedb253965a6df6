package org.patientgate.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An inbound HL7 v2 message decoded from its wire bytes: the character set chosen from MSH-18 (or
 * the listener default), segments split on CR with LF and CRLF tolerated, a leading UTF-8 byte order
 * mark dropped, and the header fields read with the message's own delimiters.
 *
 * <p>This is deliberately not a full HAPI parse: the listener needs only the header and the segment
 * sequence to decide on the acknowledgment, and a full parse happens once, in the processing stage.
 */
public final class Hl7Envelope {

    private final Charset charset;
    private final boolean charsetDeclared;
    private final Hl7Delimiters delimiters;
    private final List<String> segments;
    private final String[] msh;

    private Hl7Envelope(
            Charset charset, boolean charsetDeclared, Hl7Delimiters delimiters, List<String> segments, String[] msh) {
        this.charset = charset;
        this.charsetDeclared = charsetDeclared;
        this.delimiters = delimiters;
        this.segments = segments;
        this.msh = msh;
    }

    /** Why a frame could not be read as an HL7 message at all. */
    public static final class UnreadableMessageException extends Exception {
        private final transient Hl7Error error;
        private final boolean headerReadable;

        UnreadableMessageException(Hl7Error error, boolean headerReadable) {
            super(error.describe());
            this.error = error;
            this.headerReadable = headerReadable;
        }

        public Hl7Error error() {
            return error;
        }

        /** True when MSH could be read, so an acknowledgment can still be addressed to the sender. */
        public boolean headerReadable() {
            return headerReadable;
        }
    }

    /**
     * Decodes wire bytes.
     *
     * @param bytes the payload inside the MLLP frame
     * @param listenerDefault the charset to use when MSH-18 is empty
     * @return the envelope; if MSH-18 names an unknown charset or the bytes are not valid in the
     *     declared one, the envelope is still returned (read as ISO-8859-1) with {@link #charsetError()}
     *     telling why, so the sender still gets an addressed refusal (AE/CE, see {@link
     *     Hl7MessageChecker})
     * @throws UnreadableMessageException when there is no MSH segment to answer
     */
    public static Hl7Envelope decode(byte[] bytes, Charset listenerDefault) throws UnreadableMessageException {
        int offset = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            offset = 3;
        }
        boolean utf16 = bytes.length - offset >= 2
                && (((bytes[offset] & 0xFF) == 0xFE && (bytes[offset + 1] & 0xFF) == 0xFF)
                        || ((bytes[offset] & 0xFF) == 0xFF && (bytes[offset + 1] & 0xFF) == 0xFE));
        // Every table 0211 set except UTF-16 keeps ASCII bytes as they are, so the header can be read
        // byte for byte before the message's own charset is known.
        String headerView = utf16
                ? new String(bytes, offset, bytes.length - offset, StandardCharsets.UTF_16)
                : new String(bytes, offset, bytes.length - offset, StandardCharsets.ISO_8859_1);
        headerView = stripLeadingWhitespace(headerView);
        if (!headerView.startsWith("MSH") || headerView.length() < 8) {
            throw new UnreadableMessageException(
                    Hl7Error.of(
                            Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                            "MSH",
                            1,
                            0,
                            "message does not start with an MSH segment"),
                    false);
        }
        Hl7Delimiters delimiters = new Hl7Delimiters(
                headerView.charAt(3),
                headerView.charAt(4),
                headerView.charAt(5),
                headerView.charAt(6),
                headerView.charAt(7));
        if (Character.isLetterOrDigit(delimiters.field()) || Character.isWhitespace(delimiters.field())) {
            throw new UnreadableMessageException(
                    Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "MSH", 1, 1, "MSH-1 is not a valid field separator"),
                    false);
        }
        String[] headerMsh = splitMsh(firstSegment(headerView), delimiters);
        String msh18 = firstComponent(field(headerMsh, 18), delimiters);
        boolean shifted = false;
        if (!utf16 && Hl7Charsets.forHl7Name(msh18).isEmpty() && hasNonAscii(firstSegment(headerView))) {
            // In a double-byte set (GB 18030, BIG-5, KS X 1001) the second byte of a character in
            // MSH-3 to MSH-17 can equal a delimiter, which adds fields to this byte-wise reading and
            // pushes MSH-18 to the right. Take the first table 0211 name found there, and check it
            // against the properly decoded header below.
            for (int i = 19; i < headerMsh.length; i++) {
                String candidate = firstComponent(headerMsh[i], delimiters);
                if (Hl7Charsets.forHl7Name(candidate).isPresent()) {
                    msh18 = candidate;
                    shifted = true;
                    break;
                }
            }
        }

        Charset charset = listenerDefault;
        boolean declared = false;
        String charsetError = null;
        if (utf16) {
            charset = StandardCharsets.UTF_16;
            declared = true;
        } else if (!msh18.isEmpty()) {
            Optional<Charset> named = Hl7Charsets.forHl7Name(msh18);
            if (named.isPresent()) {
                charset = named.get();
                declared = true;
            } else {
                charsetError = "MSH-18 names a character set that is not in HL7 table 0211";
            }
        }
        String text;
        if (charsetError != null) {
            text = headerView;
        } else if (utf16) {
            text = headerView;
        } else {
            try {
                text = charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, offset, bytes.length - offset))
                        .toString();
                text = stripLeadingWhitespace(text);
                if (shifted
                        && !msh18.equalsIgnoreCase(
                                firstComponent(field(splitMsh(firstSegment(text), delimiters), 18), delimiters))) {
                    text = headerView;
                    charsetError = "MSH-18 could not be found: the header does not decode consistently";
                }
            } catch (CharacterCodingException e) {
                text = headerView;
                charsetError = "message bytes are not valid " + charset.name()
                        + (declared ? " as declared in MSH-18" : " (the listener default; MSH-18 is empty)");
            }
        }
        List<String> segments = splitSegments(text);
        String[] msh = splitMsh(segments.get(0), delimiters);
        Hl7Envelope envelope = new Hl7Envelope(charset, declared, delimiters, segments, msh);
        envelope.charsetError = charsetError;
        return envelope;
    }

    private String charsetError;

    /** Set when the bytes could not be decoded in the declared or default charset. */
    public Optional<String> charsetError() {
        return Optional.ofNullable(charsetError);
    }

    private static String stripLeadingWhitespace(String s) {
        int i = 0;
        while (i < s.length()
                && (s.charAt(i) == '\r' || s.charAt(i) == '\n' || s.charAt(i) == ' ' || s.charAt(i) == '\uFEFF')) {
            i++;
        }
        return i == 0 ? s : s.substring(i);
    }

    private static boolean hasNonAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7F) {
                return true;
            }
        }
        return false;
    }

    private static String firstSegment(String text) {
        int end = 0;
        while (end < text.length() && text.charAt(end) != '\r' && text.charAt(end) != '\n') {
            end++;
        }
        return text.substring(0, end);
    }

    /** Splits on CR, LF or CRLF and drops empty lines (trailing separators are common). */
    static List<String> splitSegments(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        for (int i = 0; i <= n; i++) {
            if (i == n || text.charAt(i) == '\r' || text.charAt(i) == '\n') {
                if (i > start) {
                    String seg = text.substring(start, i);
                    if (!seg.isBlank()) {
                        out.add(seg);
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * Splits MSH so that index n holds MSH-n: index 1 is the field separator itself and index 2 the
     * encoding characters, as HL7 counts them.
     */
    private static String[] splitMsh(String mshSegment, Hl7Delimiters d) {
        List<String> parts = splitFields(mshSegment, d.field());
        String[] out = new String[parts.size() + 1];
        out[0] = "MSH";
        out[1] = String.valueOf(d.field());
        for (int i = 1; i < parts.size(); i++) {
            out[i + 1] = parts.get(i);
        }
        return out;
    }

    static List<String> splitFields(String segment, char separator) {
        List<String> out = new ArrayList<>(24);
        int start = 0;
        for (int i = 0; i < segment.length(); i++) {
            if (segment.charAt(i) == separator) {
                out.add(segment.substring(start, i));
                start = i + 1;
            }
        }
        out.add(segment.substring(start));
        return out;
    }

    private static String field(String[] msh, int n) {
        return n < msh.length && msh[n] != null ? msh[n] : "";
    }

    private static String firstComponent(String value, Hl7Delimiters d) {
        int rep = value.indexOf(d.repetition());
        String first = rep >= 0 ? value.substring(0, rep) : value;
        int comp = first.indexOf(d.component());
        return (comp >= 0 ? first.substring(0, comp) : first).trim();
    }

    /** MSH-n as written (all components and repetitions). */
    public String msh(int n) {
        return field(msh, n);
    }

    /** The first repetition's component c (1-based) of MSH-n. */
    public String msh(int n, int c) {
        String value = field(msh, n);
        int rep = value.indexOf(delimiters.repetition());
        if (rep >= 0) {
            value = value.substring(0, rep);
        }
        List<String> comps = splitFields(value, delimiters.component());
        return c <= comps.size() ? comps.get(c - 1) : "";
    }

    public Charset charset() {
        return charset;
    }

    /** True when MSH-18 named the charset (the acknowledgment then names it too). */
    public boolean charsetDeclared() {
        return charsetDeclared;
    }

    public Hl7Delimiters delimiters() {
        return delimiters;
    }

    /** Segments in order, each as written. */
    public List<String> segments() {
        return segments;
    }

    /** The message text with CR as the only segment separator, as HL7 requires on the wire. */
    public String normalizedText() {
        return String.join("\r", segments) + "\r";
    }

    public String sendingApplication() {
        return msh(3);
    }

    public String sendingFacility() {
        return msh(4);
    }

    public String controlId() {
        return msh(10).trim();
    }

    public String messageCode() {
        return msh(9, 1).trim();
    }

    public String triggerEvent() {
        return msh(9, 2).trim();
    }

    public String version() {
        return msh(12, 1).trim();
    }

    public String processingId() {
        return msh(11, 1).trim();
    }

    /** "ORU^R01" style type for metrics and tracking, without the structure component. */
    public String messageType() {
        String code = messageCode();
        String trigger = triggerEvent();
        return trigger.isEmpty() ? code : code + "^" + trigger;
    }

    /**
     * True when {@code version} (an MSH-12 value such as {@code 2.3.1}) is an earlier HL7 version than
     * {@code bound}, comparing the dotted numbers one by one ({@code 2.3} before {@code 2.3.1} before
     * {@code 2.4}). A value that is not dotted numbers is never "before": it is treated as the newest
     * format, which is also what the hub answers with when MSH-12 is unusable.
     */
    static boolean versionBefore(String version, String bound) {
        int[] v = versionNumbers(version);
        int[] b = versionNumbers(bound);
        if (v.length == 0 || b.length == 0) {
            return false;
        }
        for (int i = 0; i < Math.max(v.length, b.length); i++) {
            int x = i < v.length ? v[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) {
                return x < y;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("\\d{1,4}(\\.\\d{1,4})*");
    private static final java.util.regex.Pattern DOT = java.util.regex.Pattern.compile("\\.");

    private static int[] versionNumbers(String version) {
        if (version == null || !VERSION.matcher(version.trim()).matches()) {
            return new int[0];
        }
        String[] parts = DOT.split(version.trim());
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i]);
        }
        return out;
    }

    /**
     * Enhanced acknowledgment mode applies when MSH-15 (accept acknowledgment type) is valued
     * (HL7 v2.5 section 2.9.3); otherwise original mode applies.
     */
    public boolean enhancedMode() {
        return !msh(15).trim().isEmpty();
    }
}
