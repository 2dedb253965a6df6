package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.oru;
import static org.patientgate.support.Hl7Messages.pid;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patientgate.support.HubProcess;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;

/**
 * Kill -9 the packaged hub in the middle of a stream of messages, start it again on the same data
 * directory, and count: every message that got an AA is processed, exactly one row per control id,
 * and resending them all has no second effect. Also: a dead letter refused for a configuration
 * reason is replayed after the configuration is fixed.
 */
class HubRestartIT {

    private static final String TOKEN = "restart-it-" + Long.toHexString(System.nanoTime());
    private HubProcess hub;

    @AfterEach
    void stopHub() throws InterruptedException {
        if (hub != null) {
            hub.stop();
        }
    }

    @Test
    void everyAcknowledgedMessageIsProcessedOnceAfterAKill9() throws Exception {
        Path dataDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath(), "restart-");
        hub = new HubProcess(dataDir, TOKEN);
        hub.start();
        String refusedControlId = "A05-" + System.nanoTime();
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", hub.mllpPort())) {
            String ack = client.sendText(
                            msh("ADT^A05", "2.5.1", refusedControlId) + "EVN|A05\r" + pid("M5", "DOE^ANN"),
                            StandardCharsets.ISO_8859_1)
                    .orElseThrow();
            assertThat(MllpIngestIT.field(ack, "MSA", 1)).isEqualTo("AR");
        }

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch enough = new CountDownLatch(300);
        int senders = 4;
        Thread[] threads = new Thread[senders];
        for (int s = 0; s < senders; s++) {
            int sender = s;
            threads[s] = new Thread(() -> {
                try (MllpTestClient client = new MllpTestClient("127.0.0.1", hub.mllpPort())) {
                    for (int i = 0; !stop.get(); i++) {
                        String controlId = "K" + sender + "-" + i;
                        String ack = client.sendText(oru("2.5.1", controlId), StandardCharsets.ISO_8859_1)
                                .orElse(null);
                        if (ack == null) {
                            return;
                        }
                        if ("AA".equals(MllpIngestIT.field(ack, "MSA", 1))) {
                            acknowledged.add(controlId);
                            enough.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the hub was killed under this connection
                }
            });
            threads[s].start();
        }
        assertThat(enough.await(2, TimeUnit.MINUTES)).isTrue();
        hub.kill();
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        Set<String> acked = new HashSet<>(acknowledged);
        assertThat(acked).hasSizeGreaterThanOrEqualTo(300);

        hub.start("--hub.mllp.accepted-messages=ORU^R01,ADT^A01,ADT^A05");
        OperationsApi api = new OperationsApi(hub.baseUrl(), TOKEN);

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    long processed = 0;
                    for (String controlId : acked) {
                        JsonNode rows =
                                api.get("/api/messages?controlId=" + controlId).body();
                        assertThat(rows.size()).as("one row for %s", controlId).isEqualTo(1);
                        if ("PROCESSED".equals(rows.get(0).get("status").asText())) {
                            processed++;
                        }
                    }
                    assertThat(processed).isEqualTo(acked.size());
                });

        // A sender that never saw its AAs resends everything: each is a duplicate, nothing changes.
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", hub.mllpPort())) {
            for (String controlId : List.copyOf(acked).subList(0, 50)) {
                String ack = client.sendText(oru("2.5.1", controlId), StandardCharsets.ISO_8859_1)
                        .orElseThrow();
                assertThat(MllpIngestIT.field(ack, "MSA", 1)).isEqualTo("AA");
                assertThat(api.get("/api/messages?controlId=" + controlId)
                                .body()
                                .size())
                        .isEqualTo(1);
            }
        }

        // The configuration now takes ADT^A05: the dead letter is replayed and processed.
        JsonNode dead = api.messageByControlId(refusedControlId);
        assertThat(dead.get("status").asText()).isEqualTo("DEAD_LETTER");
        OperationsApi.Response replay =
                api.post("/api/dead-letters/" + dead.get("id").asText() + "/replay");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body().get("outcome").asText()).isEqualTo("REPLAYED");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode rows =
                    api.get("/api/messages?controlId=" + refusedControlId).body();
            assertThat(rows.findValuesAsText("status")).containsExactlyInAnyOrder("REPLAYED", "PROCESSED");
        });
    }
}
