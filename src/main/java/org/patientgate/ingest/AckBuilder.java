package org.patientgate.ingest;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds HL7 v2 acknowledgments (ACK) for inbound messages.
 *
 * <p>Per HL7 v2.5 sections 2.9 and 2.15: MSH-3/4 and MSH-5/6 are the inbound receiver and sender
 * swapped; MSH-11 and MSH-12 echo the inbound message; MSH-9 is {@code ACK^<event>^ACK} (two
 * components for v2.3); MSA-1 is AA/AE/AR in original mode and CA/CE/CR in enhanced mode (MSH-15
 * valued); MSA-2 echoes MSH-10. Each problem becomes one ERR segment carrying its table 0357 code,
 * written as ERR-1 (ELD) for v2.3 to v2.4 and as ERR-2/3/4/8 for v2.5 onward, where ERR-1 was
 * withdrawn. MSA-3 (text) is written for versions before 2.7, which withdrew it.
 */
public final class AckBuilder {

    private static final DateTimeFormatter HL7_TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss.SSSZ");
    private static final Set<String> ELD_VERSIONS = Set.of("2.3", "2.3.1", "2.4");
    private static final Set<String> MSA3_VERSIONS = Set.of("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6");

    private final Clock clock;
    private final String nodePrefix;
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param clock time source for MSH-7
     * @param nodePrefix a short prefix that keeps this hub's ACK control ids apart from another
     *     replica's
     */
    public AckBuilder(Clock clock, String nodePrefix) {
        this.clock = clock;
        this.nodePrefix = nodePrefix;
    }

    /** The acknowledgment for a message that was accepted (stored, or a duplicate of a stored one). */
    public String accept(Hl7Envelope in) {
        return build(in, in.enhancedMode() ? "CA" : "AA", List.of(), "");
    }

    /** The acknowledgment for a message refused with the given problems (at least one). */
    public String refuse(Hl7Envelope in, List<Hl7Error> errors) {
        boolean reject = errors.stream().anyMatch(e -> e.code().reject());
        String code = in.enhancedMode() ? (reject ? "CR" : "CE") : (reject ? "AR" : "AE");
        return build(
                in,
                code,
                errors,
                errors.get(0).code().text() + ": " + errors.get(0).text());
    }

    private String build(Hl7Envelope in, String ackCode, List<Hl7Error> errors, String text) {
        Hl7Delimiters d = in.delimiters();
        char f = d.field();
        char c = d.component();
        String version = in.version().isEmpty() ? "2.5" : in.version();
        boolean eld = ELD_VERSIONS.contains(version);
        StringBuilder ack = new StringBuilder(256);
        ack.append("MSH").append(f).append(d.encodingCharacters());
        ack.append(f).append(in.msh(5));
        ack.append(f).append(in.msh(6));
        ack.append(f).append(in.msh(3));
        ack.append(f).append(in.msh(4));
        ack.append(f).append(ZonedDateTime.now(clock).format(HL7_TIMESTAMP));
        ack.append(f); // MSH-8 security
        ack.append(f).append("ACK");
        if (!in.triggerEvent().isEmpty()) {
            ack.append(c).append(d.escape(in.triggerEvent()));
        }
        if (!"2.3".equals(version)) {
            ack.append(c).append("ACK");
        }
        ack.append(f).append(nextControlId());
        ack.append(f).append(in.msh(11));
        ack.append(f).append(in.msh(12));
        if (in.charsetDeclared()) {
            // MSH-13..17 empty, MSH-18 echoes the character set the ACK is encoded in.
            ack.append(f).append(f).append(f).append(f).append(f).append(f).append(in.msh(18));
        }
        ack.append('\r');

        ack.append("MSA").append(f).append(ackCode).append(f).append(d.escape(in.controlId()));
        if (!text.isEmpty() && MSA3_VERSIONS.contains(version)) {
            ack.append(f).append(d.escape(text));
        }
        ack.append('\r');

        char s = d.subcomponent();
        for (Hl7Error e : errors) {
            ack.append("ERR").append(f);
            String segment = e.segment() == null ? "" : e.segment();
            if (eld) {
                // ERR-1 ELD: segment id ^ sequence ^ field position ^ code (CE as subcomponents)
                ack.append(segment)
                        .append(c)
                        .append(e.sequence() > 0 ? e.sequence() : "")
                        .append(c)
                        .append(e.field() > 0 ? e.field() : "")
                        .append(c)
                        .append(e.code().code())
                        .append(s)
                        .append(d.escape(e.code().text()))
                        .append(s)
                        .append("HL70357");
            } else {
                // ERR-2 ERL, ERR-3 CWE code, ERR-4 severity, ERR-8 user message
                ack.append(f)
                        .append(segment)
                        .append(c)
                        .append(e.sequence() > 0 ? e.sequence() : "")
                        .append(c)
                        .append(e.field() > 0 ? e.field() : "");
                ack.append(f)
                        .append(e.code().code())
                        .append(c)
                        .append(d.escape(e.code().text()))
                        .append(c)
                        .append("HL70357");
                ack.append(f).append('E');
                ack.append(f).append(f).append(f).append(f).append(d.escape(e.text()));
            }
            ack.append('\r');
        }
        return ack.toString();
    }

    private String nextControlId() {
        return nodePrefix + Long.toString(clock.millis(), 36).toUpperCase() + sequence.incrementAndGet();
    }

    /** A reject for a frame without a readable MSH cannot be addressed; the listener closes instead. */
    public static boolean canAnswer(Hl7Envelope.UnreadableMessageException e) {
        return e.headerReadable();
    }
}
