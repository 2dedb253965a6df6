package org.patientgate.escrow.webhook;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the patients' notification webhooks.
 *
 * @param maxAttempts attempts of one delivery before it is dead-lettered
 * @param retryInitial wait after the first failed attempt; it doubles after each further failure
 * @param retryMax longest wait between two attempts
 * @param timeout connect timeout, and the longest wait for the receiver's answer, of one attempt
 * @param maxPerPatient webhooks one patient may register
 * @param pollInterval how often the notifications are scanned for ones the live topic did not bring,
 *     and the longest pause of an idle sender
 * @param senders deliveries sent at the same time
 */
@ConfigurationProperties("hub.escrow.webhooks")
public record WebhookProperties(
        Integer maxAttempts,
        Duration retryInitial,
        Duration retryMax,
        Duration timeout,
        Integer maxPerPatient,
        Duration pollInterval,
        Integer senders) {

    public WebhookProperties {
        maxAttempts = maxAttempts == null ? 8 : maxAttempts;
        retryInitial = retryInitial == null ? Duration.ofSeconds(1) : retryInitial;
        retryMax = retryMax == null ? Duration.ofMinutes(5) : retryMax;
        timeout = timeout == null ? Duration.ofSeconds(5) : timeout;
        maxPerPatient = maxPerPatient == null ? 5 : maxPerPatient;
        pollInterval = pollInterval == null ? Duration.ofSeconds(1) : pollInterval;
        senders = senders == null ? 4 : senders;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("hub.escrow.webhooks.max-attempts must be at least 1");
        }
        positive("retry-initial", retryInitial);
        positive("retry-max", retryMax);
        positive("timeout", timeout);
        positive("poll-interval", pollInterval);
        if (retryMax.compareTo(retryInitial) < 0) {
            throw new IllegalArgumentException(
                    "hub.escrow.webhooks.retry-max must not be shorter than hub.escrow.webhooks.retry-initial");
        }
        if (maxPerPatient < 1) {
            throw new IllegalArgumentException("hub.escrow.webhooks.max-per-patient must be at least 1");
        }
        if (senders < 1) {
            throw new IllegalArgumentException("hub.escrow.webhooks.senders must be at least 1");
        }
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("hub.escrow.webhooks." + name + " must be positive");
        }
    }

    /** The wait after the {@code failures}-th failed attempt (1 = the first): doubling, capped. */
    public Duration backoff(int failures) {
        Duration delay = retryInitial;
        for (int i = 1; i < failures && delay.compareTo(retryMax) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(retryMax) > 0 ? retryMax : delay;
    }
}
