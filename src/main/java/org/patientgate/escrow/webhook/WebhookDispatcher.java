package org.patientgate.escrow.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.patientgate.protect.AtRestCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the webhook deliveries. {@code hub.escrow.webhooks.senders} threads each claim the most
 * overdue attempt, POST the notification (the inbox item's JSON) signed with the webhook's secret,
 * and record the outcome: a 2xx is DELIVERED; anything else, a timeout or an unreachable receiver is
 * a failure, tried again after a doubling wait up to {@code max-attempts}, then DEAD. Between
 * attempts nothing is held: the state is in the database, so a restarted hub carries on.
 *
 * <p>New notifications come from the {@code hub.notifications} topic ({@link #onNotification}); a
 * scan every {@code poll-interval} finds those whose topic message was lost (the topic is not
 * persistent), so a missed message delays a delivery but never loses it.
 *
 * <p>Logs name the webhook, the delivery and the outcome (a status code or an exception class); never
 * the body, the secret or the URL.
 */
public final class WebhookDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Notifications one scan reads at most. */
    static final int SCAN_LIMIT = 1000;
    /**
     * How old a notification must be before the scan's cursor passes it: an escrow step's transaction
     * that took a lower id and is still open will have committed by then.
     */
    static final Duration SETTLE = Duration.ofSeconds(30);

    static final String USER_AGENT = "PatientGate-Webhooks/1";
    private static final Duration MIN_PAUSE = Duration.ofMillis(5);

    private final WebhookStore store;
    private final AtRestCipher cipher;
    private final WebhookProperties properties;
    private final Clock clock;
    private final HttpClient http;
    private final Counter delivered;
    private final Counter failed;
    private final Counter dead;
    private final Object signal = new Object();
    private final AtomicLong nextScan = new AtomicLong();
    private final List<Thread> senders = new ArrayList<>();
    private long signals;
    private volatile boolean running;

    public WebhookDispatcher(
            WebhookStore store,
            AtRestCipher cipher,
            WebhookProperties properties,
            MeterRegistry registry,
            Clock clock) {
        this(
                store,
                cipher,
                properties,
                registry,
                clock,
                HttpClient.newBuilder()
                        .connectTimeout(properties.timeout())
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build());
    }

    WebhookDispatcher(
            WebhookStore store,
            AtRestCipher cipher,
            WebhookProperties properties,
            MeterRegistry registry,
            Clock clock,
            HttpClient http) {
        this.store = store;
        this.cipher = cipher;
        this.properties = properties;
        this.clock = clock;
        this.http = http;
        this.delivered = counter(registry, "delivered");
        this.failed = counter(registry, "failed");
        this.dead = counter(registry, "dead");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("hub.webhook.deliveries")
                .description("Webhook delivery attempts: delivered (2xx), failed (tried again), dead (dead-lettered)")
                .tag("outcome", outcome)
                .register(registry);
    }

    /** Starts the senders. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < properties.senders(); i++) {
            Thread t = new Thread(this::loop, "webhook-sender-" + i);
            t.setDaemon(true);
            senders.add(t);
            t.start();
        }
    }

    /** Work may be waiting (a new delivery, a redelivery). */
    public void wake() {
        synchronized (signal) {
            signals++;
            signal.notifyAll();
        }
    }

    /** A notification was written (the live topic): its deliveries are made and sent at once. */
    public void onNotification(long notification) {
        if (store.fanOut(notification) > 0) {
            wake();
        }
    }

    private void loop() {
        while (running) {
            long seen;
            synchronized (signal) {
                seen = signals;
            }
            Duration pause;
            try {
                scanIfDue();
                Optional<WebhookStore.Claimed> claimed = store.claim(properties.maxAttempts(), lease());
                if (claimed.isPresent()) {
                    attempt(claimed.get());
                    continue;
                }
                pause = untilNextWork();
            } catch (RuntimeException e) {
                log.warn("Webhook sender step failed, trying again: {}", e.getMessage());
                pause = properties.pollInterval();
            }
            if (!pause(seen, pause)) {
                return;
            }
        }
    }

    /** Waits up to {@code pause} unless woken since {@code seen}; false when the sender must stop. */
    private boolean pause(long seen, Duration pause) {
        long millis = Math.max(MIN_PAUSE.toMillis(), pause.toMillis());
        synchronized (signal) {
            if (running && signals == seen) {
                try {
                    signal.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return running;
    }

    private Duration untilNextWork() {
        Instant now = clock.instant();
        Duration pause = Duration.ofMillis(Math.max(0, nextScan.get() - now.toEpochMilli()));
        Optional<Instant> due = store.nextDue(properties.maxAttempts());
        if (due.isPresent()) {
            Duration untilDue = Duration.between(now, due.get());
            if (untilDue.compareTo(pause) < 0) {
                pause = untilDue;
            }
        }
        return pause.compareTo(properties.pollInterval()) > 0 ? properties.pollInterval() : pause;
    }

    /** One sender at a time scans for notifications without deliveries, every poll interval. */
    private void scanIfDue() {
        long now = clock.millis();
        long next = nextScan.get();
        if (now < next
                || !nextScan.compareAndSet(next, now + properties.pollInterval().toMillis())) {
            return;
        }
        scan();
    }

    /** Makes the deliveries the topic missed and dead-letters abandoned attempts. Public for tests. */
    public int scan() {
        int made = store.fanOutNew(SETTLE, SCAN_LIMIT);
        int abandoned = store.deadLetterAbandoned(properties.maxAttempts());
        if (abandoned > 0) {
            dead.increment(abandoned);
            log.warn("{} webhook deliveries dead-lettered: their last attempt was never answered", abandoned);
        }
        if (made > 0) {
            wake();
        }
        return made;
    }

    /** Long enough for one attempt (connect and answer) and the recording of its outcome. */
    private Duration lease() {
        return properties.timeout().multipliedBy(2).plusSeconds(60);
    }

    private void attempt(WebhookStore.Claimed c) {
        String error;
        try {
            int status = send(c);
            if (status >= 200 && status <= 299) {
                if (store.delivered(c.delivery(), c.attempt())) {
                    delivered.increment();
                    log.debug("Webhook {} delivery {} delivered (attempt {})", c.webhook(), c.delivery(), c.attempt());
                }
                return;
            }
            error = "HTTP " + status;
        } catch (IOException e) {
            error = e.getClass().getName();
        } catch (InterruptedException e) {
            // stopping: the attempt's lease runs out and it is made again
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            // a secret that cannot be opened, a URL the client refuses
            error = e.getClass().getName();
        }
        boolean last = c.attempt() >= properties.maxAttempts();
        Duration retryIn = last ? null : properties.backoff(c.attempt());
        if (!store.failed(c.delivery(), c.attempt(), error, last, retryIn)) {
            return;
        }
        if (last) {
            dead.increment();
            log.warn(
                    "Webhook {} delivery {} dead-lettered after {} attempts: {}",
                    c.webhook(),
                    c.delivery(),
                    c.attempt(),
                    error);
        } else {
            failed.increment();
            log.info(
                    "Webhook {} delivery {} attempt {} failed ({}), next in {} ms",
                    c.webhook(),
                    c.delivery(),
                    c.attempt(),
                    error,
                    retryIn.toMillis());
        }
    }

    /** POSTs one attempt; returns the receiver's status (its body is not read). */
    private int send(WebhookStore.Claimed c) throws IOException, InterruptedException {
        String secret = new String(cipher.open(c.sealedSecret(), Webhooks.aad(c.webhook())), StandardCharsets.US_ASCII);
        byte[] body = payload(c);
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(c.url()))
                .timeout(properties.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .header(WebhookSignature.TIMESTAMP, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE, WebhookSignature.sign(secret, timestamp, body))
                .header(WebhookSignature.DELIVERY, Long.toString(c.delivery()))
                .header(WebhookSignature.EVENT, c.kind())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream ignored = response.body()) {
            return response.statusCode();
        }
    }

    /** The notification as the patient's inbox shows it: {@code {id, kind, subject, createdAt, body}}. */
    static byte[] payload(WebhookStore.Claimed c) throws IOException {
        ObjectNode view = JSON.createObjectNode();
        view.put("id", c.notification());
        view.put("kind", c.kind());
        view.put("subject", c.subject());
        view.put("createdAt", c.createdAt() == null ? null : c.createdAt().toString());
        view.set("body", JSON.readTree(c.body()));
        return JSON.writeValueAsBytes(view);
    }

    @Override
    public void close() {
        List<Thread> stopping;
        synchronized (this) {
            running = false;
            stopping = new ArrayList<>(senders);
            senders.clear();
        }
        wake();
        for (Thread t : stopping) {
            t.interrupt();
        }
        for (Thread t : stopping) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
