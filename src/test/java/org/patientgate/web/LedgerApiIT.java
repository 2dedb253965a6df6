package org.patientgate.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.MerkleTree;
import org.patientgate.ledger.web3j.Web3jLedger;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.OperationsApi;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The ledger explorer on the running hub: the embedded chain started and its contracts deployed by
 * the hub itself, queued escrow entries anchored in a batch, and any entry's batch, root, proof and
 * anchoring transaction served to the integration engineer, with the contract's own proof check.
 */
class LedgerApiIT extends HubIntegrationTest {

    @Autowired
    EscrowAnchoring anchoring;

    @Autowired
    Web3jLedger ledger;

    private OperationsApi api() {
        return new OperationsApi(baseUrl(), API_TOKEN);
    }

    @Test
    void status_showsTheEmbeddedChainItsContractsAndTheOutbox() throws Exception {
        OperationsApi.Response r = api().get("/api/ledger/status");

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.body();
        assertThat(body.path("mode").asText()).isEqualTo("embedded-anvil");
        assertThat(body.path("chainId").asLong()).isEqualTo(31337);
        assertThat(body.path("reachable").asBoolean()).isTrue();
        assertThat(body.path("headBlock").asLong()).isPositive();
        assertThat(body.path("contracts").size()).isEqualTo(4);
        body.path("contracts").forEach(a -> assertThat(a.asText()).matches("0x[0-9a-f]{40}"));
        assertThat(body.path("outbox").has("depth")).isTrue();
        assertThat(body.path("outbox").has("oldestPendingAgeSeconds")).isTrue();
        assertThat(body.path("institution").asText()).isEqualTo(ledger.institutionAddress());
    }

    @Test
    void entry_showsBatchRootProofAndTransaction_andTheContractAcceptsTheProof() throws Exception {
        List<EscrowEntry> entries = org.patientgate.ledger.LedgerTestBed.entries(5, ledger.institutionAddress());
        anchoring.enqueue(entries);
        String leaf = "0x" + HexFormat.of().formatHex(entries.get(3).leaf());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(api().get("/api/ledger/entries/" + leaf)
                        .body()
                        .path("state")
                        .asText())
                .isEqualTo("ANCHORED"));

        JsonNode body = api().get("/api/ledger/entries/" + leaf).body();
        assertThat(body.path("entry").asText()).isEqualTo(leaf);
        assertThat(body.path("verifiedOnChain").asBoolean()).isTrue();
        assertThat(body.path("decision").asText()).isEqualTo("PENDING");
        assertThat(body.path("anchor").path("transaction").asText()).matches("0x[0-9a-f]{64}");
        assertThat(body.path("anchor").path("block").asLong()).isPositive();
        byte[] root =
                HexFormat.of().parseHex(body.path("batch").path("root").asText().substring(2));
        List<byte[]> proof = new java.util.ArrayList<>();
        body.path("proof")
                .forEach(p -> proof.add(HexFormat.of().parseHex(p.asText().substring(2))));
        assertThat(MerkleTree.verify(proof, root, entries.get(3).leaf())).isTrue();
        assertThat(body.path("batch").path("size").asInt()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void prometheus_exposesTheLedgerOutboxAndTransactionMetrics() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        String metrics = client.send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("hub_ledger_outbox_open ")
                .contains("hub_ledger_outbox_failed ")
                .contains("hub_ledger_outbox_oldest_age_seconds ")
                .contains("hub_ledger_escrow_queued ")
                .containsPattern("hub_ledger_transactions_sent_total [1-9]");
    }

    @Test
    void unknownEntry_is404_andAMalformedId_is400_andTheTokenIsRequired() throws Exception {
        assertThat(api().get("/api/ledger/entries/0x" + "ab".repeat(32)).status())
                .isEqualTo(404);
        assertThat(api().get("/api/ledger/entries/not-a-hash").status()).isEqualTo(400);
        assertThat(api().post("/api/ledger/outbox/999999/retry").status()).isEqualTo(404);
        assertThat(new OperationsApi(baseUrl(), "wrong")
                        .get("/api/ledger/status")
                        .status())
                .isEqualTo(401);
    }
}
