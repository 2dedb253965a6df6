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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletException;
import org.patientgate.wallet.WalletKeys;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The escrow's deadlines on a hub of its own with short ones (issue: consent escrow): an entry nobody
 * decides on expires on the chain when its batch's time to decide ends, and every module half of its
 * data key is deleted (the patient and the institution are told); a report held for a patient who
 * never enrols is shredded when its hold ends, and the institution is told.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class EscrowDeadlinesIT {

    private static final String TOKEN = "deadlines-" + Long.toHexString(System.nanoTime());
    private static final int MLLP_PORT = HubIntegrationTest.freePort();
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int httpPort;

    @Autowired
    PrivacyModule module;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path dataDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath(), "deadlines-");
        registry.add("hub.data-dir", dataDir::toString);
        registry.add("hub.mllp.port", () -> MLLP_PORT);
        registry.add("hub.mllp.host", () -> "127.0.0.1");
        registry.add("hub.api.token", () -> TOKEN);
        registry.add("hub.fhir.token", () -> TOKEN);
        registry.add("hub.ledger.batch.escrow-period", () -> "12s");
        registry.add("hub.escrow.hold-for", () -> "4s");
        registry.add("hub.escrow.poll-interval", () -> "200ms");
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    private static String oru(String controlId, String mrn) {
        return msh("ORU^R01^ORU_R01", "2.5.1", controlId) + pid(mrn, "DOE^JANE") + obr() + obx("NM", "182", "F");
    }

    private static void send(String message) throws Exception {
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", MLLP_PORT)) {
            assertThat(client.sendText(message, StandardCharsets.UTF_8).orElseThrow())
                    .contains("MSA|AA");
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode institutionNotification(String kind, String subject) throws Exception {
        for (JsonNode n : get("/api/institution/notifications?limit=200").path("items")) {
            if (n.path("kind").asText().equals(kind)
                    && n.path("subject").asText().equals(subject)) {
                return n;
            }
        }
        return null;
    }

    private String identifierSystem() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + TOKEN)
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

    private static HubClient.Notification notified(Wallet wallet, String kind, String subject) {
        AtomicReference<HubClient.Notification> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            for (HubClient.Notification n :
                    wallet.hub().notifications(null, 50, false).items()) {
                if (n.kind().equals(kind) && (subject == null || subject.equals(n.subject()))) {
                    found.set(n);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    @Test
    void anUndecidedEntryExpiresOnTheChainAndIsShredded_andAHeldReportIsShreddedWhenItsHoldEnds() throws Exception {
        // a held report: its patient never enrols
        String strangerMrn = "MRNNEVER" + Long.toHexString(System.nanoTime());
        send(oru("NEVER-" + strangerMrn, strangerMrn));

        Wallet patient = new Wallet(WalletKeys.generate(), new HubClient(URI.create(baseUrl())));
        patient.register(Role.PATIENT, null);
        patient.signIn();
        String mrn = "MRNEXP" + Long.toHexString(System.nanoTime());
        patient.linkIdentifier(
                patient.hub().enrolmentCode(TOKEN, identifierSystem(), mrn).code());
        send(oru("EXP1-" + mrn, mrn));

        HubClient.Notification request = notified(patient, "consent-request", null);
        String entry = request.subject();
        HubClient.EscrowEntry view = patient.hub().escrowEntry(entry);
        assertThat(view.state()).isEqualTo("AWAITING");
        assertThat(view.expiresAt()).isNotNull();

        // nobody decides: the chain expires it, the keys are destroyed, both sides are told
        HubClient.Notification expired = notified(patient, "entry-expired", entry);
        assertThat(expired.body().path("outcome").asText()).isEqualTo("EXPIRED");
        assertThat(expired.body().path("transaction").asText()).matches("0x[0-9a-f]{64}");
        assertThat(expired.body().path("keysDestroyed").asBoolean()).isTrue();
        assertThat(patient.hub().escrowEntry(entry).state()).isEqualTo("EXPIRED");
        assertThat(get("/api/ledger/entries/" + entry).path("decision").asText())
                .isEqualTo("EXPIRED");
        assertThatThrownBy(() -> patient.decryptOwn(view.report())).isInstanceOf(WalletException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> institutionNotification("escrow-outcome", entry) != null);
        assertThat(institutionNotification("escrow-outcome", entry)
                        .path("body")
                        .path("outcome")
                        .asText())
                .isEqualTo("EXPIRED");

        // the held report's hold ended: shredded, recorded in its audit, and the institution told
        UUID held = UUID.fromString(get("/api/messages?controlId=NEVER-" + strangerMrn)
                .get(0)
                .path("id")
                .asText());
        UUID heldReport = ProtectStage.reportId(held);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> institutionNotification("hold-ended", heldReport.toString()) != null);
        JsonNode holdEnded = institutionNotification("hold-ended", heldReport.toString());
        assertThat(holdEnded.path("body").path("outcome").asText()).isEqualTo("HOLD_EXPIRED");
        assertThat(module.audit(heldReport)).anySatisfy(a -> {
            assertThat(a.action()).isEqualTo("SHRED");
            assertThat(a.caller()).isEqualTo("escrow:hold-ended");
        });
        assertThat(module.report(heldReport).orElseThrow().state()).isEqualTo("SHREDDED");
        assertThat(module.slots(heldReport)).isNotEmpty().allSatisfy(s -> assertThat(s.moduleHalf())
                .isNull());
    }
}
