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
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.patientgate.protect.SubKeyString;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletException;
import org.patientgate.wallet.WalletKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The privacy module end to end over HTTP with the wallet (issue: privacy module): a report ingested
 * over MLLP before its patient enrolled is protected and held; the patient enrols with the hospital's
 * one-time code and decrypts it; a report arriving after enrolment is sealed to the patient directly;
 * the patient allocates a sub-key to institution A, which decrypts (claim 2); B without a sub-key, B
 * presenting A's sub-key, and A presenting a tampered one are refused with 403 OperationOutcomes, and
 * each refusal is in the report's audit (claim 3); after the patient revokes A's slot, A is refused.
 * Finally no byte of the report's content is anywhere in the data directory or the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class PrivacyEndToEndIT extends HubIntegrationTest {

    private static final String MARKER =
            "QZXPRIVACYMARKER" + Long.toHexString(System.nanoTime()).toUpperCase();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Value("${hub.data-dir}")
    Path dataDir;

    private String oru(String controlId, String mrn) {
        return msh("ORU^R01^ORU_R01", "2.5.1", controlId) + pid(mrn, MARKER + "^JANE") + obr() + obx("NM", "182", "F");
    }

    private Wallet wallet(Role role, String name) {
        Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create(baseUrl())));
        wallet.register(role, name);
        wallet.signIn();
        return wallet;
    }

    private void send(String message) throws Exception {
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.UTF_8).orElseThrow();
            assertThat(ack).contains("MSA|AA");
        }
    }

    private HttpResponse<String> http(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String mrIdentifierSystem(String message) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + API_TOKEN)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(message))
                .build();
        HttpResponse<String> converted = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(converted.statusCode()).isEqualTo(200);
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

    private static void assertRefused(Runnable call, String reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WalletException.class, e -> {
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.getMessage() + " " + e.diagnostics()).containsAnyOf(reason, reasonText(reason));
        });
    }

    private static String reasonText(String reason) {
        switch (reason) {
            case "NOT_HOLDER":
                return "not allocated to the caller";
            case "FORGED":
                return "does not open this report";
            case "REVOKED":
                return "revoked";
            default:
                return reason;
        }
    }

    @Test
    void aReportIsProtectedReadByItsPatientAndByNodesOnlyWithAValidSubKey(CapturedOutput output) throws Exception {
        String mrn = "MRNPRIV" + Long.toHexString(System.nanoTime());
        String first = oru("PRIV1-" + mrn, mrn);
        send(first);
        OperationsApi api = new OperationsApi(baseUrl(), API_TOKEN);
        await().atMost(Duration.ofSeconds(60)).until(() -> "PROCESSED"
                .equals(api.messageByControlId("PRIV1-" + mrn).path("status").asText()));

        // the patient registers, gets the hospital's one-time enrolment code and links the MRN
        Wallet patient = wallet(Role.PATIENT, null);
        Wallet nodeA = wallet(Role.NODE, "Institution A");
        Wallet nodeB = wallet(Role.NODE, "Institution B");
        String code = patient.hub()
                .enrolmentCode(API_TOKEN, mrIdentifierSystem(first), mrn)
                .code();
        // the report is protected and held for the patient (sealed to the institution) before they enrol
        await().atMost(Duration.ofSeconds(60)).until(() -> reportIsProtected("PRIV1-" + mrn));
        patient.linkIdentifier(code);
        List<HubClient.ProtectedReport> reports = patient.reports();
        assertThat(reports).hasSize(1);
        UUID held = reports.get(0).report();
        assertThat(reports.get(0).slots()).hasSize(9);

        // slot 0 with the module's half: the patient reads the report
        assertThat(new String(patient.decryptOwn(held), StandardCharsets.UTF_8))
                .contains(MARKER)
                .contains("\"Bundle\"");

        // a report after enrolment is sealed to the patient directly
        send(oru("PRIV2-" + mrn, mrn));
        await().atMost(Duration.ofSeconds(60)).until(() -> patient.reports().size() == 2);
        UUID report = patient.reports().stream()
                .map(HubClient.ProtectedReport::report)
                .filter(r -> !r.equals(held))
                .findFirst()
                .orElseThrow();
        assertThat(new String(patient.decryptOwn(report), StandardCharsets.UTF_8))
                .contains(MARKER);

        // claim 2: the patient allocates a sub-key to A, which decrypts
        int slot = patient.allocate(report, nodeA.address());
        List<SubKeyString> received = nodeA.receivedSubKeys();
        assertThat(received).extracting(SubKeyString::slot).containsExactly(slot);
        assertThat(new String(nodeA.decrypt(report), StandardCharsets.UTF_8)).contains(MARKER);
        SubKeyString aSubKey = received.get(0);

        // claim 3: B without a sub-key, B with A's, A with a tampered one
        HttpResponse<String> none = http(
                "POST",
                "/api/protect/decrypt",
                nodeB.hub().sessionToken().orElseThrow(),
                "{\"report\":\"" + report + "\"}");
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.headers().firstValue("Content-Type").orElse("")).contains("application/fhir+json");
        JsonNode outcome = JSON.readTree(none.body());
        assertThat(outcome.path("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.path("issue")
                        .get(0)
                        .path("details")
                        .path("coding")
                        .get(0)
                        .path("code")
                        .asText())
                .isEqualTo("NO_SUBKEY");
        assertRefused(() -> nodeB.decryptWith(report, aSubKey), "NOT_HOLDER");
        byte[] tampered = aSubKey.secret().clone();
        tampered[5] ^= 0x10;
        assertRefused(() -> nodeA.decryptWith(report, new SubKeyString(report, slot, tampered)), "FORGED");

        // the patient revokes A's slot; A's genuine sub-key is refused from then on
        patient.revoke(report, slot);
        assertRefused(() -> nodeA.decryptWith(report, aSubKey), "REVOKED");
        assertThat(nodeA.receivedSubKeys()).isEmpty();

        // every refusal is audited, with who and why
        HttpResponse<String> audit = http(
                "GET",
                "/api/protect/reports/" + report + "/audit",
                patient.hub().sessionToken().orElseThrow(),
                null);
        assertThat(audit.statusCode()).isEqualTo(200);
        List<String> denials = new ArrayList<>();
        for (JsonNode row : JSON.readTree(audit.body())) {
            if (row.path("outcome").asText().equals("DENIED")) {
                denials.add(
                        row.path("caller").asText() + ":" + row.path("reason").asText());
            }
        }
        assertThat(denials)
                .containsExactly(
                        nodeB.address() + ":NO_SUBKEY",
                        nodeB.address() + ":NOT_HOLDER",
                        nodeA.address() + ":FORGED",
                        nodeA.address() + ":REVOKED");
        // another patient cannot see this report at all
        Wallet stranger = wallet(Role.PATIENT, null);
        HttpResponse<String> foreign = http(
                "GET",
                "/api/protect/reports/" + report + "/subkeys",
                stranger.hub().sessionToken().orElseThrow(),
                null);
        assertThat(foreign.statusCode()).isEqualTo(404);

        // no plaintext anywhere the hub keeps things, nor in its log
        assertThat(filesContaining(dataDir, MARKER.getBytes(StandardCharsets.US_ASCII)))
                .isEmpty();
        assertThat(output.getAll()).doesNotContain(MARKER);
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.patientgate.protect.PrivacyModule module;

    private boolean reportIsProtected(String controlId) throws IOException, InterruptedException {
        OperationsApi api = new OperationsApi(baseUrl(), API_TOKEN);
        UUID message =
                UUID.fromString(api.messageByControlId(controlId).path("id").asText());
        return module.report(ProtectStage.reportId(message)).isPresent();
    }

    static List<Path> filesContaining(Path root, byte[] needle) throws IOException {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content;
                try {
                    content = Files.readAllBytes(file);
                } catch (IOException e) {
                    continue; // a file removed while walking (e.g. a rotated journal)
                }
                if (indexOf(content, needle) >= 0) {
                    hits.add(root.relativize(file));
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
