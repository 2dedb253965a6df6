package org.patientgate.escrow.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Patients' webhooks and the state of every delivery to them. A delivery is one notification for
 * one webhook: PENDING (waiting for its next attempt, or being attempted), DELIVERED (a 2xx) or DEAD
 * (dead-lettered after the last allowed attempt). Attempts are claimed one at a time with a lease,
 * so several senders (or hubs) never send the same attempt twice, and an attempt a crash interrupted
 * is made again once its lease has run out.
 */
public interface WebhookStore {

    /** A registered webhook; the secret stays in the store, sealed. */
    record Webhook(UUID id, String patient, String url, Instant createdAt) {}

    /** A delivery as its patient sees it. */
    record Delivery(
            long id,
            UUID webhook,
            long notification,
            String kind,
            String status,
            int attempts,
            String lastError,
            Instant createdAt,
            Instant lastAttemptAt,
            Instant nextAttemptAt,
            Instant deliveredAt) {}

    /** An attempt claimed for sending: the delivery, its webhook and the notification it carries. */
    record Claimed(
            long delivery,
            int attempt,
            UUID webhook,
            String url,
            byte[] sealedSecret,
            long notification,
            String kind,
            String subject,
            String body,
            Instant createdAt) {

        @Override
        public String toString() {
            return "Claimed[delivery=" + delivery + ", attempt=" + attempt + ", webhook=" + webhook + "]";
        }
    }

    /**
     * Registers a webhook of {@code patient}; it will receive the notifications created from now on.
     *
     * @return empty if the patient already has {@code maxPerPatient} webhooks
     */
    Optional<Webhook> register(UUID id, String patient, String url, byte[] sealedSecret, int maxPerPatient);

    /** The patient's webhooks, oldest first. */
    List<Webhook> webhooks(String patient);

    /** One of the patient's webhooks (empty if it is not the patient's). */
    Optional<Webhook> webhook(String patient, UUID id);

    /** Deletes one of the patient's webhooks and its deliveries; false if it is not the patient's. */
    boolean delete(String patient, UUID id);

    /**
     * Deliveries to one of the patient's webhooks, newest first, with ids below {@code before} (null:
     * from the newest), of one {@code status} (null: any).
     */
    List<Delivery> deliveries(String patient, UUID webhook, String status, Long before, int limit);

    /** Outcome of a redelivery request. */
    enum Redelivery {
        QUEUED,
        ALREADY_PENDING,
        NOT_FOUND
    }

    /** Queues a delivered or dead delivery of the patient's webhook again, with its attempts reset. */
    Redelivery redeliver(String patient, UUID webhook, long delivery);

    /** Makes the deliveries of one notification (one per webhook of its recipient). */
    int fanOut(long notification);

    /**
     * Makes the deliveries of the notifications after the scan's cursor (at most {@code limit}), and
     * moves the cursor past those older than {@code settle}: a notification whose transaction was
     * still open at one scan is found by a later one.
     */
    int fanOutNew(Duration settle, int limit);

    /** Claims the most overdue attempt, leasing it for {@code lease}; empty if none is due. */
    Optional<Claimed> claim(int maxAttempts, Duration lease);

    /**
     * Dead-letters deliveries whose last allowed attempt was claimed but never answered (a crash or a
     * stop during the attempt) once its lease has run out.
     *
     * @return how many
     */
    int deadLetterAbandoned(int maxAttempts);

    /** Records a 2xx for a claimed attempt; false if the delivery was claimed again or re-queued since. */
    boolean delivered(long delivery, int attempt);

    /**
     * Records a failed attempt: dead-lettered if {@code dead}, else due again after {@code retryIn}.
     * {@code error} is a status code or an exception class, never what the receiver answered.
     */
    boolean failed(long delivery, int attempt, String error, boolean dead, Duration retryIn);

    /** When the next attempt (below {@code maxAttempts}) is due; empty when none is pending. */
    Optional<Instant> nextDue(int maxAttempts);
}
