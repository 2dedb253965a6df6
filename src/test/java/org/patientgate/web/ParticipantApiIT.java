package org.patientgate.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.ledger.web3j.Web3jLedger;
import org.patientgate.participant.Participant;
import org.patientgate.participant.Participants;
import org.patientgate.participant.PatientLinks;
import org.patientgate.protect.IdentifierBlinding;
import org.patientgate.support.HubIntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * Participants on the running hub (docs/PROTECT-API.md): registration by personal signature, a
 * patient's ledger registration relayed through the outbox to the embedded chain, sign-in by signed
 * challenge, who may cross into whose API (engineers, patients, nodes), and enrolment codes linking a
 * hospital identifier to exactly one patient. The client side is a wallet: a web3j key pair and
 * java.net.http.
 */
@ExtendWith(OutputCaptureExtension.class)
class ParticipantApiIT extends HubIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    Web3jLedger ledger;

    @Autowired
    ParticipantLedger participantLedger;

    @Autowired
    LedgerOutbox outbox;

    @Autowired
    PatientLinks patientLinks;

    @Autowired
    IdentifierBlinding blinding;

    @Autowired
    Participants participants;

    @Autowired
    DataSource dataSource;

    @Autowired
    ConfigurableApplicationContext context;

    // ------------------------------------------------------------------ registration

    @Test
    void registration_isCreatedOnce_theSameAgainIs200_anotherKeyIs409_andAForeignSignatureIs400() throws Exception {
        Wallet node = new Wallet();

        Response created = register(node, "NODE", "Clinic A", null);
        Response again = register(node, "NODE", "Clinic A", null);
        Response lookedUp = get("/api/participants/" + node.address, null);

        assertThat(created.status).isEqualTo(201);
        assertThat(created.body.path("address").asText()).isEqualTo(node.address);
        assertThat(created.body.path("role").asText()).isEqualTo("NODE");
        assertThat(created.body.path("encryptionKey").asText()).isEqualTo(node.encryptionKey);
        assertThat(created.body.path("name").asText()).isEqualTo("Clinic A");
        assertThat(Instant.parse(created.body.path("registeredAt").asText()))
                .isBefore(Instant.now().plusSeconds(1));
        assertThat(again.status).isEqualTo(200);
        assertThat(again.body).isEqualTo(created.body);
        assertThat(lookedUp.status).isEqualTo(200);
        assertThat(lookedUp.body).isEqualTo(created.body);

        Wallet sameAddressOtherKey = node.withNewEncryptionKey();
        Response conflict = register(sameAddressOtherKey, "NODE", "Clinic A", null);
        assertThat(conflict.status).isEqualTo(409);
        assertThat(conflict.problem()).isTrue();
        assertThat(get("/api/participants/" + node.address, null)
                        .body
                        .path("encryptionKey")
                        .asText())
                .isEqualTo(node.encryptionKey);

        Wallet victim = new Wallet();
        Wallet forger = new Wallet();
        ObjectNode forged = registration(victim, "NODE", null);
        forged.put(
                "signature", forger.personalSign(registrationText(victim.address, "NODE", victim.encryptionKey, null)));
        Response refused = post("/api/participants", forged, null);
        assertThat(refused.status).isEqualTo(400);
        assertThat(refused.problem()).isTrue();
        assertThat(refused.body.path("detail").asText()).contains("signature");
        assertThat(get("/api/participants/" + victim.address, null).status).isEqualTo(404);
    }

    @Test
    void aPatientsLedgerRegistration_isQueuedWithTheRecord_andReachesTheRegistry() throws Exception {
        Wallet patient = new Wallet();
        Response terms = get("/api/participants/registration-terms?address=" + patient.address, null);
        assertThat(terms.status).isEqualTo(200);
        assertThat(terms.body.path("chainId").asLong()).isEqualTo(31337);
        assertThat(terms.body.path("verifyingContract").asText())
                .isEqualTo(ledger.status().contracts().get("ParticipantRegistry"));
        assertThat(terms.body.path("name").asText()).isEqualTo(Eip712.REGISTRY_NAME);
        assertThat(terms.body.path("version").asText()).isEqualTo(Eip712.VERSION);
        assertThat(terms.body.path("nonce").asLong()).isZero();

        BigInteger deadline = BigInteger.valueOf(Instant.now().getEpochSecond() + 3600);
        byte[] digest = Eip712.digest(
                Eip712.domainSeparator(
                        terms.body.path("name").asText(),
                        terms.body.path("chainId").asLong(),
                        terms.body.path("verifyingContract").asText()),
                Eip712.registration(
                        patient.address,
                        patient.encryptionKeyBytes,
                        new byte[32],
                        terms.body.path("nonce").bigIntegerValue(),
                        deadline));
        ObjectNode ledgerPart = JSON.createObjectNode();
        ledgerPart.put("deadline", deadline);
        ledgerPart.put("signature", B64.encodeToString(Eip712.sign(digest, patient.key)));

        Response created = register(patient, "PATIENT", null, ledgerPart);

        assertThat(created.status).isEqualTo(201);
        assertThat(created.body.path("role").asText()).isEqualTo("PATIENT");
        assertThat(created.body.path("name").isNull()).isTrue();
        String dedupeKey = new LedgerWrite.RegisterPatient(
                        "", patient.address, patient.encryptionKeyBytes, new byte[32], false, deadline, new byte[65])
                .dedupeKey();
        Map<String, Object> row =
                jdbc().queryForMap("SELECT signer, kind FROM ledger_outbox WHERE dedupe_key = ?", dedupeKey);
        assertThat(row).containsEntry("kind", "REGISTER_PATIENT").containsEntry("signer", "ledger.institution.local");

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(participantLedger.patientKey(patient.address))
                        .hasValueSatisfying(k -> assertThat(k).isEqualTo(patient.encryptionKeyBytes)));
        assertThat(outbox.find(dedupeKey))
                .hasValueSatisfying(w -> assertThat(w.status()).isEqualTo("DONE"));
        assertThat(get("/api/participants/registration-terms?address=" + patient.address, null)
                        .body
                        .path("nonce")
                        .asLong())
                .isEqualTo(1);

        // the same registration again (its nonce now spent) is still the same registration
        assertThat(register(patient, "PATIENT", null, ledgerPart).status).isEqualTo(200);
        assertThat(jdbc().queryForObject(
                                "SELECT count(*) FROM ledger_outbox WHERE dedupe_key = ?", Long.class, dedupeKey))
                .isEqualTo(1);
    }

    // ------------------------------------------------------------------ sessions

    @Test
    void signIn_byChallengeAndToken_opensThePatientsApi_andAChallengeIsGoodOnce(CapturedOutput output)
            throws Exception {
        Wallet patient = registered("PATIENT");
        JsonNode challenge = challenge(patient);
        assertThat(challenge.path("message").asText())
                .contains(patient.address)
                .contains(challenge.path("challenge").asText());
        Instant expiresAt = Instant.parse(challenge.path("expiresAt").asText());
        assertThat(expiresAt)
                .isBetween(Instant.now().plusSeconds(240), Instant.now().plusSeconds(301));
        ObjectNode answer = answer(patient, challenge, patient);

        Response token = post("/api/auth/token", answer, null);

        assertThat(token.status).isEqualTo(200);
        String session = token.body.path("token").asText();
        assertThat(Base64.getUrlDecoder().decode(session)).hasSize(32);
        assertThat(Instant.parse(token.body.path("expiresAt").asText()))
                .isBetween(Instant.now().plusSeconds(14 * 60), Instant.now().plusSeconds(15 * 60 + 1));
        Response authorised = linkCode(session, "AAAA-AAAA-AA");
        assertThat(authorised.status).isEqualTo(400); // past the session guard: the code is what is wrong
        assertThat(authorised.body.path("detail").asText()).contains("enrolment code");

        Response reused = post("/api/auth/token", answer, null);
        assertThat(reused.status).isEqualTo(401);
        assertThat(reused.problem()).isTrue();
        assertThat(output.getAll()).doesNotContain(session);
    }

    @Test
    void aChallengeAnsweredByAnotherKey_orForAnotherAddress_isRefused() throws Exception {
        Wallet patient = registered("PATIENT");
        Wallet other = registered("PATIENT");
        JsonNode challenge = challenge(patient);

        Response forged = post("/api/auth/token", answer(patient, challenge, other), null);
        ObjectNode claimsOther = answer(other, challenge, other);
        claimsOther.put(
                "signature", other.personalSign(challenge.path("message").asText()));
        Response borrowed = post("/api/auth/token", claimsOther, null);

        assertThat(forged.status).isEqualTo(401);
        assertThat(borrowed.status).isEqualTo(401);
        // the refusals did not spend it: its own key can still answer
        assertThat(post("/api/auth/token", answer(patient, challenge, patient), null).status)
                .isEqualTo(200);
        assertThat(post("/api/auth/challenge", JSON.createObjectNode().put("address", new Wallet().address), null)
                        .status)
                .isEqualTo(404);
    }

    @Test
    void noUnknownOrExpiredToken_opensThePatientsApi() throws Exception {
        Wallet patient = registered("PATIENT");
        String session = signIn(patient);
        assertThat(linkCode(session, "AAAA-AAAA-AA").status).isEqualTo(400);

        // time passes: the session's end moves into the past (stored by the token's SHA-256 only)
        assertThat(jdbc().update(
                                "UPDATE participant_session SET expires_at = now() - interval '1 second' WHERE token_hash = ?",
                                sha256(Base64.getUrlDecoder().decode(session))))
                .isEqualTo(1);
        Response expired = linkCode(session, "AAAA-AAAA-AA");
        Response unknown = linkCode(B64.encodeToString(random(32)), "AAAA-AAAA-AA");
        Response none = linkCode(null, "AAAA-AAAA-AA");

        for (Response r : List.of(expired, unknown, none)) {
            assertThat(r.status).isEqualTo(401);
            assertThat(r.problem()).isTrue();
            assertThat(r.header("WWW-Authenticate")).contains("Bearer");
        }
    }

    @Test
    void aNodeSession_isRefusedOnThePatientsApi() throws Exception {
        Wallet node = registered("NODE");
        String session = signIn(node);

        Response refused = linkCode(session, "AAAA-AAAA-AA");

        assertThat(refused.status).isEqualTo(403);
        assertThat(refused.problem()).isTrue();
    }

    @Test
    void theOperationsTokenIsNoSession_andASessionIsNoOperationsToken() throws Exception {
        String session = signIn(registered("PATIENT"));
        ObjectNode identifier =
                JSON.createObjectNode().put("system", "urn:oid:1.2.3").put("value", "X1");

        assertThat(linkCode(API_TOKEN, "AAAA-AAAA-AA").status).isEqualTo(401);
        assertThat(get("/api/protect/reports", API_TOKEN).status).isEqualTo(401);
        assertThat(get("/api/messages", session).status).isEqualTo(401);
        assertThat(get("/api/ledger/status", session).status).isEqualTo(401);
        assertThat(post("/api/enrolment-codes", identifier, session).status).isEqualTo(401);
        assertThat(post("/api/protect/kek/rotate", JSON.createObjectNode(), session).status)
                .isEqualTo(401);
        // the engineers' paths still take the operations token
        assertThat(get("/api/messages", API_TOKEN).status).isEqualTo(200);
        assertThat(post("/api/enrolment-codes", identifier, API_TOKEN).status).isEqualTo(201);
    }

    // ------------------------------------------------------------------ enrolment

    @Test
    void anEnrolmentCode_linksItsIdentifierOnce_toOnePatient_andTellsTheListeners(CapturedOutput output)
            throws Exception {
        String system = "urn:oid:2.16.840.1.113883.19.5";
        String value = "MRN-" + Long.toHexString(RANDOM.nextLong());
        byte[] blinded = blinding.blind(system, value);
        List<Object[]> told = new CopyOnWriteArrayList<>();
        PatientLinks.Listener listener = (identifier, patient) -> told.add(new Object[] {identifier, patient});
        String listenerName = "participantApiITListener";
        DefaultListableBeanFactory beans = (DefaultListableBeanFactory) context.getBeanFactory();
        beans.registerSingleton(listenerName, listener);
        try {
            Wallet alice = registered("PATIENT");
            Wallet bob = registered("PATIENT");
            String aliceSession = signIn(alice);
            String bobSession = signIn(bob);

            Response issued = issueCode(system, value);
            assertThat(issued.status).isEqualTo(201);
            String code = issued.body.path("code").asText();
            assertThat(code).matches("[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}");
            assertThat(Instant.parse(issued.body.path("expiresAt").asText()))
                    .isAfter(Instant.now().plus(Duration.ofDays(29)));
            assertThat(patientLinks.patientFor(blinded)).isEmpty();

            Response linked = linkCode(aliceSession, code.toLowerCase(java.util.Locale.ROOT));

            assertThat(linked.status).isEqualTo(201);
            assertThat(linked.body.path("patient").asText()).isEqualTo(alice.address);
            assertThat(patientLinks.patientFor(blinded)).contains(alice.address);
            // the protection stage's batch reads: one query for many identifiers, one for many patients
            byte[] unlinked = blinding.blind(system, value + "-other");
            assertThat(patientLinks.patientsFor(List.of(blinded, unlinked)))
                    .containsOnly(Map.entry(java.util.HexFormat.of().formatHex(blinded), alice.address));
            assertThat(participants.findAll(List.of(alice.address, bob.address, "0x" + "0".repeat(40))))
                    .containsOnlyKeys(alice.address, bob.address)
                    .hasEntrySatisfying(alice.address, p -> assertThat(p.encryptionKey())
                            .isEqualTo(participants
                                    .find(alice.address)
                                    .orElseThrow()
                                    .encryptionKey()));
            assertThat(told).hasSize(1);
            assertThat((byte[]) told.get(0)[0]).isEqualTo(blinded);
            assertThat(((Participant) told.get(0)[1]).address()).isEqualTo(alice.address);

            Response reused = linkCode(aliceSession, code);
            assertThat(reused.status).isEqualTo(400);
            assertThat(reused.problem()).isTrue();

            Response bobsTry = linkCode(
                    bobSession, issueCode(system, value).body.path("code").asText());
            assertThat(bobsTry.status).isEqualTo(409);
            assertThat(bobsTry.problem()).isTrue();
            assertThat(patientLinks.patientFor(blinded)).contains(alice.address);
            assertThat(told).hasSize(1);

            String expiring = issueCode(system, value).body.path("code").asText();
            assertThat(jdbc().update(
                                    "UPDATE enrolment_code SET expires_at = now() - interval '1 second' WHERE code_hash = ?",
                                    sha256(expiring.replace("-", "").getBytes(StandardCharsets.US_ASCII))))
                    .isEqualTo(1);
            assertThat(linkCode(aliceSession, expiring).status).isEqualTo(400);

            Response secondCode = linkCode(
                    aliceSession, issueCode(system, value).body.path("code").asText());
            assertThat(secondCode.status).isEqualTo(200);
            assertThat(secondCode.body.path("patient").asText()).isEqualTo(alice.address);

            assertThat(output.getAll())
                    .doesNotContain(value)
                    .doesNotContain(code)
                    .doesNotContain(aliceSession);
            // kept as the SHA-256 of the code (and the blinded identifier), never the code itself
            assertThat(jdbc().queryForList(
                                    "SELECT identifier_hash FROM enrolment_code WHERE code_hash = ?",
                                    byte[].class,
                                    sha256(code.replace("-", "").getBytes(StandardCharsets.US_ASCII))))
                    .singleElement()
                    .isEqualTo(blinded);
        } finally {
            beans.destroySingleton(listenerName);
        }
    }

    @Test
    void enrolmentCodes_needTheOperationsToken_andAnIdentifierValue() throws Exception {
        ObjectNode identifier =
                JSON.createObjectNode().put("system", "urn:oid:1.2.3").put("value", "X1");

        assertThat(post("/api/enrolment-codes", identifier, null).status).isEqualTo(401);
        Response noValue =
                post("/api/enrolment-codes", JSON.createObjectNode().put("system", "urn:oid:1.2.3"), API_TOKEN);
        assertThat(noValue.status).isEqualTo(400);
        assertThat(noValue.problem()).isTrue();
    }

    // ------------------------------------------------------------------ the wallet side

    /** A participant's keys: secp256k1 (address, signatures) and an X25519 public key (random bytes here). */
    private static final class Wallet {
        final ECKeyPair key;
        final String address;
        final byte[] encryptionKeyBytes;
        final String encryptionKey;

        Wallet() {
            this(newKey(), random(32));
        }

        private Wallet(ECKeyPair key, byte[] encryptionKey) {
            this.key = key;
            this.address = "0x" + Keys.getAddress(key);
            this.encryptionKeyBytes = encryptionKey;
            this.encryptionKey = B64.encodeToString(encryptionKey);
        }

        Wallet withNewEncryptionKey() {
            return new Wallet(key, random(32));
        }

        /** What a wallet's personal_sign makes: r‖s‖v, base64url. */
        String personalSign(String message) {
            Sign.SignatureData d = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), key);
            byte[] rsv = new byte[65];
            System.arraycopy(d.getR(), 0, rsv, 0, 32);
            System.arraycopy(d.getS(), 0, rsv, 32, 32);
            rsv[64] = d.getV()[0];
            return B64.encodeToString(rsv);
        }

        private static ECKeyPair newKey() {
            try {
                return Keys.createEcKeyPair();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The registration text of docs/PROTECT-API.md, written out here independently of the hub's code. */
    private static String registrationText(String address, String role, String encryptionKey, String name) {
        return "PatientGate registration\naddress: " + address + "\nrole: " + role + "\nencryption-key: "
                + encryptionKey + "\nname: " + (name == null ? "" : name);
    }

    private static ObjectNode registration(Wallet w, String role, String name) {
        ObjectNode body = JSON.createObjectNode();
        body.put("address", w.address);
        body.put("role", role);
        body.put("encryptionKey", w.encryptionKey);
        if (name != null) {
            body.put("name", name);
        }
        body.put("signature", w.personalSign(registrationText(w.address, role, w.encryptionKey, name)));
        return body;
    }

    private Response register(Wallet w, String role, String name, ObjectNode ledgerPart) throws Exception {
        ObjectNode body = registration(w, role, name);
        if (ledgerPart != null) {
            body.set("ledger", ledgerPart);
        }
        return post("/api/participants", body, null);
    }

    private Wallet registered(String role) throws Exception {
        Wallet w = new Wallet();
        assertThat(register(w, role, role.equals("NODE") ? "Node " + w.address.substring(2, 8) : null, null).status)
                .isEqualTo(201);
        return w;
    }

    private JsonNode challenge(Wallet w) throws Exception {
        Response r = post("/api/auth/challenge", JSON.createObjectNode().put("address", w.address), null);
        assertThat(r.status).isEqualTo(200);
        return r.body;
    }

    private static ObjectNode answer(Wallet claimed, JsonNode challenge, Wallet signer) {
        return JSON.createObjectNode()
                .put("address", claimed.address)
                .put("challenge", challenge.path("challenge").asText())
                .put("signature", signer.personalSign(challenge.path("message").asText()));
    }

    private String signIn(Wallet w) throws Exception {
        Response r = post("/api/auth/token", answer(w, challenge(w), w), null);
        assertThat(r.status).isEqualTo(200);
        return r.body.path("token").asText();
    }

    private Response issueCode(String system, String value) throws Exception {
        return post(
                "/api/enrolment-codes",
                JSON.createObjectNode().put("system", system).put("value", value),
                API_TOKEN);
    }

    private Response linkCode(String bearer, String code) throws Exception {
        return post("/api/patients/me/identifiers", JSON.createObjectNode().put("code", code), bearer);
    }

    // ------------------------------------------------------------------ plumbing

    private record Response(int status, JsonNode body, HttpResponse<String> raw) {
        boolean problem() {
            return header("Content-Type").startsWith("application/problem+json")
                    && body.path("status").asInt() == status
                    && !body.path("detail").asText().isEmpty();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse("");
        }
    }

    private Response get(String path, String bearer) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET(), bearer);
    }

    private Response post(String path, JsonNode body, String bearer) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(baseUrl() + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))),
                bearer);
    }

    private Response send(HttpRequest.Builder request, String bearer) throws Exception {
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Response(response.statusCode(), body, response);
    }

    private JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource);
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
