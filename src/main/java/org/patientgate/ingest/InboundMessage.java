package org.patientgate.ingest;

import java.time.Instant;
import java.util.UUID;

/**
 * A message as it arrived, before any processing: who sent it, its identity for duplicate detection
 * (sender application + facility + control id), and its bytes as received. The payload holds health
 * data, so this record's {@link #toString()} leaves it out.
 */
public record InboundMessage(
        UUID id,
        Source source,
        String channel,
        String senderApplication,
        String senderFacility,
        String controlId,
        String messageType,
        String version,
        String charset,
        String contentType,
        byte[] payload,
        Instant receivedAt,
        UUID replayOf) {

    /** The same message, received again as the replay of a dead letter. */
    public InboundMessage asReplayOf(UUID deadLetterId, Instant now) {
        return new InboundMessage(
                UUID.randomUUID(),
                source,
                channel,
                senderApplication,
                senderFacility,
                controlId,
                messageType,
                version,
                charset,
                contentType,
                payload,
                now,
                deadLetterId);
    }

    /** Where a message entered the hub. */
    public enum Source {
        HL7V2_MLLP,
        FHIR_REST,
        FHIR_POLL
    }

    @Override
    public String toString() {
        return "InboundMessage[id=" + id + ", source=" + source + ", channel=" + channel + ", type=" + messageType
                + ", bytes=" + payload.length + "]";
    }
}
