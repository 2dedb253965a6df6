package org.patientgate.ingest;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds HL7 v2 acknowledgments (ACK) for inbound messages.
 *
 * <p>Per HL7 v2.5 sections 2.9 and 2.15: MSH-3/4 and MSH-5/6 are the inbound receiver and sender
 * swapped; MSH-11 and MSH-12 echo the inbound message; MSH-9 is {@code ACK^<event>^ACK} (two
 * components before v2.3.1, which added the message structure); MSA-1 is AA/AE/AR in original mode
 * and CA/CE/CR in enhanced mode (MSH-15 valued); MSA-2 echoes MSH-10. Each problem carries its table
 * 0357 code: before v2.5 as one repetition of ERR-1 (ELD) in the single ERR segment those versions'
 * ACK allows, from v2.5 as one ERR segment each with ERR-2/3/4/8 (ERR-1 was deprecated in v2.5 and
 * withdrawn later). MSA-3 (text) is written for versions before 2.7, which withdrew it. Versions are
 * compared by number, so a refused 2.1 or 2.2 sender still gets the reason in fields its version has.
 */
public final class AckBuilder {

    private static final DateTimeFormatter HL7_TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss.SSSZ");

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

    /**
     * An application acknowledgment (enhanced mode: a message of its own, sent back to the sender's
     * listener) reporting that processing after the commit failed: MSA-1 is always {@code AE}.
     */
    public String applicationError(Hl7Envelope in, List<Hl7Error> errors) {
        return build(
                in,
                "AE",
                errors,
                errors.get(0).code().text() + ": " + errors.get(0).text());
    }

    /**
     * An application acknowledgment reporting the final disposition of an accepted message: MSA-1
     * {@code AA}, the text in MSA-3 (versions before 2.7) and, from v2.5, in an informational ERR
     * (ERR-3 {@code 0^Message accepted^HL70357}, ERR-4 {@code I}, ERR-8 the text).
     */
    public String applicationOutcome(Hl7Envelope in, String text) {
        String ack = build(in, "AA", List.of(), text);
        String version = in.version().isEmpty() ? "2.5" : in.version();
        if (Hl7Envelope.versionBefore(version, "2.5")) {
            return ack;
        }
        Hl7Delimiters d = in.delimiters();
        char f = d.field();
        char c = d.component();
        return ack + "ERR" + f + f + f + "0" + c + "Message accepted" + c + "HL70357" + f + "I" + f + f + f + f
                + d.escape(text) + '\r';
    }

    private String build(Hl7Envelope in, String ackCode, List<Hl7Error> errors, String text) {
        Hl7Delimiters d = in.delimiters();
        char f = d.field();
        char c = d.component();
        String version = in.version().isEmpty() ? "2.5" : in.version();
        boolean eld = Hl7Envelope.versionBefore(version, "2.5");
        boolean msa3 = Hl7Envelope.versionBefore(version, "2.7");
        boolean structureComponent = !Hl7Envelope.versionBefore(version, "2.3.1");
        StringBuilder ack = new StringBuilder(256);
        ack.append("MSH").append(f).append(d.encodingCharacters());
        ack.append(f).append(in.msh(5));
        ack.append(f).append(in.msh(6));
        ack.append(f).append(in.msh(3));
        ack.append(f).append(in.msh(4));
        ack.append(f).append(ZonedDateTime.now(clock).format(HL7_TIMESTAMP));
        ack.append(f); // MSH-8 security
        ack.append(f).append("ACK");
        if (structureComponent) {
            // Keep the event position even when the inbound event is empty: "ACK^ACK" would read as
            // event ACK with no structure.
            ack.append(c).append(d.escape(in.triggerEvent())).append(c).append("ACK");
        } else if (!in.triggerEvent().isEmpty()) {
            ack.append(c).append(d.escape(in.triggerEvent()));
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
        if (!text.isEmpty() && msa3) {
            ack.append(f).append(d.escape(text));
        }
        ack.append('\r');

        char s = d.subcomponent();
        if (eld && !errors.isEmpty()) {
            // Before v2.5 the ACK holds one ERR segment (MSH MSA [ERR]); each problem is a repetition
            // of ERR-1 ELD: segment id ^ sequence ^ field position ^ code (CE as subcomponents).
            ack.append("ERR").append(f);
            for (int i = 0; i < errors.size(); i++) {
                Hl7Error e = errors.get(i);
                if (i > 0) {
                    ack.append(d.repetition());
                }
                ack.append(e.segment() == null ? "" : e.segment())
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
            }
            ack.append('\r');
        } else {
            for (Hl7Error e : errors) {
                // One ERR segment a problem: ERR-2 ERL, ERR-3 CWE code, ERR-4 severity, ERR-8 user message
                ack.append("ERR").append(f);
                ack.append(f)
                        .append(e.segment() == null ? "" : e.segment())
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
                ack.append('\r');
            }
        }
        return ack.toString();
    }

    private String nextControlId() {
        return nodePrefix + Long.toString(clock.millis(), 36).toUpperCase(Locale.ROOT) + sequence.incrementAndGet();
    }

    /** A reject for a frame without a readable MSH cannot be addressed; the listener closes instead. */
    public static boolean canAnswer(Hl7Envelope.UnreadableMessageException e) {
        return e.headerReadable();
    }
}
