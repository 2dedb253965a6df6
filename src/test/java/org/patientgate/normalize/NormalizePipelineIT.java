package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.patientgate.support.Hl7Messages;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The normalization stage in the running hub: an acknowledged message becomes a stored canonical
 * bundle and is handed on to {@code hub.normalize.bundles}; a message the mappings reject is
 * dead-lettered with the reason, and after the mapping is fixed and reloaded its replay goes
 * through; a reload of a broken folder is refused with every error and changes nothing.
 */
class NormalizePipelineIT extends HubIntegrationTest {

    @Autowired
    BundleStore bundleStore;

    private OperationsApi api() {
        return new OperationsApi(baseUrl(), API_TOKEN);
    }

    private String send(String message) throws Exception {
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            return msa1(ack);
        }
    }

    private static String msa1(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("MSA|")) {
                return segment.split("\\|", -1)[1];
            }
        }
        return "";
    }

    private JsonNode awaitStatus(String controlId, String status) {
        return await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> api().messageByControlId(controlId),
                        m -> m != null && status.equals(m.get("status").asText()));
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.patientgate.protect.PrivacyModule privacyModule;

    @Test
    void acknowledgedOruBecomesAStoredValidBundleHandedOnToTheNextStage() throws Exception {
        String controlId = "NORM-" + System.nanoTime();
        assertThat(send(Hl7Messages.oru("2.5.1", controlId))).isEqualTo("AA");
        JsonNode message = awaitStatus(controlId, "PROCESSED");
        String id = message.get("id").asText();

        OperationsApi.Response bundle = api().get("/api/messages/" + id + "/bundle");
        assertThat(bundle.status()).isEqualTo(200);
        JsonNode json = bundle.body();
        assertThat(json.get("type").asText()).isEqualTo("collection");
        List<String> types = json.findValuesAsText("resourceType");
        assertThat(types).contains("Patient", "DiagnosticReport", "Observation");
        JsonNode patient = json.get("entry").findParent("identifier");
        assertThat(json.toString()).contains("\"value\":\"MRN" + controlId + "\"");
        assertThat(patient).isNotNull();
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(new BundleValidator(FhirContext.forR4Cached()).errors(raw)).isEmpty();

        // Handed on: the next stage (protection) consumes hub.normalize.bundles and makes the report.
        java.util.UUID messageId = java.util.UUID.fromString(id);
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        privacyModule.reportsForMessages(List.of(messageId)).containsKey(messageId));

        String metrics = prometheus();
        assertThat(metrics).contains("hub_normalize_messages_total{outcome=\"normalized\",structure=\"ORU_R01\"}");
    }

    @Test
    void storedBundleIsValidatedOnDemandAndFindingsAreListed() throws Exception {
        String controlId = "NORMV-" + System.nanoTime();
        assertThat(send(Hl7Messages.oru("2.5.1", controlId))).isEqualTo("AA");
        String id = awaitStatus(controlId, "PROCESSED").get("id").asText();
        OperationsApi.Response valid = api().get("/api/messages/" + id + "/bundle/validation");
        assertThat(valid.status()).isEqualTo(200);
        assertThat(valid.body().get("valid").asBoolean()).isTrue();
        assertThat(valid.body().get("errors")).isEmpty();

        // A bundle the validator must refuse (an Observation without its required status and code),
        // stored over the bundle of a second message: the store keeps one bundle per message.
        String otherControlId = "NORMV2-" + System.nanoTime();
        assertThat(send(Hl7Messages.oru("2.5.1", otherControlId))).isEqualTo("AA");
        java.util.UUID broken = java.util.UUID.fromString(
                awaitStatus(otherControlId, "PROCESSED").get("id").asText());
        bundleStore.save(
                broken,
                new CanonicalBundle(
                        "b-" + broken,
                        "ORU_R01",
                        ("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"fullUrl\":" + "\"urn:uuid:"
                                        + broken + "\",\"resource\":{\"resourceType\":\"Observation\"}}]}")
                                .getBytes(StandardCharsets.UTF_8)));
        OperationsApi.Response invalid = api().get("/api/messages/" + broken + "/bundle/validation");
        assertThat(invalid.status()).isEqualTo(200);
        assertThat(invalid.body().get("valid").asBoolean()).isFalse();
        assertThat(invalid.body().get("errors").toString())
                .contains("Observation.status")
                .contains("Observation.code");

        assertThat(api().get("/api/messages/" + java.util.UUID.randomUUID() + "/bundle/validation")
                        .status())
                .isEqualTo(404);
        OperationsApi.Response missing = api().get("/api/messages/" + java.util.UUID.randomUUID() + "/bundle");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().path("detail").asText()).startsWith("no bundle for message ");
    }

    @Test
    void rejectedCodeIsDeadLetteredWithTheRuleAndReplayedAfterTheMappingIsFixed() throws Exception {
        String controlId = "NORMQ-" + System.nanoTime();
        String message = Hl7Messages.msh("ORU^R01^ORU_R01", "2.5.1", controlId)
                + Hl7Messages.pid("MRN" + controlId, "DOE^JANE")
                + "OBR|1|ORD1|FIL1|24331-1^Lipid panel^LN|||20261123090000" + "|".repeat(18) + "Q\r"
                + Hl7Messages.obx("NM", "937.25", "F");
        assertThat(send(message)).isEqualTo("AA");
        JsonNode dead = awaitStatus(controlId, "DEAD_LETTER");
        JsonNode detail = api().get("/api/messages/" + dead.get("id").asText()).body();
        // The reason names the rule and the table, never a value from the message.
        String reason = detail.get("message").get("failureReason").asText();
        assertThat(reason).contains("OBR-25").contains("v2-0123");
        assertThat(detail.toString()).doesNotContain("937.25").doesNotContain("JANE");

        Path table = MAPPINGS_DIR.resolve("vocabulary/v2-0123.csv");
        String original = Files.readString(table);
        try {
            Files.writeString(table, original + "Q,preliminary,Preliminary (a site's own code)\n");
            OperationsApi.Response reload = api().post("/api/mappings/reload");
            assertThat(reload.status()).isEqualTo(200);
            assertThat(api().post("/api/dead-letters/" + dead.get("id").asText() + "/replay")
                            .status())
                    .isEqualTo(200);
            // A processing-stage dead letter is requeued as it is: the same message, now processed.
            JsonNode replayed = awaitStatus(controlId, "PROCESSED");
            assertThat(replayed.get("id").asText()).isEqualTo(dead.get("id").asText());
            assertThat(replayed.get("replayedAt").isNull()).isFalse();
            assertThat(api().get("/api/messages/" + dead.get("id").asText() + "/bundle")
                            .status())
                    .isEqualTo(200);
        } finally {
            Files.writeString(table, original);
            api().post("/api/mappings/reload");
        }
    }

    @Test
    void reloadOfABrokenFolderIsRefusedWithEveryErrorAndTheRunningMappingsStay() throws Exception {
        Path obx = MAPPINGS_DIR.resolve("hl7v2/segment/OBX.yaml");
        String original = Files.readString(obx);
        try {
            Files.writeString(
                    obx, original.replace("    transform: obxValue", "    transform: obxValu\n    colour: red"));
            OperationsApi.Response reload = api().post("/api/mappings/reload");
            assertThat(reload.status()).isEqualTo(422);
            assertThat(reload.body().get("reloaded").asBoolean()).isFalse();
            List<String> errors = reload.body().get("errors").findValuesAsText("message");
            assertThat(errors).anyMatch(e -> e.contains("transform obxValu is not a known function"));
            assertThat(errors).anyMatch(e -> e.contains("unknown key colour"));
            assertThat(reload.body().get("errors").findValuesAsText("file")).contains("hl7v2/segment/OBX.yaml");

            String controlId = "NORMR-" + System.nanoTime();
            assertThat(send(Hl7Messages.oru("2.5.1", controlId))).isEqualTo("AA");
            awaitStatus(controlId, "PROCESSED");
        } finally {
            Files.writeString(obx, original);
            assertThat(api().post("/api/mappings/reload").status()).isEqualTo(200);
        }
    }

    @Test
    void enhancedModeSenderGetsAnApplicationErrorAcknowledgmentAtItsOwnListener() throws Exception {
        String controlId = "APPACK-" + System.nanoTime();
        // Enhanced mode: MSH-15 AL (commit ACK), MSH-16 ER (application ACK on errors only).
        String message = unmappableFromAppAckSys(controlId, "|||AL|ER");
        try (ServerSocket senderListener = new ServerSocket()) {
            senderListener.bind(new InetSocketAddress("127.0.0.1", APPLICATION_ACK_PORT));
            senderListener.setSoTimeout(30_000);
            assertThat(send(message)).as("the commit acknowledgment").isEqualTo("CA");
            String applicationAck;
            try (Socket connection = senderListener.accept()) {
                connection.setSoTimeout(10_000);
                applicationAck = readFrame(connection.getInputStream());
                // Answer as a sending system would: commit-accept the acknowledgment.
                connection
                        .getOutputStream()
                        .write(("\u000bMSH|^~\\&|APPACKSYS|GENHOSP|PATIENTGATE|HUB|20261123101600||ACK|R1|P|2.5.1\r"
                                        + "MSA|CA|" + field(applicationAck, "MSH", 10) + "\r\u001c\r")
                                .getBytes(StandardCharsets.ISO_8859_1));
                connection.getOutputStream().flush();
            }
            assertThat(field(applicationAck, "MSH", 3)).isEqualTo("PATIENTGATE");
            assertThat(field(applicationAck, "MSH", 5)).isEqualTo("APPACKSYS");
            assertThat(field(applicationAck, "MSH", 9)).startsWith("ACK");
            assertThat(field(applicationAck, "MSA", 1)).isEqualTo("AE");
            assertThat(field(applicationAck, "MSA", 2)).isEqualTo(controlId);
            // ERR-2 location OBR^^25, ERR-3 table 0357 code 103, ERR-4 severity E.
            assertThat(field(applicationAck, "ERR", 2)).isEqualTo("OBR^^25");
            assertThat(field(applicationAck, "ERR", 3)).startsWith("103^Table value not found^HL70357");
            assertThat(field(applicationAck, "ERR", 4)).isEqualTo("E");
            assertThat(applicationAck).doesNotContain("937.25").doesNotContain("JANE");
        }
        awaitStatus(controlId, "DEAD_LETTER");
        String metrics = prometheus();
        assertThat(metrics).containsPattern("hub_mllp_application_acks_total\\{[^}]*outcome=\"sent\"[^}]*\\} [1-9]");
    }

    @Test
    void originalModeSenderGetsNoApplicationAcknowledgment() throws Exception {
        String controlId = "APPACK-ORIG-" + System.nanoTime();
        String message = unmappableFromAppAckSys(controlId, "");
        try (ServerSocket senderListener = new ServerSocket()) {
            senderListener.bind(new InetSocketAddress("127.0.0.1", APPLICATION_ACK_PORT));
            senderListener.setSoTimeout(3_000);
            assertThat(send(message)).isEqualTo("AA");
            awaitStatus(controlId, "DEAD_LETTER");
            assertThatThrownBy(senderListener::accept).isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    private static String readFrame(InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        int b = in.read();
        assertThat(b).as("MLLP start block").isEqualTo(0x0b);
        while ((b = in.read()) != 0x1c) {
            assertThat(b).as("frame ended early").isNotEqualTo(-1);
            frame.write(b);
        }
        assertThat(in.read()).as("MLLP end block").isEqualTo(0x0d);
        return frame.toString(StandardCharsets.ISO_8859_1);
    }

    /** Field n of the first segment with the given id (MSH-n counted as the standard does). */
    private static String field(String message, String segmentId, int n) {
        for (String segment : message.split("\r")) {
            if (segment.startsWith(segmentId + "|")) {
                String[] fields = segment.split("\\|", -1);
                int index = "MSH".equals(segmentId) ? n - 1 : n;
                return index < fields.length ? fields[index] : "";
            }
        }
        return "";
    }

    /** An ORU^R01 from APPACKSYS whose OBR-25 no table maps; {@code mshTail} follows MSH-12. */
    private static String unmappableFromAppAckSys(String controlId, String mshTail) {
        return "MSH|^~\\&|APPACKSYS|GENHOSP|PATIENTGATE|HUB|20261123101500+0100||ORU^R01^ORU_R01|" + controlId
                + "|P|2.5.1" + mshTail + "\r"
                + Hl7Messages.pid("MRN" + controlId, "DOE^JANE")
                + "OBR|1|ORD1|FIL1|24331-1^Lipid panel^LN|||20261123090000" + "|".repeat(18) + "Q\r"
                + Hl7Messages.obx("NM", "937.25", "F");
    }

    private String prometheus() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
