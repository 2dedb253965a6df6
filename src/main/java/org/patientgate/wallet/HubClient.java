package org.patientgate.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The hub's privacy REST API (docs/PROTECT-API.md), one method per endpoint, over the JDK's {@link
 * HttpClient} and Jackson. Binary values are decoded from base64url here, so callers see raw bytes.
 * The session token from {@link #token} is kept and sent as {@code Authorization: Bearer} to the
 * endpoints that need it. A non-2xx answer becomes a {@link WalletException} carrying the status and
 * the hub's RFC 9457 problem detail or FHIR OperationOutcome diagnostics; request bodies (signatures,
 * sealed values) and the token never appear in an error.
 */
public final class HubClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_DIAGNOSTICS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final HttpClient http;
    private volatile String sessionToken;

    /** A client of the hub at {@code baseUrl} (e.g. {@code http://localhost:8080}), not signed in. */
    public HubClient(URI baseUrl) {
        this(baseUrl, null);
    }

    /** A client of the hub at {@code baseUrl} using an existing session token (may be null). */
    public HubClient(URI baseUrl, String sessionToken) {
        this(
                baseUrl,
                sessionToken,
                HttpClient.newBuilder()
                        .connectTimeout(CONNECT_TIMEOUT)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build());
    }

    /** A client with a caller-built {@link HttpClient} (TLS settings, proxy, executor). */
    public HubClient(URI baseUrl, String sessionToken, HttpClient http) {
        if (baseUrl == null
                || baseUrl.getScheme() == null
                || !(baseUrl.getScheme().equalsIgnoreCase("http")
                        || baseUrl.getScheme().equalsIgnoreCase("https"))
                || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("the hub URL must be an http or https URL with a host: " + baseUrl);
        }
        String text = baseUrl.toString();
        this.baseUrl = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.sessionToken = sessionToken;
        this.http = http;
    }

    /** The hub's base URL, without a trailing slash. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** The session token in use, if signed in. */
    public Optional<String> sessionToken() {
        return Optional.ofNullable(sessionToken);
    }

    /** Uses {@code token} for the endpoints that need a session (null signs out). */
    public void sessionToken(String token) {
        this.sessionToken = token;
    }

    // ---------------------------------------------------------------- participants and sessions

    /**
     * {@code GET /api/participants/registration-terms?address=}: the EIP-712 domain and nonce a
     * patient's ledger registration must use.
     */
    public RegistrationTerms registrationTerms(String address) {
        String path =
                "/api/participants/registration-terms?address=" + URLEncoder.encode(address, StandardCharsets.UTF_8);
        Answer a = send("GET", path, null, null);
        JsonNode body = a.body();
        JsonNode chainId = body.path("chainId");
        Long chain = null;
        if (!(chainId.isMissingNode() || chainId.isNull() || chainId.asText().isEmpty())) {
            try {
                chain = chainId.isIntegralNumber()
                        ? chainId.longValue()
                        : Long.parseLong(chainId.asText().trim());
            } catch (NumberFormatException e) {
                throw a.malformed("chainId");
            }
        }
        return new RegistrationTerms(
                chain,
                optionalText(body, "verifyingContract"),
                optionalText(body, "name"),
                optionalText(body, "version"),
                chain == null ? optionalInteger(a, body, "nonce") : integer(a, body, "nonce"));
    }

    /**
     * {@code POST /api/participants}: registers {@code address} with its X25519 key. {@code signature}
     * is the personal signature of the registration text; {@code ledger} (patients, may be null) the
     * EIP-712 Registration the hub relays to ParticipantRegistry.
     */
    public Participant register(
            String address, Role role, byte[] encryptionKey, String name, byte[] signature, LedgerRegistration ledger) {
        ObjectNode body = JSON.createObjectNode();
        body.put("address", address);
        body.put("role", role.name());
        body.put("encryptionKey", Base64Url.encode(encryptionKey));
        if (name != null) {
            body.put("name", name);
        }
        body.put("signature", Base64Url.encode(signature));
        if (ledger != null) {
            ObjectNode l = body.putObject("ledger");
            l.put("deadline", ledger.deadline());
            l.put("signature", Base64Url.encode(ledger.signature()));
        }
        Answer a = send("POST", "/api/participants", body, null);
        return participant(a, a.body());
    }

    /** {@code GET /api/participants/{address}}: a registered participant's public record. */
    public Participant participant(String address) {
        Answer a = send("GET", "/api/participants/" + segment(address), null, null);
        return participant(a, a.body());
    }

    /** {@code POST /api/auth/challenge}: a one-time challenge and the text to sign for it. */
    public Challenge challenge(String address) {
        ObjectNode body = JSON.createObjectNode();
        body.put("address", address);
        Answer a = send("POST", "/api/auth/challenge", body, null);
        return new Challenge(
                text(a, a.body(), "challenge"), text(a, a.body(), "message"), instant(a, a.body(), "expiresAt"));
    }

    /**
     * {@code POST /api/auth/token}: trades a signed challenge for a session token, which this client
     * then uses.
     */
    public Session token(String address, String challenge, byte[] signature) {
        ObjectNode body = JSON.createObjectNode();
        body.put("address", address);
        body.put("challenge", challenge);
        body.put("signature", Base64Url.encode(signature));
        Answer a = send("POST", "/api/auth/token", body, null);
        Session session = new Session(text(a, a.body(), "token"), instant(a, a.body(), "expiresAt"));
        this.sessionToken = session.token();
        return session;
    }

    // ---------------------------------------------------------------- patients

    /** {@code POST /api/patients/me/identifiers}: links the identifier an enrolment code stands for. */
    public void linkIdentifier(String code) {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        send("POST", "/api/patients/me/identifiers", body, session());
    }

    /**
     * {@code POST /api/enrolment-codes} with the operations token (an engineer's call): a one-time code
     * standing for the hospital identifier {@code system|value}.
     */
    public EnrolmentCode enrolmentCode(String operationsToken, String system, String value) {
        if (operationsToken == null || operationsToken.isBlank()) {
            throw new WalletException("enrolment codes need the hub's operations token");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("system", system);
        body.put("value", value);
        Answer a = send("POST", "/api/enrolment-codes", body, operationsToken);
        return new EnrolmentCode(text(a, a.body(), "code"), instant(a, a.body(), "expiresAt"));
    }

    /** {@code GET /api/protect/reports}: the caller's protected reports and their slots. */
    public List<ProtectedReport> reports() {
        Answer a = send("GET", "/api/protect/reports", null, session());
        List<ProtectedReport> out = new ArrayList<>();
        for (JsonNode r : array(a, a.body(), null)) {
            List<Slot> slots = new ArrayList<>();
            for (JsonNode s : array(a, r, "slots")) {
                slots.add(new Slot(
                        integer(a, s, "slot").intValueExact(), text(a, s, "state"), optionalText(s, "holder")));
            }
            out.add(new ProtectedReport(
                    uuid(a, r, "report"), optionalText(r, "institution"), instant(a, r, "protectedAt"), slots));
        }
        return out;
    }

    /**
     * {@code GET /api/protect/reports/{report}/subkeys}: the caller's sealed sub-key packets (info
     * {@code PatientGate sub-keys v1}).
     */
    public List<byte[]> subKeyPackets(UUID report) {
        Answer a = send("GET", "/api/protect/reports/" + report + "/subkeys", null, session());
        List<byte[]> packets = new ArrayList<>();
        for (JsonNode p : array(a, a.body(), "packets")) {
            packets.add(base64(a, p, "packets"));
        }
        return packets;
    }

    /**
     * {@code POST /api/protect/reports/{report}/allocations}: binds spare {@code slot} to {@code node}
     * with the sub-key string sealed to that node.
     */
    public void allocate(UUID report, int slot, String node, byte[] sealedSubKey) {
        ObjectNode body = JSON.createObjectNode();
        body.put("slot", slot);
        body.put("node", node);
        body.put("sealedSubKey", Base64Url.encode(sealedSubKey));
        send("POST", "/api/protect/reports/" + report + "/allocations", body, session());
    }

    /** {@code DELETE /api/protect/reports/{report}/allocations/{slot}}: revokes the slot. */
    public void revokeAllocation(UUID report, int slot) {
        send("DELETE", "/api/protect/reports/" + report + "/allocations/" + slot, null, session());
    }

    /**
     * {@code POST /api/protect/reports/{report}/slots}: {@code count} more spare slots, authorised by
     * slot 0's sub-key string sealed to the module.
     */
    public AddedSlots addSlots(UUID report, int count, byte[] sealedSlotZero) {
        ObjectNode body = JSON.createObjectNode();
        body.put("count", count);
        body.put("subKey", Base64Url.encode(sealedSlotZero));
        Answer a = send("POST", "/api/protect/reports/" + report + "/slots", body, session());
        List<Integer> slots = new ArrayList<>();
        for (JsonNode s : array(a, a.body(), "slots")) {
            // a bare slot number, or a slot object as in the reports listing
            JsonNode n = s.isObject() ? s.path("slot") : s;
            if (!n.canConvertToInt()) {
                throw a.malformed("slots");
            }
            slots.add(n.intValue());
        }
        return new AddedSlots(slots, base64(a, a.body().path("packet"), "packet"));
    }

    // ---------------------------------------------------------------- nodes

    /** {@code GET /api/protect/subkeys}: the sub-key strings allocated to the caller, sealed to it. */
    public List<AllocatedSubKey> allocatedSubKeys() {
        Answer a = send("GET", "/api/protect/subkeys", null, session());
        List<AllocatedSubKey> out = new ArrayList<>();
        for (JsonNode s : array(a, a.body(), null)) {
            out.add(new AllocatedSubKey(
                    uuid(a, s, "report"),
                    integer(a, s, "slot").intValueExact(),
                    base64(a, s.path("sealedSubKey"), "sealedSubKey"),
                    instant(a, s, "allocatedAt")));
        }
        return out;
    }

    /**
     * {@code POST /api/protect/decrypt}: presents a sub-key string sealed to the module; the answer is
     * the bundle sealed to the caller.
     */
    public SealedReport decrypt(UUID report, byte[] sealedSubKey) {
        ObjectNode body = JSON.createObjectNode();
        body.put("report", report.toString());
        body.put("subKey", Base64Url.encode(sealedSubKey));
        Answer a = send("POST", "/api/protect/decrypt", body, session());
        return new SealedReport(uuid(a, a.body(), "report"), base64(a, a.body().path("sealed"), "sealed"));
    }

    /**
     * {@code GET /api/patients/me/notifications}: the caller's notifications, newest first, with ids
     * below {@code before} (null: from the newest).
     */
    public Notifications notifications(Long before, int limit, boolean unreadOnly) {
        Answer a = send(
                "GET",
                "/api/patients/me/notifications?limit=" + limit + (before == null ? "" : "&before=" + before)
                        + (unreadOnly ? "&unread=true" : ""),
                null,
                session());
        List<Notification> items = new ArrayList<>();
        for (JsonNode n : array(a, a.body(), "items")) {
            items.add(new Notification(
                    integer(a, n, "id").longValueExact(),
                    text(a, n, "kind"),
                    optionalText(n, "subject"),
                    n.path("body"),
                    n.path("read").asBoolean(),
                    instant(a, n, "createdAt")));
        }
        JsonNode next = a.body().path("next");
        return new Notifications(
                integer(a, a.body(), "unread").longValueExact(), items, next.isNumber() ? next.asLong() : null);
    }

    /** {@code POST /api/patients/me/notifications/{id}/read}. */
    public void markRead(long id) {
        send("POST", "/api/patients/me/notifications/" + id + "/read", null, session());
    }

    /** {@code GET /api/escrow/{entry}}: an escrow entry of the caller's, with what signing a decision needs. */
    public EscrowEntry escrowEntry(String entry) {
        Answer a = send("GET", "/api/escrow/" + entry, null, session());
        JsonNode b = a.body();
        JsonNode signing = b.path("signing");
        return new EscrowEntry(
                text(a, b, "entry"),
                text(a, b, "state"),
                uuid(a, b.path("report"), "id"),
                optionalText(b, "intermediateAccount"),
                signing.isMissingNode() ? 0 : integer(a, signing, "chainId").longValueExact(),
                signing.isMissingNode() ? null : text(a, signing, "verifyingContract"),
                optionalText(b, "expiresAt") == null ? null : instant(a, b, "expiresAt"),
                optionalText(b.path("decision"), "transaction"),
                b);
    }

    /**
     * {@code POST /api/escrow/{entry}/decision}: the patient's signed release ({@code release}) or
     * rejection, which the hub checks and relays to the chain.
     */
    public JsonNode decide(String entry, boolean release, BigInteger nonce, BigInteger deadline, byte[] signature) {
        ObjectNode body = JSON.createObjectNode();
        body.put("decision", release ? "release" : "reject");
        body.put("nonce", nonce.toString());
        body.put("deadline", deadline.longValueExact());
        body.put("signature", "0x" + java.util.HexFormat.of().formatHex(signature));
        return send("POST", "/api/escrow/" + entry + "/decision", body, session())
                .body();
    }

    /** {@code GET /api/protect/module-key}: the module's X25519 public key (32 bytes). */
    public byte[] moduleKey() {
        Answer a = send("GET", "/api/protect/module-key", null, null);
        byte[] key = base64(a, a.body().path("encryptionKey"), "encryptionKey");
        if (key.length != 32) {
            throw a.malformed("encryptionKey");
        }
        return key;
    }

    // ---------------------------------------------------------------- types

    /**
     * The EIP-712 domain and nonce for a patient's ledger registration; {@code chainId} is null when
     * the hub runs without a ledger.
     */
    public record RegistrationTerms(
            Long chainId, String verifyingContract, String name, String version, BigInteger nonce) {

        /** Whether the hub relays registrations to a ledger (and wants the EIP-712 signature). */
        public boolean ledgerEnabled() {
            return chainId != null;
        }
    }

    /** The EIP-712 Registration signature a patient adds to its registration. */
    public record LedgerRegistration(long deadline, byte[] signature) {

        @Override
        public String toString() {
            return "LedgerRegistration[deadline=" + deadline + "]";
        }
    }

    /** A registered participant's public record. */
    public record Participant(String address, Role role, byte[] encryptionKey, String name, Instant registeredAt) {

        @Override
        public String toString() {
            return "Participant[address=" + address + ", role=" + role + ", encryptionKey="
                    + Base64Url.encode(encryptionKey) + ", name=" + name + ", registeredAt=" + registeredAt + "]";
        }
    }

    /** A sign-in challenge: its id and the exact text to personal-sign. */
    public record Challenge(String challenge, String message, Instant expiresAt) {}

    /** A session: the bearer token and when it expires. */
    public record Session(String token, Instant expiresAt) {

        @Override
        public String toString() {
            return "Session[token=****, expiresAt=" + expiresAt + "]";
        }
    }

    /** A one-time enrolment code. */
    public record EnrolmentCode(String code, Instant expiresAt) {

        @Override
        public String toString() {
            return "EnrolmentCode[code=****, expiresAt=" + expiresAt + "]";
        }
    }

    /** One of the caller's protected reports. */
    public record ProtectedReport(UUID report, String institution, Instant protectedAt, List<Slot> slots) {

        public ProtectedReport {
            slots = List.copyOf(slots);
        }
    }

    /** A slot of a report: its number, state (e.g. SPARE) and holder's address (if allocated). */
    public record Slot(int slot, String state, String holder) {

        /** Whether the slot is free to allocate. */
        public boolean spare() {
            return "SPARE".equalsIgnoreCase(state);
        }
    }

    /** New spare slots and the packet of their sub-key strings (sealed to the caller). */
    public record AddedSlots(List<Integer> slots, byte[] packet) {

        public AddedSlots {
            slots = List.copyOf(slots);
        }

        @Override
        public String toString() {
            return "AddedSlots[slots=" + slots + "]";
        }
    }

    /** A sub-key string allocated to the caller, sealed to it (info {@code PatientGate sub-key v1}). */
    public record AllocatedSubKey(UUID report, int slot, byte[] sealedSubKey, Instant allocatedAt) {

        @Override
        public String toString() {
            return "AllocatedSubKey[report=" + report + ", slot=" + slot + ", allocatedAt=" + allocatedAt + "]";
        }
    }

    /** A decrypted report sealed to the caller (info {@code PatientGate report v1}). */
    /** One page of an inbox: the unread count, the items, and the id to page on from (or null). */
    public record Notifications(long unread, List<Notification> items, Long next) {}

    /** A notification: never report content, only what the recipient needs to know or decide. */
    public record Notification(long id, String kind, String subject, JsonNode body, boolean read, Instant createdAt) {}

    /**
     * An escrow entry as its patient sees it.
     *
     * @param entry the entry id (its leaf hash, 0x + 64 hex digits)
     * @param state HELD, ESCROWED, AWAITING, DECIDING, RELEASED, REJECTED, EXPIRED
     * @param report the protected report's id
     * @param intermediateAccount the entry's intermediate account, once known
     * @param chainId the chain a decision is signed for
     * @param verifyingContract the ConsentEscrow's address
     * @param expiresAt the end of the time to decide, once anchored
     * @param decisionTx the transaction that decided it, once decided
     * @param raw the whole answer
     */
    public record EscrowEntry(
            String entry,
            String state,
            UUID report,
            String intermediateAccount,
            long chainId,
            String verifyingContract,
            Instant expiresAt,
            String decisionTx,
            JsonNode raw) {}

    public record SealedReport(UUID report, byte[] sealed) {

        @Override
        public String toString() {
            return "SealedReport[report=" + report + "]";
        }
    }

    // ---------------------------------------------------------------- webhooks

    /**
     * {@code POST /api/patients/me/webhooks}: registers {@code url} for the caller's notifications
     * (https, or http to a loopback host). The answer's secret, the key of every delivery's signature,
     * is shown this once.
     */
    public Webhook registerWebhook(String url) {
        ObjectNode body = JSON.createObjectNode();
        body.put("url", url);
        Answer a = send("POST", "/api/patients/me/webhooks", body, session());
        return webhook(a, a.body());
    }

    /** {@code GET /api/patients/me/webhooks}: the caller's webhooks (without their secrets). */
    public List<Webhook> webhooks() {
        Answer a = send("GET", "/api/patients/me/webhooks", null, session());
        List<Webhook> out = new ArrayList<>();
        for (JsonNode w : array(a, a.body(), null)) {
            out.add(webhook(a, w));
        }
        return out;
    }

    /** {@code DELETE /api/patients/me/webhooks/{id}}: deletes one of the caller's webhooks. */
    public void deleteWebhook(String id) {
        send("DELETE", "/api/patients/me/webhooks/" + segment(id), null, session());
    }

    /**
     * {@code GET /api/patients/me/webhooks/{id}/deliveries}: the newest deliveries to one of the
     * caller's webhooks, of {@code status} (PENDING, DELIVERED, DEAD; null: any).
     */
    public List<WebhookDelivery> webhookDeliveries(String id, String status) {
        Answer a = send(
                "GET",
                "/api/patients/me/webhooks/" + segment(id) + "/deliveries?limit=200"
                        + (status == null ? "" : "&status=" + URLEncoder.encode(status, StandardCharsets.UTF_8)),
                null,
                session());
        List<WebhookDelivery> out = new ArrayList<>();
        for (JsonNode d : array(a, a.body(), "items")) {
            out.add(new WebhookDelivery(
                    integer(a, d, "id").longValueExact(),
                    integer(a, d, "notification").longValueExact(),
                    optionalText(d, "kind"),
                    text(a, d, "status"),
                    integer(a, d, "attempts").intValueExact(),
                    optionalText(d, "lastError"),
                    instant(a, d, "createdAt"),
                    instant(a, d, "lastAttemptAt"),
                    instant(a, d, "nextAttemptAt"),
                    instant(a, d, "deliveredAt")));
        }
        return out;
    }

    /**
     * {@code POST /api/patients/me/webhooks/{id}/deliveries/{delivery}/redeliver}: queues a delivered
     * or dead delivery again, its attempts reset (202).
     */
    public void redeliver(String webhookId, long deliveryId) {
        send(
                "POST",
                "/api/patients/me/webhooks/" + segment(webhookId) + "/deliveries/" + deliveryId + "/redeliver",
                null,
                session());
    }

    private static Webhook webhook(Answer a, JsonNode w) {
        return new Webhook(text(a, w, "id"), text(a, w, "url"), optionalText(w, "secret"), instant(a, w, "createdAt"));
    }

    /** A webhook of the caller's; {@code secret} only in the answer to its registration. */
    public record Webhook(String id, String url, String secret, Instant createdAt) {

        @Override
        public String toString() {
            return "Webhook[id=" + id + ", createdAt=" + createdAt + (secret == null ? "" : ", secret=****") + "]";
        }
    }

    /**
     * One notification's delivery to a webhook.
     *
     * @param status PENDING, DELIVERED or DEAD (dead-lettered)
     * @param lastError the last failed attempt's status code or exception class
     */
    public record WebhookDelivery(
            long id,
            long notification,
            String kind,
            String status,
            int attempts,
            String lastError,
            Instant createdAt,
            Instant lastAttemptAt,
            Instant nextAttemptAt,
            Instant deliveredAt) {}

    // ---------------------------------------------------------------- HTTP

    /** A 2xx answer to one request. */
    private record Answer(String method, String path, int status, JsonNode body) {

        WalletException malformed(String field) {
            return new WalletException(
                    "the hub's answer to " + method + " " + pathOnly(path) + " has no valid " + field, status, null);
        }
    }

    private String session() {
        String token = sessionToken;
        if (token == null) {
            throw new WalletException("not signed in: sign in before calling this endpoint");
        }
        return token;
    }

    private Answer send(String method, String path, JsonNode body, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new WalletException(
                    "cannot reach the hub at " + baseUrl + " (" + method + " " + pathOnly(path) + "): "
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalletException("interrupted while calling " + method + " " + pathOnly(path));
        }
        int status = response.statusCode();
        byte[] bytes = response.body() == null ? new byte[0] : response.body();
        if (status < 200 || status > 299) {
            String diagnostics = diagnostics(bytes);
            throw new WalletException(
                    "the hub refused " + method + " " + pathOnly(path) + ": " + status
                            + (diagnostics == null ? "" : " " + diagnostics),
                    status,
                    diagnostics);
        }
        JsonNode json;
        if (bytes.length == 0) {
            json = JSON.missingNode();
        } else {
            try {
                json = JSON.readTree(bytes);
            } catch (IOException e) {
                throw new WalletException(
                        "the hub's answer to " + method + " " + pathOnly(path) + " is not JSON", status, null);
            }
        }
        return new Answer(method, path, status, json == null ? JSON.missingNode() : json);
    }

    /**
     * The human part of an error body: an OperationOutcome's issue diagnostics (or details.text), a
     * problem's detail (or title), Spring's default {@code error}/{@code message}, or the first line
     * of a text body; shortened and stripped of control characters.
     */
    static String diagnostics(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        String text = null;
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isObject()) {
                if ("OperationOutcome".equals(json.path("resourceType").asText())) {
                    List<String> parts = new ArrayList<>();
                    for (JsonNode issue : json.path("issue")) {
                        String d = issue.path("diagnostics").asText("");
                        if (d.isBlank()) {
                            d = issue.path("details").path("text").asText("");
                        }
                        if (d.isBlank()) {
                            d = issue.path("code").asText("");
                        }
                        if (!d.isBlank()) {
                            parts.add(d);
                        }
                    }
                    text = String.join("; ", parts);
                } else if (json.hasNonNull("detail")) {
                    text = json.path("detail").asText();
                } else if (json.hasNonNull("title")) {
                    text = json.path("title").asText();
                } else if (json.hasNonNull("message")) {
                    text = json.path("message").asText();
                } else if (json.hasNonNull("error")) {
                    text = json.path("error").asText();
                }
            }
        } catch (IOException e) {
            String plain = new String(body, StandardCharsets.UTF_8).strip();
            int newline = plain.indexOf('\n');
            text = newline < 0 ? plain : plain.substring(0, newline);
        }
        if (text == null) {
            return null;
        }
        String clean = text.replaceAll("\\p{Cntrl}", " ").strip();
        if (clean.isEmpty()) {
            return null;
        }
        return clean.length() > MAX_DIAGNOSTICS ? clean.substring(0, MAX_DIAGNOSTICS) + "…" : clean;
    }

    private static String pathOnly(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private static String segment(String address) {
        return URLEncoder.encode(address, StandardCharsets.UTF_8);
    }

    private static Participant participant(Answer a, JsonNode body) {
        String role = text(a, body, "role");
        Role parsed;
        try {
            parsed = Role.valueOf(role.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw a.malformed("role");
        }
        return new Participant(
                text(a, body, "address").toLowerCase(Locale.ROOT),
                parsed,
                base64(a, body.path("encryptionKey"), "encryptionKey"),
                optionalText(body, "name"),
                instant(a, body, "registeredAt"));
    }

    private static Iterable<JsonNode> array(Answer a, JsonNode node, String field) {
        JsonNode value = field == null ? node : node.path(field);
        if (!value.isArray()) {
            throw a.malformed(field == null ? "list" : field);
        }
        return value;
    }

    private static String text(Answer a, JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw a.malformed(field);
        }
        return value.asText();
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }

    private static BigInteger integer(Answer a, JsonNode node, String field) {
        BigInteger value = optionalInteger(a, node, field);
        if (value == null) {
            throw a.malformed(field);
        }
        return value;
    }

    private static BigInteger optionalInteger(Answer a, JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isMissingNode()
                || value.isNull()
                || (value.isTextual() && value.asText().isEmpty())) {
            return null;
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue();
        }
        if (value.isTextual()) {
            try {
                return new BigInteger(value.asText().trim());
            } catch (NumberFormatException e) {
                throw a.malformed(field);
            }
        }
        throw a.malformed(field);
    }

    private static UUID uuid(Answer a, JsonNode node, String field) {
        try {
            return UUID.fromString(text(a, node, field));
        } catch (IllegalArgumentException e) {
            throw a.malformed(field);
        }
    }

    /** An ISO-8601 instant, or Jackson's numeric seconds[.nanos]; null when absent. */
    private static Instant instant(Answer a, JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        try {
            if (value.isNumber()) {
                BigDecimal seconds = value.decimalValue();
                return Instant.ofEpochSecond(
                        seconds.longValue(),
                        seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
            }
            return Instant.parse(value.asText());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw a.malformed(field);
        }
    }

    private static byte[] base64(Answer a, JsonNode value, String field) {
        if (!value.isTextual()) {
            throw a.malformed(field);
        }
        try {
            return Base64Url.decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw a.malformed(field);
        }
    }
}
