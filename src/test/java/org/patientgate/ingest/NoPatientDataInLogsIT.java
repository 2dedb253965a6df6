package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.pid;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Whatever a sender puts in a message, accepted, refused, unparseable or garbage, none of its
 * content reaches the hub's log.
 */
@ExtendWith(OutputCaptureExtension.class)
class NoPatientDataInLogsIT extends HubIntegrationTest {

    private static final String NAME = "QZXSECRETFAMILY";
    private static final String VALUE = "QZXSECRETVALUE";

    @Test
    void logsCarryNoMessageContent(CapturedOutput output) throws Exception {
        try (MllpTestClient client = mllp()) {
            // accepted
            client.sendText(
                    msh("ORU^R01", "2.5.1", "LOG1") + pid("M1", NAME + "^ANN") + obr() + obx("NM", "7", "F"),
                    StandardCharsets.ISO_8859_1);
            // refused: data type error on the value
            client.sendText(
                    msh("ORU^R01", "2.5.1", "LOG2") + pid("M1", NAME + "^ANN") + obr() + obx("NM", VALUE, "F"),
                    StandardCharsets.ISO_8859_1);
            // refused: unsupported type
            client.sendText(msh("ZZZ^Z01", "2.5.1", "LOG3") + pid("M1", NAME + "^ANN"), StandardCharsets.ISO_8859_1);
        }
        try (MllpTestClient client = mllp()) {
            client.send(("garbage " + NAME + " " + VALUE).getBytes(StandardCharsets.US_ASCII));
        }
        HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/Patient"))
                                .header("Content-Type", "application/fhir+json")
                                .header("Authorization", "Bearer " + FHIR_TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":" + NAME + "}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        OperationsApi api = new OperationsApi(baseUrl(), API_TOKEN);
        await().atMost(Duration.ofSeconds(30)).until(() -> "PROCESSED"
                .equals(api.messageByControlId("LOG1").get("status").asText()));

        assertThat(output.getAll()).contains("Refused message on channel");
        assertThat(output.getAll()).doesNotContain(NAME).doesNotContain(VALUE);
    }
}
