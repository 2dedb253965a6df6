package org.patientgate.escrow;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Consent escrow settings.
 *
 * @param holdFor how long a report of a patient who has not enrolled is held before it is shredded
 * @param pollInterval longest pause of the escrow's progress loop (it is also woken by new work)
 * @param institutionName the hosted institution's name as patients see it in notifications
 *     (default: {@code hub.ledger.institution})
 * @param consumers concurrent consumers of the escrow stage's queue
 */
@ConfigurationProperties("hub.escrow")
public record EscrowProperties(Duration holdFor, Duration pollInterval, String institutionName, Integer consumers) {

    public EscrowProperties {
        holdFor = holdFor == null ? Duration.ofDays(90) : holdFor;
        pollInterval = pollInterval == null ? Duration.ofMillis(500) : pollInterval;
        consumers = consumers == null ? 1 : consumers;
        if (holdFor.isNegative() || holdFor.isZero()) {
            throw new IllegalArgumentException("hub.escrow.hold-for must be positive");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("hub.escrow.poll-interval must be positive");
        }
        if (consumers < 1) {
            throw new IllegalArgumentException("hub.escrow.consumers must be at least 1");
        }
    }
}
