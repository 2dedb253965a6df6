package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.patientgate.support.Hl7Messages;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jms.core.JmsTemplate;

/**
 * The normalization stage in the running hub: an acknowledged message becomes a stored canonical
 * bundle and is handed on to {@code hub.normalize.bundles}; a message the mappings reject is
 * dead-lettered with the reason, and after the mapping is fixed and reloaded its replay goes
 * through; a reload of a broken folder is refused with every error and changes nothing.
 */
class NormalizePipelineIT extends HubIntegrationTest {

    @Autowired
    JmsTemplate jms;

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

        await().atMost(Duration.ofSeconds(10))
                .until(() -> jms.browse(
                        "hub.normalize.bundles",
                        (session, browser) -> Collections.list(browser.getEnumeration()).stream()
                                .anyMatch(m -> {
                                    try {
                                        return id.equals(((jakarta.jms.TextMessage) m).getText());
                                    } catch (jakarta.jms.JMSException e) {
                                        return false;
                                    }
                                })));

        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).contains("hub_normalize_messages_total{outcome=\"normalized\",structure=\"ORU_R01\"}");
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
}
