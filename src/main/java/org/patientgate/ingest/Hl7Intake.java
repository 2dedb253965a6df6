package org.patientgate.ingest;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MLLP listener's decision: read a frame, check it, store it durably, and answer.
 *
 * <p>An accepted message is acknowledged AA (CA in enhanced mode) only after {@link MessageStore}
 * reports it durable; a duplicate of a stored message gets the same answer without a second row. A
 * refused one is first kept in the dead-letter store with its reason and then answered AE/AR (CE/CR)
 * with ERR segments. A frame with no readable MSH cannot be answered; it is kept and the connection
 * is closed. Nothing here logs message content.
 */
public class Hl7Intake {

    private static final Logger log = LoggerFactory.getLogger(Hl7Intake.class);
    static final String CONTENT_TYPE = "application/hl7-v2";

    private final MessageStore store;
    private final Hl7MessageChecker checker;
    private final AckBuilder acks;
    private final IngestMetrics metrics;
    private final Clock clock;
    private final String channel;
    private final Charset defaultCharset;
    private final int maxMessageBytes;
    private final Set<String> senders;
    private final Duration storeTimeout;

    /** What the listener sends back: the ACK bytes, or nothing and a closed connection. */
    public record Answer(byte[] ack, String ackCode, boolean closeConnection) {}

    public Hl7Intake(MessageStore store, MllpProperties properties, IngestMetrics metrics, Clock clock) {
        this.store = store;
        this.checker = new Hl7MessageChecker(properties.acceptedMessages(), properties.processingIds());
        this.acks = new AckBuilder(clock, "PG");
        this.metrics = metrics;
        this.clock = clock;
        this.channel = properties.channel();
        this.defaultCharset = Hl7Charsets.forConfiguredName(properties.defaultCharset());
        this.maxMessageBytes = properties.maxMessageBytes();
        this.senders = Set.copyOf(properties.senders());
        this.storeTimeout = properties.storeTimeout();
    }

    /** Handles one frame's payload and returns the answer for the sender. */
    public Answer receive(byte[] frame) {
        long started = System.nanoTime();
        Hl7Envelope envelope;
        try {
            envelope = Hl7Envelope.decode(frame, defaultCharset);
        } catch (Hl7Envelope.UnreadableMessageException e) {
            keepUnreadable(frame, e.error().describe());
            metrics.received(channel, "unreadable", "unreadable");
            log.warn(
                    "Closed an MLLP connection on channel {}: {} ({} bytes)",
                    channel,
                    e.error().describe(),
                    frame.length);
            return new Answer(null, "none", true);
        }
        String sender = envelope.msh(3, 1);
        String type = envelope.messageType();
        metrics.received(channel, sender, type);

        List<Hl7Error> errors;
        if (frame.length > maxMessageBytes) {
            errors = List.of(Hl7Error.of(
                    Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                    "",
                    0,
                    0,
                    "message of " + frame.length + " bytes exceeds this listener's limit of " + maxMessageBytes));
        } else if (!senders.isEmpty() && !senders.contains(sender)) {
            errors = List.of(Hl7Error.of(
                    Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                    "MSH",
                    1,
                    3,
                    "sending application is not accepted on this listener"));
        } else {
            errors = checker.check(envelope);
        }
        InboundMessage message = toMessage(envelope, frame);
        Answer answer;
        if (errors.isEmpty()) {
            answer = storeAccepted(envelope, message);
        } else {
            answer = storeRefused(envelope, message, errors);
        }
        metrics.acknowledged(channel, sender, type, answer.ackCode(), Duration.ofNanos(System.nanoTime() - started));
        return answer;
    }

    /**
     * The answer when something unexpected failed while handling a frame: AR (CR) with ERR 207 if an
     * MSH can be read, so the sender resends later; otherwise the connection is closed. The frame is
     * not acknowledged as accepted, so nothing is lost.
     */
    public Answer internalError(byte[] frame) {
        try {
            Hl7Envelope envelope = Hl7Envelope.decode(frame, defaultCharset);
            return storeFailure(envelope, "unexpected failure in the listener route");
        } catch (Hl7Envelope.UnreadableMessageException | RuntimeException e) {
            return new Answer(null, "none", true);
        }
    }

