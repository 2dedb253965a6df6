package org.patientgate.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.pid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.SigningDomain;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletException;
import org.patientgate.wallet.WalletKeys;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Consent escrow end to end on the running hub (issue: consent escrow): an ORU^R01 over MLLP for an
 * enrolled patient becomes an escrow entry, anchored on the embedded chain; the patient's inbox gets
 * the consent request (institution, report type and date, what publishing means, no content); the
 * patient's wallet releases it; the patient gets the confirmation with the transaction and the
 * institution the outcome, and the chain's event shows the entry released to the patient. A second
 * report is rejected and can never be decrypted again. Refusals (another patient's entry, a wrong key,
 * a past deadline, a replayed signature, a reused nonce) change nothing. A report for a patient who had
 * not enrolled is held and flows on once they enrol.
 */
class EscrowEndToEndIT extends HubIntegrationTest {

    private static final String MARKER =
            "QZXESCROWMARKER" + Long.toHexString(System.nanoTime()).toUpperCase();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    @Autowired
    EscrowLedger ledger;

    private String oru(String controlId, String mrn) {
        return msh("ORU^R01^ORU_R01", "2.5.1", controlId) + pid(mrn, MARKER + "^JANE") + obr() + obx("NM", "182", "F");
    }

    private void send(String message) throws Exception {
        try (MllpTestClient client = mllp()) {
            assertThat(client.sendText(message, StandardCharsets.UTF_8).orElseThrow())
                    .contains("MSA|AA");
        }
    }

