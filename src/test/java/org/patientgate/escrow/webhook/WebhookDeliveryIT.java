package org.patientgate.escrow.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.pid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.IntUnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletException;
import org.patientgate.wallet.WalletKeys;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Patients' notification webhooks on the running hub, against a receiver this test runs on the
 * loopback interface, which checks every delivery's signature with the secret from registration: a
 * consent request from the real flow (ORU over MLLP, anchored on the embedded chain) arrives signed;
 * a receiver that fails twice gets the notification on the third attempt, after the doubling waits;
 * one that always fails gets it dead-lettered after the last attempt, and again on request once it
 * works; an unreachable one is dead-lettered with the exception's class; a patient never sees or
 * touches another patient's webhooks. The retry settings come from {@link HubIntegrationTest}.
 *
 * <p>The real flow's notification is announced on the live topic; the others are written straight
 * into the table without an announcement, as if the topic had lost it, so they reach the receiver
 * through the senders' scan.
 */
class WebhookDeliveryIT extends HubIntegrationTest {

    private static final String MARKER =
            "QZXWEBHOOKMARKER" + Long.toHexString(System.nanoTime()).toUpperCase();
    private static final String RECEIVER_BODY = "RECEIVER-SAYS-" + Long.toHexString(System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpServer server;
    private static final Map<String, Endpoint> ENDPOINTS = new ConcurrentHashMap<>();

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    /** One request the receiver got. */
    record Received(Map<String, List<String>> headers, byte[] body, long atNanos) {

        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** A path of the receiver: answers the n-th request (1-based) with {@code status(n)}. */
    static final class Endpoint {
        final List<Received> received = new CopyOnWriteArrayList<>();
        volatile IntUnaryOperator status;

        Endpoint(IntUnaryOperator status) {
            this.status = status;
        }
    }

    @BeforeAll
    static void startReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", WebhookDeliveryIT::receive);
        server.start();
    }

    @AfterAll
    static void stopReceiver() {
        server.stop(0);
    }

    private static void receive(HttpExchange exchange) throws IOException {
        long at = System.nanoTime();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Endpoint endpoint = ENDPOINTS.get(exchange.getRequestURI().getPath());
        int status = 404;
        if (endpoint != null && "POST".equals(exchange.getRequestMethod())) {
            endpoint.received.add(new Received(Map.copyOf(exchange.getRequestHeaders()), body, at));
            status = endpoint.status.applyAsInt(endpoint.received.size());
        }
        byte[] answer = RECEIVER_BODY.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /** A new path of the receiver and its URL. */
    private static String endpoint(String name, Endpoint endpoint) {
        String path = "/hooks/" + name + "-" + UUID.randomUUID();
        ENDPOINTS.put(path, endpoint);
        return "http://127.0.0.1:" + server.getAddress().getPort() + path + "?app=" + name;
    }

    private static Endpoint endpointOf(String url) {
        return ENDPOINTS.get(URI.create(url).getPath());
    }

    /** What a receiver does: HMAC-SHA256 keyed with the secret's text, of "timestamp.body". */
    private static void assertSigned(Received r, String secret) throws Exception {
        String timestamp = r.header("PatientGate-Timestamp");
        assertThat(timestamp).matches("\\d+");
        assertThat(Long.parseLong(timestamp))
                .isBetween(Instant.now().getEpochSecond() - 300, Instant.now().getEpochSecond() + 5);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        String expected = "v1=" + HexFormat.of().formatHex(mac.doFinal(r.body()));
        assertThat(r.header("PatientGate-Signature")).isEqualTo(expected);
        assertThat(r.header("Content-Type")).startsWith("application/json");
    }

    private Wallet patient() {
        Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create(baseUrl())));
        wallet.register(Role.PATIENT, null);
        wallet.signIn();
        return wallet;
    }

    /** A notification written straight into the inbox (as an escrow step would), without a topic message. */
    private long notify(Wallet patient, String kind) {
        return new JdbcTemplate(dataSource)
                .queryForObject(
                        "INSERT INTO notification (recipient, kind, subject, body) VALUES (?, ?, ?, ?::jsonb)"
                                + " RETURNING id",
                        Long.class,
                        patient.address(),
                        kind,
                        "subject-" + UUID.randomUUID(),
                        "{\"entry\":\"0x01\",\"outcome\":\"TEST\"}");
    }

