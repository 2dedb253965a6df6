package org.patientgate.normalize.hl7v2;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.patientgate.ingest.Hl7Delimiters;
import org.patientgate.ingest.Hl7Envelope;

/**
 * An HL7 v2 message split into segments and fields with its own delimiters (MSH-1, MSH-2), for the
 * mapping engine to read by position.
 *
 * <p>Field positions of the segments the hub maps are the same in v2.3 through v2.8 (later versions
 * only add fields at the end or widen a datatype whose leading components keep their meaning, e.g. CE
 * to CWE), so one positional mapping serves every version; this is what HAPI's canonical model
 * would give, at a fraction of its parse cost (measured in BENCHMARKS.md). Components,
 * subcomponents and escapes are resolved only when a rule reads a value.
 */
public final class V2Message {

    private final Hl7Delimiters delimiters;
    private final Charset charset;
    private final List<V2Segment> segments;
    private final java.util.Map<String, V2Segment> firstByName = new java.util.HashMap<>();

    private V2Message(Hl7Delimiters delimiters, Charset charset, List<V2Segment> segments) {
        this.delimiters = delimiters;
        this.charset = charset;
        this.segments = segments;
    }

    /** Splits a decoded envelope (its segments are already separated and its delimiters known). */
    public static V2Message of(Hl7Envelope envelope) {
        return of(envelope.segments(), envelope.delimiters(), envelope.charset());
    }

    static V2Message of(List<String> segmentTexts, Hl7Delimiters delimiters, Charset charset) {
        List<V2Segment> segments = new ArrayList<>(segmentTexts.size());
        V2Message message = new V2Message(delimiters, charset, Collections.unmodifiableList(segments));
        for (String text : segmentTexts) {
            if (text.length() < 3) {
                continue;
            }
            V2Segment segment = new V2Segment(message, segments.size(), split(text, delimiters.field()));
            segments.add(segment);
            message.firstByName.putIfAbsent(segment.name(), segment);
        }
        return message;
    }

    private static String[] split(String segment, char separator) {
        List<String> parts = new ArrayList<>(32);
        boolean msh = segment.startsWith("MSH") || segment.startsWith("FHS") || segment.startsWith("BHS");
        int start = 0;
        for (int i = 0; i < segment.length(); i++) {
            if (segment.charAt(i) == separator) {
                parts.add(segment.substring(start, i));
                if (msh && parts.size() == 1) {
                    // MSH-1 is the field separator itself: field n is at index n for every segment.
                    parts.add(String.valueOf(separator));
                }
                start = i + 1;
            }
        }
        parts.add(segment.substring(start));
        return parts.toArray(new String[0]);
    }

    public List<V2Segment> segments() {
        return segments;
    }

    /** The first segment with this name, or null. */
    public V2Segment first(String name) {
        return firstByName.get(name);
    }

    public Hl7Delimiters delimiters() {
        return delimiters;
    }

    public Charset charset() {
        return charset;
    }

    String decode(String raw) {
        return V2Escapes.decode(
                raw,
                delimiters.field(),
                delimiters.component(),
                delimiters.repetition(),
                delimiters.escape(),
                delimiters.subcomponent(),
                charset);
    }
}