    private Wallet patient() {
        Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create(baseUrl())));
        wallet.register(Role.PATIENT, null);
        wallet.signIn();
        return wallet;
    }

    /** Enrols the patient for an MRN with a one-time code (the hospital's identifier system). */
    private void enrol(Wallet patient, String mrn) throws Exception {
        String code =
                patient.hub().enrolmentCode(API_TOKEN, identifierSystem(), mrn).code();
        patient.linkIdentifier(code);
    }

    private String identifierSystem() throws Exception {
        return identifierSystem(oru("SYS-1", "X"));
    }

    /** The Patient identifier system the mappings make of this message's PID-3 (it can depend on the sender). */
    private String identifierSystem(String message) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + API_TOKEN)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(message))
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

    /** Waits for a notification of {@code kind}; the consent request's subject is the entry id. */
    private static HubClient.Notification notified(Wallet wallet, String kind, String subject) {
        HubClient.Notification[] found = new HubClient.Notification[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (HubClient.Notification n :
                    wallet.hub().notifications(null, 50, false).items()) {
                if (n.kind().equals(kind) && (subject == null || subject.equals(n.subject()))) {
                    found[0] = n;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private JsonNode institutionNotification(String kind, String entry) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/institution/notifications?limit=200"))
                .header("Authorization", "Bearer " + API_TOKEN)
                .build();
        JsonNode page = JSON.readTree(HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString())
                .body());
        for (JsonNode n : page.path("items")) {
            if (n.path("kind").asText().equals(kind)
                    && n.path("subject").asText().equals(entry)) {
                return n;
            }
        }
        return null;
    }

    private JsonNode ledgerEntry(String entry) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/ledger/entries/" + entry))
                .header("Authorization", "Bearer " + API_TOKEN)
                .build();
        return JSON.readTree(HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString())
                .body());
    }

    /** A signed decision: by {@code signer}, for {@code entry} as {@code patient} sees it. */
    private static Signed sign(
            Wallet signer, HubClient.EscrowEntry entry, boolean release, long deadline, BigInteger nonce) {
        SigningDomain domain = SigningDomain.escrow(entry.chainId(), entry.verifyingContract());
        byte[] signature = signer.signDecision(
                domain,
                HexFormat.of().parseHex(entry.entry().substring(2)),
                entry.intermediateAccount(),
                release,
                nonce,
                BigInteger.valueOf(deadline));
        return new Signed(release, nonce, BigInteger.valueOf(deadline), signature);
    }

    private record Signed(boolean release, BigInteger nonce, BigInteger deadline, byte[] signature) {}

    private static void decide(Wallet caller, String entry, Signed s) {
        caller.hub().decide(entry, s.release(), s.nonce(), s.deadline(), s.signature());
    }

    private static void assertRefused(Runnable call, int status, String reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WalletException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    private static long inMinutes(int minutes) {
        return Instant.now().plusSeconds(60L * minutes).getEpochSecond();
    }

    @Test
    void aReportWaitsForItsPatientWhoReleasesOrRejectsIt_andRefusalsChangeNothing() throws Exception {
        String mrn = "MRNESC" + Long.toHexString(System.nanoTime());
        Wallet patient = patient();
        Wallet other = patient();
        enrol(patient, mrn);

        send(oru("ESC1-" + mrn, mrn));

        // the entry is anchored, then the patient is asked to decide
        HubClient.Notification request = notified(patient, "consent-request", null);
        String entry = request.subject();
        assertThat(entry).matches("0x[0-9a-f]{64}");
        JsonNode body = request.body();
        assertThat(body.path("institution").path("address").asText()).isEqualTo(ledger.institutionAddress());
        assertThat(body.path("institution").path("name").asText()).isNotBlank();
        assertThat(body.path("report").path("type").asText()).isNotBlank();
        assertThat(body.path("report").path("date").asText()).isNotBlank();
        assertThat(body.path("publishing").asText()).contains("information-sharing account");
        assertThat(body.path("expiresAt").asText()).isNotBlank();
        assertThat(request.read()).isFalse();
        assertThat(request.toString() + body).doesNotContain(MARKER);

        HubClient.EscrowEntry view = patient.hub().escrowEntry(entry);
        assertThat(view.state()).isEqualTo("AWAITING");
        assertThat(view.intermediateAccount()).matches("0x[0-9a-f]{40}");
        assertThat(view.raw().path("anchor").path("status").asText()).isEqualTo("DONE");
        // the report is the patient's to review before deciding
        assertThat(new String(patient.decryptOwn(view.report()), StandardCharsets.UTF_8))
                .contains(MARKER);

        // refusals, each leaving the entry as it was
        assertRefused(() -> other.hub().escrowEntry(entry), 403, "another patient's");
        assertRefused(
                () -> decide(other, entry, sign(other, view, true, inMinutes(10), nonce())), 403, "another patient's");
        assertRefused(
                () -> decide(patient, entry, sign(other, view, true, inMinutes(10), nonce())),
                403,
                "not signed by the entry's patient");
        long past = Instant.now().minusSeconds(5).getEpochSecond();
        assertRefused(
                () -> decide(patient, entry, sign(patient, view, true, past, nonce())), 400, "deadline has passed");
        Signed tampered = sign(patient, view, false, inMinutes(10), nonce());
        assertRefused(
                () -> decide(
                        patient, entry, new Signed(true, tampered.nonce(), tampered.deadline(), tampered.signature())),
                403,
                "not signed by the entry's patient");
        assertThat(patient.hub().escrowEntry(entry).state()).isEqualTo("AWAITING");

        // the patient releases
        Signed release = sign(patient, view, true, inMinutes(10), nonce());
        decide(patient, entry, release);
        assertThat(patient.hub().escrowEntry(entry).state()).isIn("DECIDING", "RELEASED");
        assertRefused(() -> decide(patient, entry, release), 409, "already");

        // feedback (claim 5): the patient with the transaction, the institution on its own channel
        HubClient.Notification confirmed = notified(patient, "release-confirmed", entry);
        String tx = confirmed.body().path("transaction").asText();
        assertThat(tx).matches("0x[0-9a-f]{64}");
        assertThat(confirmed.body().path("sharingAccount").asText()).isEqualTo(patient.address());
        await().atMost(Duration.ofSeconds(30)).until(() -> institutionNotification("escrow-outcome", entry) != null);
        assertThat(institutionNotification("escrow-outcome", entry)
                        .path("body")
                        .path("outcome")
                        .asText())
                .isEqualTo("RELEASED");
        // the chain's event says released, to the patient's sharing account
        JsonNode onChain = ledgerEntry(entry);
        assertThat(onChain.path("decision").asText()).isEqualTo("RELEASED");
        assertThat(patient.hub().escrowEntry(entry).state()).isEqualTo("RELEASED");
        assertThat(patient.hub().escrowEntry(entry).decisionTx()).isEqualTo(tx);
        // the released report is still the patient's to read
        assertThat(new String(patient.decryptOwn(view.report()), StandardCharsets.UTF_8))
                .contains(MARKER);

        // inbox: read/unread and paging
        long unread = patient.hub().notifications(null, 50, true).items().size();
        patient.hub().markRead(request.id());
        assertThat(patient.hub().notifications(null, 50, true).items()).hasSize((int) unread - 1);
        HubClient.Notifications first = patient.hub().notifications(null, 1, false);
        assertThat(first.items()).hasSize(1);
        assertThat(first.next()).isNotNull();
        assertThat(patient.hub()
                        .notifications(first.next(), 1, false)
                        .items()
                        .get(0)
                        .id())
                .isLessThan(first.items().get(0).id());
        assertThat(other.hub().notifications(null, 50, false).items()).isEmpty();

        // a second report: the patient rejects it, and its keys are destroyed
        send(oru("ESC2-" + mrn, mrn));
        String rejected = findOther(patient, entry).subject();
        HubClient.EscrowEntry rejectedView = patient.hub().escrowEntry(rejected);
        // a nonce used once is refused for another decision of the same patient
        assertRefused(
                () -> decide(patient, rejected, sign(patient, rejectedView, false, inMinutes(10), release.nonce())),
                409,
                "already used");
        decide(patient, rejected, sign(patient, rejectedView, false, inMinutes(10), nonce()));
        HubClient.Notification refusedFeedback = notified(patient, "rejection-confirmed", rejected);
        assertThat(refusedFeedback.body().path("keysDestroyed").asBoolean()).isTrue();
        assertThat(patient.hub().escrowEntry(rejected).state()).isEqualTo("REJECTED");
        assertThatThrownBy(() -> patient.decryptOwn(rejectedView.report())).isInstanceOf(WalletException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> institutionNotification("escrow-outcome", rejected) != null);
    }

    /** The consent request for an entry other than {@code known}, if one has arrived. */
    private static HubClient.Notification findOther(Wallet patient, String known) {
        HubClient.Notification[] found = new HubClient.Notification[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Optional<HubClient.Notification> n = patient.hub().notifications(null, 50, false).items().stream()
                    .filter(x ->
                            x.kind().equals("consent-request") && !x.subject().equals(known))
                    .findFirst();
            n.ifPresent(x -> found[0] = x);
            return n.isPresent();
        });
        return found[0];
    }

    @Test
    void aReportForAPatientWhoHasNotEnrolledIsHeldThenFlowsOnOnceTheyEnrol_andItsSenderHearsTheOutcome()
            throws Exception {
        String mrn = "MRNHELD" + Long.toHexString(System.nanoTime());
        String controlId = "HELD1-" + mrn;
        // an enhanced-mode sender asking for application acknowledgments always (MSH-15 AL, MSH-16 AL)
        String message = "MSH|^~\\&|APPACKSYS|GENHOSP|PATIENTGATE|HUB|20261123101500+0100||ORU^R01^ORU_R01|" + controlId
                + "|P|2.5.1|||AL|AL\r" + pid(mrn, MARKER + "^JANE") + obr() + obx("NM", "182", "F");
        try (MllpTestClient client = mllp()) {
            assertThat(client.sendText(message, StandardCharsets.UTF_8).orElseThrow())
                    .contains("MSA|CA|" + controlId);
        }
        Wallet patient = patient();
        String system = identifierSystem(message);
        // held: nothing for anyone to decide yet
        await().atMost(Duration.ofSeconds(30)).until(() -> heldReports(system, mrn) == 1);
        assertThat(patient.hub().notifications(null, 50, false).items()).isEmpty();

        patient.linkIdentifier(
                patient.hub().enrolmentCode(API_TOKEN, system, mrn).code());

        HubClient.Notification request = notified(patient, "consent-request", null);
        HubClient.EscrowEntry view = patient.hub().escrowEntry(request.subject());
        String outcomeAck;
        try (java.net.ServerSocket senderListener = new java.net.ServerSocket()) {
            senderListener.bind(new java.net.InetSocketAddress("127.0.0.1", APPLICATION_ACK_PORT));
            senderListener.setSoTimeout(60_000);
            decide(patient, view.entry(), sign(patient, view, true, inMinutes(10), nonce()));
            notified(patient, "release-confirmed", view.entry());
            try (java.net.Socket connection = senderListener.accept()) {
                connection.setSoTimeout(10_000);
                outcomeAck = readFrame(connection.getInputStream());
                connection
                        .getOutputStream()
                        .write(("\u000bMSH|^~\\&|APPACKSYS|GENHOSP|PATIENTGATE|HUB|20261123101600||ACK|R1|P|2.5.1\r"
                                        + "MSA|CA|" + org.patientgate.support.Hl7Messages.field(outcomeAck, "MSH", 10)
                                        + "\r\u001c\r")
                                .getBytes(StandardCharsets.ISO_8859_1));
                connection.getOutputStream().flush();
            }
        }
        assertThat(heldReports(system, mrn)).isZero();
        // the sender hears the outcome: ACK AA for its message, the outcome in MSA-3 and an informational ERR
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "MSH", 5))
                .isEqualTo("APPACKSYS");
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "MSA", 1))
                .isEqualTo("AA");
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "MSA", 2))
                .isEqualTo(controlId);
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "ERR", 3))
                .startsWith("0^Message accepted^HL70357");
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "ERR", 4))
                .isEqualTo("I");
        assertThat(org.patientgate.support.Hl7Messages.field(outcomeAck, "ERR", 8))
                .contains("released by the patient")
                .contains(view.entry());
        assertThat(outcomeAck).doesNotContain(MARKER);
    }

    private static String readFrame(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        assertThat(in.read()).as("MLLP start block").isEqualTo(0x0b);
        int b;
        while ((b = in.read()) != 0x1c) {
            assertThat(b).as("frame ended early").isNotEqualTo(-1);
            frame.write(b);
        }
        return frame.toString(StandardCharsets.ISO_8859_1);
    }

    @Autowired
    javax.sql.DataSource dataSource;

    @Autowired
    org.patientgate.protect.IdentifierBlinding blinding;

    private int heldReports(String system, String mrn) {
        byte[] ref = blinding.blind(system, mrn);
        return new org.springframework.jdbc.core.JdbcTemplate(dataSource)
                .queryForObject(
                        "SELECT count(*) FROM escrow_report WHERE patient_ref = ? AND state = 'HELD'",
                        Integer.class,
                        ref);
    }

    @Test
    void theLiveStreamCarriesEachNotificationOnceAndResumesAfterTheLastEventId() throws Exception {
        String mrn = "MRNSSE" + Long.toHexString(System.nanoTime());
        Wallet patient = patient();
        enrol(patient, mrn);
        String token = patient.hub().sessionToken().orElseThrow();
        assertThat(openStream(null, null).statusCode()).isEqualTo(401);

        String consentId;
        String entry;
        try (EventStream stream = new EventStream(openStream(token, null))) {
            send(oru("SSE1-" + mrn, mrn));
            java.util.Map<String, String> event = stream.next("consent-request");
            consentId = event.get("id");
            JsonNode data = JSON.readTree(event.get("data"));
            entry = data.path("subject").asText();
            assertThat(data.path("id").asText()).isEqualTo(consentId);
            assertThat(data.path("body").path("entry").asText()).isEqualTo(entry);
            assertThat(event.get("data")).doesNotContain(MARKER);
        }
        // while no stream is open the patient releases; the confirmation is written meanwhile
        HubClient.EscrowEntry view = patient.hub().escrowEntry(entry);
        decide(patient, entry, sign(patient, view, true, inMinutes(10), nonce()));
        HubClient.Notification confirmed = notified(patient, "release-confirmed", entry);

        // resuming after the consent request gives the confirmation first, and nothing twice
        try (EventStream stream = new EventStream(openStream(token, consentId))) {
            java.util.Map<String, String> event = stream.next(null);
            assertThat(event.get("event")).isEqualTo("release-confirmed");
            assertThat(event.get("id")).isEqualTo(Long.toString(confirmed.id()));
        }
    }

    private HttpResponse<java.util.stream.Stream<String>> openStream(String token, String lastEventId)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(baseUrl() + "/api/patients/me/notifications/stream"))
                .header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofLines());
    }

    /** Reads Server-Sent Events on a thread of its own into a queue. */
    private static final class EventStream implements AutoCloseable {
        private final java.util.concurrent.BlockingQueue<java.util.Map<String, String>> events =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.stream.Stream<String> lines;

        EventStream(HttpResponse<java.util.stream.Stream<String>> response) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            lines = response.body();
            Thread reader = new Thread(() -> {
                java.util.Map<String, String> current = new java.util.HashMap<>();
                try {
                    lines.forEach(line -> {
                        if (line.isEmpty()) {
                            if (!current.isEmpty()) {
                                events.add(new java.util.HashMap<>(current));
                                current.clear();
                            }
                        } else if (!line.startsWith(":")) {
                            int colon = line.indexOf(':');
                            String field = colon < 0 ? line : line.substring(0, colon);
                            String value =
                                    colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                            current.merge(field, value, (a, b) -> a + "\n" + b);
                        }
                    });
                } catch (RuntimeException e) {
                    // the stream was closed
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** The next event (of {@code name}, skipping others, when given); fails after 60 s. */
        java.util.Map<String, String> next(String name) throws InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end) {
                java.util.Map<String, String> event =
                        events.poll(end - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (event != null && (name == null || name.equals(event.get("event")))) {
                    return event;
                }
            }
            throw new AssertionError("no " + (name == null ? "event" : name + " event") + " within 60 s");
        }

        @Override
        public void close() {
            lines.close();
        }
    }

    private static BigInteger nonce() {
        return new BigInteger(256, RANDOM);
    }
}
