package org.patientgate.ingest;

import java.time.Instant;
import java.util.UUID;

/** What the tracking API shows of a stored message: status and timestamps, never its content. */
public record MessageRecord(
        UUID id,
        InboundMessage.Source source,
        String channel,
        String senderApplication,
        String senderFacility,
        String controlId,
        String messageType,
        String version,
        boolean accepted,
        MessageStatus status,
        String failureStage,
        String failureCode,
        String failureReason,
        Instant receivedAt,
        Instant queuedAt,
        Instant processedAt,
        Instant deadLetteredAt,
        Instant replayedAt,
        UUID replayOf,
        int deliveryCount) {}
