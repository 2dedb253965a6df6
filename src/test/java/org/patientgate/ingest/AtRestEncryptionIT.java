package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.pid;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Encryption at rest in the running hub: a message sent over MLLP is stored with its raw payload and
 * its canonical bundle sealed (the database holds neither the patient's name nor the MSH, only the
 * sealed form), while the operations API still gives the integration engineer the clear content;
 * the same holds for a refused message in the dead-letter store.
 */
class AtRestEncryptionIT extends HubIntegrationTest {

    private static final byte[] MAGIC = {0, 'P', 'G', 1};

    @Autowired
    DataSource dataSource;

    private OperationsApi api() {
        return new OperationsApi(baseUrl(), API_TOKEN);
    }

    private static String marker() {
        return "ATRESTMARKER" + Long.toString(System.nanoTime(), 36).toUpperCase();
    }

    private String send(String message) throws Exception {
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            for (String segment : ack.split("\r")) {
                if (segment.startsWith("MSA|")) {
                    return segment.split("\\|", -1)[1];
                }
            }
            return "";
        }
    }

    private JsonNode awaitStatus(String controlId, String status) {
        return await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> api().messageByControlId(controlId),
                        m -> m != null && status.equals(m.get("status").asText()));
    }

    /** The column as PostgreSQL holds it, or null if there is no row. */
    private byte[] raw(String sql, UUID id) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    private static void assertSealedWithout(byte[] stored, String marker) {
        assertThat(stored).isNotNull().startsWith(MAGIC);
        assertThat(indexOf(stored, marker.getBytes(StandardCharsets.US_ASCII)))
                .as("marker bytes in the stored column")
                .isEqualTo(-1);
        assertThat(indexOf(stored, "MSH|".getBytes(StandardCharsets.US_ASCII))).isEqualTo(-1);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void acceptedMessageAndItsBundleAreSealedInTheDatabaseAndClearThroughTheApi() throws Exception {
        String marker = marker();
        String controlId = "ATREST-" + System.nanoTime();
        String message = msh("ORU^R01^ORU_R01", "2.5.1", controlId)
                + pid("MRN" + controlId, marker + "^JANE")
                + obr()
                + obx("NM", "182", "F");
        assertThat(send(message)).isEqualTo("AA");
        UUID id = UUID.fromString(awaitStatus(controlId, "PROCESSED").get("id").asText());

        assertSealedWithout(raw("SELECT payload FROM inbound_message WHERE id = ?", id), marker);
        byte[] bundle = await().atMost(Duration.ofSeconds(30))
                .until(() -> raw("SELECT bundle FROM canonical_bundle WHERE message_id = ?", id), b -> b != null);
        assertSealedWithout(bundle, marker);

        OperationsApi.Response content = api().get("/api/messages/" + id + "?includeContent=true");
        assertThat(content.status()).isEqualTo(200);
        assertThat(content.body().get("content").asText()).isEqualTo(message);
        OperationsApi.Response canonical = api().get("/api/messages/" + id + "/bundle");
        assertThat(canonical.status()).isEqualTo(200);
        assertThat(canonical.body().get("resourceType").asText()).isEqualTo("Bundle");
        assertThat(canonical.body().toString()).contains(marker);
    }

    @Test
    void deadLetterIsSealedInTheDatabaseAndClearThroughTheApi() throws Exception {
        String marker = marker();
        String controlId = "ATRESTDL-" + System.nanoTime();
        // Processing id D: valid, but this listener takes P and T only, so it is refused and kept.
        String message = msh("ORU^R01", "2.5.1", controlId, "D", "", "") + pid("M1", marker + "^JANE") + obr();
        assertThat(send(message)).isEqualTo("AR");
        UUID id =
                UUID.fromString(awaitStatus(controlId, "DEAD_LETTER").get("id").asText());

        assertSealedWithout(raw("SELECT payload FROM inbound_message WHERE id = ?", id), marker);

        OperationsApi.Response content = api().get("/api/messages/" + id + "?includeContent=true");
        assertThat(content.status()).isEqualTo(200);
        assertThat(content.body().get("content").asText()).isEqualTo(message);
        assertThat(api().get("/api/dead-letters?limit=500").body().toString()).contains(id.toString());
    }
}
