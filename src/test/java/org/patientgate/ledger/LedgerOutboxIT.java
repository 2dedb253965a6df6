package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.anvil.AnvilNode;
import org.patientgate.ledger.cli.LedgerDeployCommand;
import org.patientgate.ledger.web3j.LedgerDeployer;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;

/**
 * The ledger outbox against the real parts: embedded PostgreSQL and anvil. Every escrow entry is
 * anchored in a Merkle batch exactly once, whatever happens to the chain node: killed mid-drain,
 * away for a while, restarted from its last state dump. "Exactly once" is checked on the chain
 * itself: the institution's account has sent exactly one transaction per batch, and every batch
 * root is on the escrow contract with its entry count.
 */
class LedgerOutboxIT {

    @TempDir
    Path dir;

    @Test
    void anchorsEveryEntryOnce_inBatchesOfTheConfiguredSize_withProofsTheContractAccepts() throws Exception {
        try (LedgerTestBed bed = LedgerTestBed.create(
                dir, LedgerTestBed.embedded(1000, Duration.ofMillis(200), Duration.ofSeconds(10)))) {
            bed.ledger.start();
            List<EscrowEntry> entries = LedgerTestBed.entries(2345, bed.ledger.institutionAddress());
            bed.anchoring.enqueue(entries);

            awaitAllAnchored(bed, 3);

            assertThat(batchSizes(bed)).containsExactlyInAnyOrder(1000, 1000, 345);
            assertThat(transactionsSentBy(bed, bed.ledger.institutionAddress())).isEqualTo(3);
            for (EscrowEntry e : List.of(entries.get(0), entries.get(999), entries.get(1000), entries.get(2344))) {
                LedgerExplorer.EntryProof proof = bed.ledger.proof(e.leaf()).orElseThrow();
                assertThat(proof.verifiedOnChain()).contains(true);
                assertThat(MerkleTree.verify(
                                proof.entry().proof(), proof.entry().batchRoot(), e.leaf()))
                        .isTrue();
                assertThat(proof.entry().anchor().orElseThrow().status()).isEqualTo("DONE");
            }
            LedgerExplorer.Status status = bed.ledger.status();
            assertThat(status.outboxOpen()).isZero();
            assertThat(status.escrowQueued()).isZero();
            assertThat(status.contracts()).hasSize(4);
        }
    }

    @Test
    void embeddedNodeKilledMidDrain_isRestartedAndEveryBatchLandsOnce() throws Exception {
        try (LedgerTestBed bed =
                LedgerTestBed.create(dir, LedgerTestBed.embedded(10, Duration.ofMillis(50), Duration.ofSeconds(1)))) {
            bed.ledger.start();
            bed.anchoring.enqueue(LedgerTestBed.entries(2000, bed.ledger.institutionAddress()));
            await().atMost(Duration.ofSeconds(60)).until(() -> doneBatches(bed) >= 40);

            // the hub's supervisor starts it again from its last state dump
            bed.ledger.node().orElseThrow().process().orElseThrow().destroyForcibly();

            awaitAllAnchored(bed, 200);
            assertOnChainExactlyOnce(bed, 200);
        }
    }