    private static List<HubClient.WebhookDelivery> deliveries(Wallet patient, String webhook, String status) {
        return patient.hub().webhookDeliveries(webhook, status);
    }

    private double counted(String outcome) {
        return meters.get("hub.webhook.deliveries")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    private static void assertRefused(Runnable call, int status) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WalletException.class, e -> assertThat(e.status())
                .isEqualTo(status));
    }

    private HttpResponse<String> getWebhook(Wallet caller, String id) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/patients/me/webhooks/" + id))
                .header("Authorization", "Bearer " + caller.hub().sessionToken().orElseThrow())
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ the real flow

    private String oru(String controlId, String mrn) {
        return msh("ORU^R01^ORU_R01", "2.5.1", controlId) + pid(mrn, MARKER + "^JANE") + obr() + obx("NM", "182", "F");
    }

    private String identifierSystem() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + API_TOKEN)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(oru("SYS-1", "X")))
                .build();
        HttpResponse<String> converted = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        for (JsonNode entry : JSON.readTree(converted.body()).path("entry")) {
            if (entry.path("resource").path("resourceType").asText().equals("Patient")) {
                return entry.path("resource")
                        .path("identifier")
                        .get(0)
                        .path("system")
                        .asText();
            }
        }
        throw new AssertionError("no Patient in the converted bundle");
    }

    @Test
    void aConsentRequestFromTheRealFlowIsDeliveredSigned() throws Exception {
        String mrn = "MRNHOOK" + Long.toHexString(System.nanoTime());
        Wallet patient = patient();
        patient.linkIdentifier(
                patient.hub().enrolmentCode(API_TOKEN, identifierSystem(), mrn).code());
        HubClient.Webhook webhook = patient.hub().registerWebhook(endpoint("real", new Endpoint(n -> 204)));
        assertThat(webhook.secret()).matches("[A-Za-z0-9_-]{43}");
        assertThat(patient.hub().webhooks()).singleElement().satisfies(w -> {
            assertThat(w.id()).isEqualTo(webhook.id());
            assertThat(w.secret()).isNull();
        });
        // the secret is sealed at rest, bound to the webhook's id
        byte[] stored = new JdbcTemplate(dataSource)
                .queryForObject("SELECT secret FROM webhook WHERE id = ?::uuid", byte[].class, webhook.id());
        assertThat(AtRestCipher.isSealed(stored)).isTrue();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(webhook.secret());

        try (MllpTestClient client = mllp()) {
            assertThat(client.sendText(oru("HOOK1-" + mrn, mrn), StandardCharsets.UTF_8)
                            .orElseThrow())
                    .contains("MSA|AA");
        }

        Endpoint receiver = endpointOf(webhook.url());
        await().atMost(Duration.ofSeconds(90)).until(() -> !receiver.received.isEmpty());
        Received r = receiver.received.get(0);
        assertSigned(r, webhook.secret());
        assertThat(r.header("PatientGate-Event")).isEqualTo("consent-request");
        JsonNode delivered = r.json();
        assertThat(delivered.path("kind").asText()).isEqualTo("consent-request");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain(MARKER);

        // the same view as the inbox item
        HubClient.Notification inbox = patient.hub().notifications(null, 50, false).items().stream()
                .filter(n -> n.kind().equals("consent-request"))
                .findFirst()
                .orElseThrow();
        assertThat(delivered.path("id").asLong()).isEqualTo(inbox.id());
        assertThat(delivered.path("subject").asText()).isEqualTo(inbox.subject());
        assertThat(Instant.parse(delivered.path("createdAt").asText())).isEqualTo(inbox.createdAt());
        assertThat(delivered.path("body")).isEqualTo(inbox.body());
        assertThat(delivered.path("body").path("publishing").asText()).contains("information-sharing account");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> deliveries(patient, webhook.id(), "DELIVERED").size() == 1);
        HubClient.WebhookDelivery d = deliveries(patient, webhook.id(), null).get(0);
        assertThat(d.notification()).isEqualTo(inbox.id());
        assertThat(d.attempts()).isEqualTo(1);
        assertThat(d.deliveredAt()).isNotNull();
        assertThat(r.header("PatientGate-Delivery")).isEqualTo(Long.toString(d.id()));
        assertThat(receiver.received).hasSize(1);
    }

    // ------------------------------------------------------------------ retries and dead letters

    @Test
    void aReceiverThatFailsTwiceGetsTheNotificationOnTheThirdAttempt_andOnlyNotificationsAfterRegistration()
            throws Exception {
        Wallet patient = patient();
        long before = notify(patient, "test-before");
        double failedBefore = counted("failed");
        double deliveredBefore = counted("delivered");
        HubClient.Webhook webhook =
                patient.hub().registerWebhook(endpoint("flaky", new Endpoint(n -> n <= 2 ? 500 : 200)));
        long after = notify(patient, "test-after");

        await().atMost(Duration.ofSeconds(20))
                .until(() -> deliveries(patient, webhook.id(), "DELIVERED").size() == 1);

        List<Received> received = endpointOf(webhook.url()).received;
        assertThat(received).hasSize(3);
        for (Received r : received) {
            assertSigned(r, webhook.secret());
            assertThat(r.json().path("id").asLong()).isEqualTo(after);
            assertThat(r.header("PatientGate-Event")).isEqualTo("test-after");
            assertThat(r.header("PatientGate-Delivery"))
                    .isEqualTo(received.get(0).header("PatientGate-Delivery"));
        }
        // waits of retry-initial, then twice that
        assertThat(Duration.ofNanos(received.get(1).atNanos() - received.get(0).atNanos()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(WEBHOOK_RETRY_INITIAL_MS - 5));
        assertThat(Duration.ofNanos(received.get(2).atNanos() - received.get(1).atNanos()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(2 * WEBHOOK_RETRY_INITIAL_MS - 5));

        // the notification from before the registration is not delivered
        List<HubClient.WebhookDelivery> all = deliveries(patient, webhook.id(), null);
        assertThat(all).singleElement().satisfies(d -> {
            assertThat(d.notification()).isEqualTo(after).isNotEqualTo(before);
            assertThat(d.status()).isEqualTo("DELIVERED");
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.lastError()).isEqualTo("HTTP 500");
        });
        assertThat(counted("failed") - failedBefore).isGreaterThanOrEqualTo(2);
        assertThat(counted("delivered") - deliveredBefore).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aReceiverThatAlwaysFailsIsDeadLettered_andRedeliveredOnRequestOnceItWorks() throws Exception {
        Wallet patient = patient();
        Endpoint broken = new Endpoint(n -> 503);
        HubClient.Webhook webhook = patient.hub().registerWebhook(endpoint("broken", broken));
        double deadBefore = counted("dead");
        long notification = notify(patient, "test-dead");

        await().atMost(Duration.ofSeconds(20))
                .until(() -> deliveries(patient, webhook.id(), "DEAD").size() == 1);
        HubClient.WebhookDelivery dead =
                deliveries(patient, webhook.id(), "DEAD").get(0);
        assertThat(dead.notification()).isEqualTo(notification);
        assertThat(dead.attempts()).isEqualTo(WEBHOOK_MAX_ATTEMPTS);
        assertThat(dead.lastError()).isEqualTo("HTTP 503").doesNotContain(RECEIVER_BODY);
        assertThat(dead.deliveredAt()).isNull();
        assertThat(dead.nextAttemptAt()).isNull();
        assertThat(broken.received).hasSize(WEBHOOK_MAX_ATTEMPTS);
        assertThat(deliveries(patient, webhook.id(), "DELIVERED")).isEmpty();
        assertThat(deliveries(patient, webhook.id(), "PENDING")).isEmpty();
        assertThat(counted("dead") - deadBefore).isGreaterThanOrEqualTo(1);
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).containsPattern("hub_webhook_deliveries_total\\{[^}]*outcome=\"dead\"[^}]*\\} [1-9]");

        // the receiver is fixed; the patient asks for the dead letter again
        broken.status = n -> 200;
        patient.hub().redeliver(webhook.id(), dead.id());

        await().atMost(Duration.ofSeconds(20))
                .until(() -> deliveries(patient, webhook.id(), "DELIVERED").size() == 1);
        HubClient.WebhookDelivery redelivered =
                deliveries(patient, webhook.id(), null).get(0);
        assertThat(redelivered.id()).isEqualTo(dead.id());
        assertThat(redelivered.attempts()).isEqualTo(1);
        assertThat(deliveries(patient, webhook.id(), "DEAD")).isEmpty();
        assertThat(broken.received).hasSize(WEBHOOK_MAX_ATTEMPTS + 1);
        Received last = broken.received.get(WEBHOOK_MAX_ATTEMPTS);
        assertSigned(last, webhook.secret());
        assertThat(last.json().path("id").asLong()).isEqualTo(notification);
        assertThat(last.header("PatientGate-Delivery")).isEqualTo(Long.toString(dead.id()));
    }

    @Test
    void anUnreachableReceiverIsDeadLetteredWithTheExceptionClass() {
        Wallet patient = patient();
        HubClient.Webhook webhook = patient.hub().registerWebhook("http://127.0.0.1:" + freePort() + "/nobody-listens");
        long notification = notify(patient, "test-unreachable");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> deliveries(patient, webhook.id(), "DEAD").size() == 1);
        HubClient.WebhookDelivery dead =
                deliveries(patient, webhook.id(), "DEAD").get(0);
        assertThat(dead.notification()).isEqualTo(notification);
        assertThat(dead.attempts()).isEqualTo(WEBHOOK_MAX_ATTEMPTS);
        assertThat(dead.lastError()).matches("java\\.net\\.[A-Za-z.]*Exception");
    }

    // ------------------------------------------------------------------ whose webhooks

    @Test
    void aPatientNeverSeesNorTouchesAnotherPatientsWebhooks() throws Exception {
        Wallet owner = patient();
        Wallet other = patient();
        Endpoint endpoint = new Endpoint(n -> 200);
        HubClient.Webhook webhook = owner.hub().registerWebhook(endpoint("owner", endpoint));
        long notification = notify(owner, "test-owner");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> deliveries(owner, webhook.id(), "DELIVERED").size() == 1);
        long delivery = deliveries(owner, webhook.id(), null).get(0).id();
        assertThat(deliveries(owner, webhook.id(), null).get(0).notification()).isEqualTo(notification);

        assertThat(other.hub().webhooks()).isEmpty();
        assertThat(getWebhook(owner, webhook.id()).statusCode()).isEqualTo(200);
        assertThat(getWebhook(owner, webhook.id()).body()).doesNotContain(webhook.secret());
        assertThat(getWebhook(other, webhook.id()).statusCode()).isEqualTo(404);
        assertRefused(() -> other.hub().webhookDeliveries(webhook.id(), null), 404);
        assertRefused(() -> other.hub().webhookDeliveries(webhook.id(), "DEAD"), 404);
        assertRefused(() -> other.hub().redeliver(webhook.id(), delivery), 404);
        assertRefused(() -> other.hub().deleteWebhook(webhook.id()), 404);
        // nor through a webhook of its own
        HubClient.Webhook others = other.hub().registerWebhook(endpoint("other", new Endpoint(n -> 200)));
        assertRefused(() -> other.hub().redeliver(others.id(), delivery), 404);
        assertThat(owner.hub().webhooks()).singleElement().satisfies(w -> assertThat(w.id())
                .isEqualTo(webhook.id()));
        assertThat(endpoint.received).hasSize(1);

        // the owner may ask again for one already delivered
        owner.hub().redeliver(webhook.id(), delivery);
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.received.size() == 2);

        // refusals of registration: a URL the hub will not call, and more than the limit
        assertRefused(() -> owner.hub().registerWebhook("http://example.org/hook"), 400);
        assertRefused(() -> owner.hub().registerWebhook("ftp://127.0.0.1/hook"), 400);
        assertRefused(() -> owner.hub().webhookDeliveries(webhook.id(), "LOST"), 400);
        for (int i = 1; i < 5; i++) {
            owner.hub().registerWebhook(endpoint("more" + i, new Endpoint(n -> 200)));
        }
        assertRefused(() -> owner.hub().registerWebhook(endpoint("too-many", new Endpoint(n -> 200))), 409);

        owner.hub().deleteWebhook(webhook.id());
        assertThat(owner.hub().webhooks()).extracting(HubClient.Webhook::id).doesNotContain(webhook.id());
        assertRefused(() -> owner.hub().webhookDeliveries(webhook.id(), null), 404);
        assertRefused(() -> owner.hub().deleteWebhook(webhook.id()), 404);
        assertRefused(() -> owner.hub().deleteWebhook("not-a-webhook-id"), 404);
        // without a session, nothing
        assertRefused(() -> new HubClient(URI.create(baseUrl()), "no-such-session").webhooks(), 401);
    }
}