    /**
     * Re-runs the listener's checks on a dead letter's bytes (after a configuration or sender fix) and
     * stores it as accepted if it now passes.
     *
     * @return the refusal reasons, empty if the message was stored (or already was)
     */
    public List<Hl7Error> replay(InboundMessage deadLetter) throws Exception {
        Hl7Envelope envelope = Hl7Envelope.decode(deadLetter.payload(), defaultCharset);
        List<Hl7Error> errors = checker.check(envelope);
        if (!errors.isEmpty()) {
            return errors;
        }
        store.accept(deadLetter.asReplayOf(deadLetter.id(), clock.instant()))
                .get(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return List.of();
    }

    private Answer storeAccepted(Hl7Envelope envelope, InboundMessage message) {
        try {
            StoreOutcome outcome = store.accept(message).get(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (outcome == StoreOutcome.DUPLICATE) {
                metrics.duplicate(channel, envelope.msh(3, 1));
            }
            String ack = acks.accept(envelope);
            return new Answer(encode(ack, envelope), envelope.enhancedMode() ? "CA" : "AA", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return storeFailure(envelope, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            return storeFailure(envelope, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    private Answer storeFailure(Hl7Envelope envelope, String why) {
        log.error("Could not store a message on channel {}; answering AR 207 so the sender resends: {}", channel, why);
        List<Hl7Error> errors = List.of(Hl7Error.of(
                Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                "",
                0,
                0,
                "the message could not be stored durably; resend it later"));
        String ack = acks.refuse(envelope, errors);
        return new Answer(encode(ack, envelope), envelope.enhancedMode() ? "CR" : "AR", false);
    }

    private Answer storeRefused(Hl7Envelope envelope, InboundMessage message, List<Hl7Error> errors) {
        Hl7Error first = errors.get(0);
        String reason =
                String.join("; ", errors.stream().map(Hl7Error::describe).toList());
        try {
            store.refuse(message, "intake", first.code().code(), reason)
                    .get(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return storeFailure(envelope, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return storeFailure(envelope, "dead-letter write failed");
        }
        log.info(
                "Refused message on channel {} with {} ({})",
                channel,
                first.code().code(),
                first.location());
        String ack = acks.refuse(envelope, errors);
        boolean reject = errors.stream().anyMatch(e -> e.code().reject());
        String code = envelope.enhancedMode() ? (reject ? "CR" : "CE") : (reject ? "AR" : "AE");
        return new Answer(encode(ack, envelope), code, false);
    }

    private void keepUnreadable(byte[] frame, String reason) {
        InboundMessage message = new InboundMessage(
                UUID.randomUUID(),
                InboundMessage.Source.HL7V2_MLLP,
                channel,
                "",
                "",
                "unreadable-" + UUID.randomUUID(),
                "",
                "",
                "",
                CONTENT_TYPE,
                frame,
                clock.instant(),
                null);
        try {
            store.refuse(message, "intake", Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR.code(), reason)
                    .get(storeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("Could not keep an unreadable frame on channel {} in the dead-letter store", channel);
        }
    }

    private InboundMessage toMessage(Hl7Envelope envelope, byte[] frame) {
        String charset = envelope.charsetError().isPresent()
                ? "unknown"
                : envelope.charset().name();
        return new InboundMessage(
                UUID.randomUUID(),
                InboundMessage.Source.HL7V2_MLLP,
                channel,
                envelope.sendingApplication(),
                envelope.sendingFacility(),
                envelope.controlId(),
                envelope.messageType(),
                envelope.version(),
                charset,
                CONTENT_TYPE,
                frame,
                clock.instant(),
                null);
    }

    private static byte[] encode(String ack, Hl7Envelope envelope) {
        Charset charset = envelope.charsetError().isPresent() ? StandardCharsets.ISO_8859_1 : envelope.charset();
        return ack.getBytes(charset);
    }
}
