package org.patientgate.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.Charset;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HL7 application acknowledgments (enhanced mode) for accepted MLLP messages that a later stage
 * could not process. The listener answered such a message with a commit acknowledgment (CA) once it
 * was stored; when its MSH-15 asked for enhanced mode, its MSH-16 asks for application
 * acknowledgments on errors ({@code AL} or {@code ER}) and {@code hub.mllp.application-acks} names
 * the sending application's MLLP listener, the hub sends it an ACK with MSA-1 {@code AE}, MSA-2 the
 * message's control id and an ERR segment (table 0357 code, location, the reason). The reason names
 * the rule and the field position, never a value.
 *
 * <p>The acknowledgment is a courtesy on top of the dead-letter store, which keeps the message
 * either way: a sender that cannot be reached is counted ({@code
 * hub.mllp.application.acks{outcome=failed}}) and logged, and the message stays replayable.
 */
public final class ApplicationAcks {

    /** What became of one request to acknowledge. */
    public enum Outcome {
        SENT,
        /** Not an MLLP message, original mode, or MSH-16 does not ask for error acknowledgments. */
        NOT_REQUESTED,
        /** The sender asked, but no listener of its is configured. */
        NO_ENDPOINT,
        FAILED
    }

    /** Sends one framed message over MLLP and waits for the peer's acknowledgment. */
    @FunctionalInterface
    public interface Transport {
        /**
         * @param hostPort the peer's listener
         * @param message the message bytes (unframed)
         * @param charset the message's character set
         * @throws Exception when the peer cannot be reached or answers with a negative acknowledgment
         */
        void send(String hostPort, byte[] message, java.nio.charset.Charset charset) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(ApplicationAcks.class);
    private static final Pattern LOCATION = Pattern.compile("^([A-Z][A-Z0-9]{2})-([0-9]{1,3})\\b");

    private final Map<String, String> endpoints;
    private final Transport transport;
    private final AckBuilder acks;
    private final Charset listenerDefault;
    private final MeterRegistry registry;
    private final Map<Outcome, Counter> counters = new ConcurrentHashMap<>();
    private final Map<Outcome, Counter> outcomeCounters = new ConcurrentHashMap<>();

    public ApplicationAcks(MllpProperties properties, Transport transport, Clock clock, MeterRegistry registry) {
        this.endpoints = properties.applicationAcks();
        this.transport = transport;
        this.acks = new AckBuilder(clock, "PGA");
        this.listenerDefault = Hl7Charsets.forConfiguredName(properties.defaultCharset());
        this.registry = registry;
    }

    /**
     * Sends the sender of {@code message} an application error acknowledgment if it asked for one and
     * has a listener configured.
     *
     * @param code the table 0357 condition
     * @param reason the human-readable reason, free of field content; when it starts with a field
     *     position such as {@code OBR-25}, ERR-2 names that position
     */
    public Outcome reportError(InboundMessage message, Hl7ErrorCode code, String reason) {
        Outcome outcome = send(message, code, reason);
        counters.computeIfAbsent(outcome, o -> Counter.builder("hub.mllp.application.acks")
                        .description(
                                "HL7 application acknowledgments (AE) for messages a later stage could not process")
                        .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry))
                .increment();
        return outcome;
    }

    /**
     * Sends the sender of {@code message} an application acknowledgment {@code AA} stating the
     * message's final disposition (e.g. the consent escrow's outcome), if it asked for application
     * acknowledgments always (enhanced mode, MSH-16 {@code AL}) and has a listener configured.
     *
     * @param text the disposition, free of report content
     */
    public Outcome reportOutcome(InboundMessage message, String text) {
        Outcome outcome;
        Optional<Target> target = target(message, true);
        if (target.isEmpty()) {
            outcome = Outcome.NOT_REQUESTED;
        } else if (target.get().endpoint() == null) {
            outcome = Outcome.NO_ENDPOINT;
        } else {
            Hl7Envelope in = target.get().in();
            outcome = deliver(message, target.get().endpoint(), in, acks.applicationOutcome(in, text), "AA");
        }
        outcomeCounters
                .computeIfAbsent(outcome, o -> Counter.builder("hub.mllp.outcome.acks")
                        .description(
                                "HL7 application acknowledgments (AA) telling a sender its message's final disposition")
                        .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry))
                .increment();
        return outcome;
    }

    private record Target(Hl7Envelope in, String endpoint) {}

    /** The sender's envelope and listener, if it asked for such acknowledgments (endpoint null: none set). */
    private Optional<Target> target(InboundMessage message, boolean alwaysOnly) {
        if (message.source() != InboundMessage.Source.HL7V2_MLLP) {
            return Optional.empty();
        }
        Hl7Envelope in;
        try {
            in = Hl7Envelope.decode(message.payload(), listenerDefault);
        } catch (Hl7Envelope.UnreadableMessageException e) {
            return Optional.empty();
        }
        String wanted = in.msh(16).trim();
        boolean asked = alwaysOnly ? "AL".equals(wanted) : "AL".equals(wanted) || "ER".equals(wanted);
        if (!in.enhancedMode() || !asked) {
            return Optional.empty();
        }
        return Optional.of(new Target(in, endpoints.get(in.sendingApplication().toUpperCase(java.util.Locale.ROOT))));
    }

    private Outcome deliver(InboundMessage message, String endpoint, Hl7Envelope in, String ack, String code) {
        try {
            transport.send(endpoint, ack.getBytes(in.charset()), in.charset());
            log.info("Sent application acknowledgment {} for message {}", code, message.id());
            return Outcome.SENT;
        } catch (Exception e) {
            log.warn(
                    "Application acknowledgment for message {} could not be delivered to {}: {}",
                    message.id(),
                    endpoint,
                    e.getClass().getSimpleName());
            return Outcome.FAILED;
        }
    }

    private Outcome send(InboundMessage message, Hl7ErrorCode code, String reason) {
        Optional<Target> target = target(message, false);
        if (target.isEmpty()) {
            return Outcome.NOT_REQUESTED;
        }
        if (target.get().endpoint() == null) {
            log.info(
                    "Message {} asks for an application acknowledgment, but hub.mllp.application-acks names no "
                            + "listener for its sending application",
                    message.id());
            return Outcome.NO_ENDPOINT;
        }
        String segment = "";
        int field = 0;
        Matcher m = LOCATION.matcher(reason);
        if (m.find()) {
            segment = m.group(1);
            field = Integer.parseInt(m.group(2));
        }
        Hl7Envelope in = target.get().in();
        String ack = acks.applicationError(in, List.of(Hl7Error.of(code, segment, 0, field, reason)));
        return deliver(message, target.get().endpoint(), in, ack, "AE " + code.code() + " " + code.text());
    }
}