    @Test
    void externalChainAwayAndKilled_writesWaitThenLandOnce() throws Exception {
        Path chainDir = dir.resolve("chain");
        AnvilNode node = new AnvilNode(
                        LedgerTestBed.ANVIL,
                        chainDir.resolve("state.json"),
                        31337,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(30))
                .start();
        try {
            Map<String, String> contracts = deployTo(node);
            try (LedgerTestBed bed = LedgerTestBed.create(
                    dir, LedgerTestBed.external(node.rpcUrl(), 31337, contracts, 10, Duration.ofMillis(50)))) {
                bed.ledger.start();
                bed.anchoring.enqueue(LedgerTestBed.entries(1500, bed.ledger.institutionAddress()));
                await().atMost(Duration.ofSeconds(60)).until(() -> doneBatches(bed) >= 30);

                node.close(); // the chain goes away: writes wait, nothing is lost
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !bed.ledger.status().reachable());
                long doneWhileAway = doneBatches(bed);
                bed.anchoring.enqueue(LedgerTestBed.entries(500, bed.ledger.institutionAddress()));
                await().during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> doneBatches(bed) == doneWhileAway);
                assertThat(bed.outbox.depth().open()).isPositive();

                node.start(); // back on the same port with its dumped state
                await().atMost(Duration.ofSeconds(60)).until(() -> doneBatches(bed) >= doneWhileAway + 30);

                kill(node); // killed mid-drain: blocks since its last dump are lost
                node.start();

                awaitAllAnchored(bed, 200);
                assertOnChainExactlyOnce(bed, 200);
            }
        } finally {
            node.close();
        }
    }

    @Test
    void embeddedChainLostAltogether_contractsAreDeployedAgainAndEveryWriteRepublished() throws Exception {
        LedgerProperties props = LedgerTestBed.embedded(10, Duration.ofMillis(50), Duration.ofSeconds(10));
        LedgerTestBed first = LedgerTestBed.create(dir, props);
        try {
            first.ledger.start();
            first.anchoring.enqueue(LedgerTestBed.entries(50, first.ledger.institutionAddress()));
            awaitAllAnchored(first, 5);
            first.close(); // the node writes its state file on the way out

            Path state = dir.resolve("ledger").resolve("anvil-state.json");
            java.nio.file.Files.writeString(state, "{ not a state dump"); // e.g. a crash mid-write

            try (LedgerTestBed second = LedgerTestBed.create(dir, props, first.postgres)) {
                second.ledger.start();
                assertThat(second.ledger.status().headBlock()).as("a new chain").isLessThan(20);
                awaitAllAnchored(second, 5);
                assertOnChainExactlyOnce(second, 5);
                try (var files = java.nio.file.Files.list(state.getParent())) {
                    assertThat(files.map(f -> f.getFileName().toString()))
                            .as("the unreadable dump is kept aside for inspection")
                            .anyMatch(n -> n.startsWith("anvil-state.json.unreadable-"));
                }
            }
        } finally {
            first.postgres.close();
        }
    }

    @Test
    void aWriteTheChainAlreadyHas_isRecognisedAndMarkedDone_withoutASecondTransaction() throws Exception {
        try (LedgerTestBed bed = LedgerTestBed.create(
                dir, LedgerTestBed.embedded(1000, Duration.ofMillis(50), Duration.ofSeconds(10)))) {
            bed.ledger.start();
            bed.anchoring.enqueue(LedgerTestBed.entries(10, bed.ledger.institutionAddress()));
            awaitAllAnchored(bed, 1);
            assertThat(transactionsSentBy(bed, bed.ledger.institutionAddress())).isEqualTo(1);

            // the hub's record says the batch still waits (e.g. the database was restored from a backup)
            try (Connection c = bed.dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE ledger_outbox SET status = 'PENDING',"
                            + " tx_hash = NULL, block_number = NULL WHERE kind = 'ESCROW_BATCH'")) {
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            bed.ledger.nudge();

            awaitAllAnchored(bed, 1);
            assertThat(transactionsSentBy(bed, bed.ledger.institutionAddress())).isEqualTo(1);
            try (Connection c = bed.dataSource.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("SELECT recognised FROM ledger_outbox WHERE kind = 'ESCROW_BATCH'");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1))
                        .as("recognised on the chain, not sent again")
                        .isTrue();
            }
        }
    }

    @Test
    void anExternalChainWithAnotherChainId_isRefusedBeforeAnyWrite() throws Exception {
        AnvilNode node = new AnvilNode(
                        LedgerTestBed.ANVIL,
                        dir.resolve("other.json"),
                        31337,
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30))
                .start();
        try {
            LedgerProperties wrongId = LedgerTestBed.external(
                    node.rpcUrl(),
                    1,
                    Map.of(
                            "ParticipantRegistry",
                            "0x" + "11".repeat(20),
                            "ConsentEscrow",
                            "0x" + "22".repeat(20),
                            "AccessGrants",
                            "0x" + "33".repeat(20),
                            "AuditAnchor",
                            "0x" + "44".repeat(20)),
                    10,
                    Duration.ofSeconds(1));
            try (LedgerTestBed bed = LedgerTestBed.create(dir, wrongId)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(bed.ledger::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("reports chain id 31337")
                        .hasMessageContaining("hub.ledger.chain-id is 1");
            }
        } finally {
            node.close();
        }
    }

    /** The consortium admin's one-off step, with the keystore the hub under test then opens. */
    private Map<String, String> deployTo(AnvilNode node) {
        Pkcs12KeyCustody keys = new Pkcs12KeyCustody(
                dir.resolve("keys").resolve("hub.p12"), LedgerTestBed.KEYSTORE_PASSWORD.toCharArray());
        String institution = LedgerIdentities.institution("local");
        byte[] admin = keys.ledgerKey(LedgerIdentities.ADMIN);
        fund(node, LedgerDeployer.addressOf(admin));
        fund(node, LedgerDeployer.addressOf(keys.ledgerKey(institution)));
        Map<String, String> addresses = LedgerDeployer.deploy(
                node.rpcUrl(),
                31337,
                admin,
                keys.ledgerKey(institution),
                keys.encryptionPublicKey(institution),
                LedgerDeployCommand.profileHash("local", "Test institution"),
                null);
        keys.close();
        return addresses;
    }

    private static void fund(AnvilNode node, String address) {
        try {
            new org.web3j.protocol.core.Request<>(
                            "anvil_setBalance",
                            List.of(address, "0x3635C9ADC5DEA00000"),
                            new HttpService(node.rpcUrl()),
                            org.web3j.protocol.core.methods.response.VoidResponse.class)
                    .send();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void kill(AnvilNode node) {
        ProcessHandle process = node.process().orElseThrow();
        process.destroyForcibly();
        process.onExit().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.isRunning());
    }

    private static void awaitAllAnchored(LedgerTestBed bed, int batches) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(bed.anchoring.queued()).isZero();
                    assertThat(doneBatches(bed)).isEqualTo(batches);
                    assertThat(bed.outbox.depth().open()).isZero();
                });
        assertThat(bed.outbox.depth().failed()).isZero();
    }

    /** Every batch root is on the escrow contract once, and the institution sent one transaction per batch. */
    private static void assertOnChainExactlyOnce(LedgerTestBed bed, int batches) throws Exception {
        assertThat(transactionsSentBy(bed, bed.ledger.institutionAddress())).isEqualTo(batches);
        try (Connection c = bed.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT root, entries FROM ledger_batch");
                ResultSet rs = ps.executeQuery()) {
            int seen = 0;
            while (rs.next()) {
                byte[] root = rs.getBytes(1);
                Map<String, Object> batch = bed.ledger.escrowBatchOnChain(root);
                assertThat(batch.get("count")).isEqualTo(BigInteger.valueOf(rs.getInt(2)));
                assertThat(batch.get("institution")).isEqualTo(bed.ledger.institutionAddress());
                seen++;
            }
            assertThat(seen).isEqualTo(batches);
        }
    }

    private static long transactionsSentBy(LedgerTestBed bed, String address) throws Exception {
        Web3j web3j = Web3j.build(new HttpService(bed.ledger.status().rpcUrl()));
        try {
            return web3j.ethGetTransactionCount(address, DefaultBlockParameterName.LATEST)
                    .send()
                    .getTransactionCount()
                    .longValueExact();
        } finally {
            web3j.shutdown();
        }
    }

    private static long doneBatches(LedgerTestBed bed) throws Exception {
        return bed.doneBatches();
    }

    private static List<Integer> batchSizes(LedgerTestBed bed) throws Exception {
        List<Integer> out = new ArrayList<>();
        try (Connection c = bed.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT entries FROM ledger_batch");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
