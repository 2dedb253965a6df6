package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.patientgate.ledger.anvil.AnvilNode;
import org.patientgate.ledger.cli.LedgerDeployCommand;
import org.patientgate.ledger.web3j.LedgerDeployer;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;

/**
 * The hub's ledger side killed with SIGKILL in the middle of draining its outbox, then started
 * again: every queued escrow entry is anchored, and the institution's account sent exactly one
 * transaction per batch, so nothing was lost and nothing sent twice.
 */
class LedgerHubKillIT {

    @TempDir
    Path dir;

    @Test
    void hubKilledMidDrain_restartAnchorsEveryBatchExactlyOnce() throws Exception {
        EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), Duration.ofSeconds(60));
        postgres.start();
        AnvilNode chain = new AnvilNode(
                        LedgerTestBed.ANVIL,
                        dir.resolve("chain.json"),
                        31337,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30))
                .start();
        Process first = null;
        Process second = null;
        try {
            Map<String, String> contracts = deploy(chain);
            first = drain(postgres, chain, contracts, 3000);
            awaitOrExplain(first, () -> doneBatches(postgres) >= 60);

            first.destroyForcibly().waitFor();
            long doneAtKill = doneBatches(postgres);
            assertThat(doneAtKill).as("killed mid-drain").isLessThan(300);

            second = drain(postgres, chain, contracts, 0);
            awaitOrExplain(second, () -> doneBatches(postgres) == 300);

            assertThat(count(postgres, "SELECT count(*) FROM escrow_entry WHERE batch_root IS NULL"))
                    .isZero();
            assertThat(count(postgres, "SELECT count(*) FROM escrow_entry")).isEqualTo(3000);
            assertThat(count(postgres, "SELECT count(*) FROM ledger_outbox WHERE status <> 'DONE'"))
                    .isZero();
            Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
            long sent = web3j.ethGetTransactionCount(institution, DefaultBlockParameterName.LATEST)
                    .send()
                    .getTransactionCount()
                    .longValueExact();
            web3j.shutdown();
            assertThat(sent)
                    .as("transactions the institution sent, one per batch")
                    .isEqualTo(300);
        } finally {
            if (first != null) {
                first.destroyForcibly().waitFor();
            }
            if (second != null) {
                second.destroyForcibly().waitFor();
            }
            chain.close();
            postgres.close();
        }
    }

    private String institution;
    private final java.util.Map<Process, Path> logs = new java.util.HashMap<>();

    /** Waits for the condition; on timeout fails with the drain process's own log. */
    private void awaitOrExplain(Process process, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(120)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String log = java.nio.file.Files.readString(logs.get(process));
            throw new AssertionError(
                    "drain process (alive: " + process.isAlive() + ") did not get there; its log:\n"
                            + log.substring(Math.max(0, log.length() - 6000)),
                    e);
        }
    }

    private Map<String, String> deploy(AnvilNode chain) throws Exception {
        Pkcs12KeyCustody keys = new Pkcs12KeyCustody(
                dir.resolve("hub").resolve("keys").resolve("hub.p12"), LedgerTestBed.KEYSTORE_PASSWORD.toCharArray());
        String id = LedgerIdentities.institution("local");
        byte[] admin = keys.ledgerKey(LedgerIdentities.ADMIN);
        institution = LedgerDeployer.addressOf(keys.ledgerKey(id));
        for (String address : List.of(LedgerDeployer.addressOf(admin), institution)) {
            new org.web3j.protocol.core.Request<>(
                            "anvil_setBalance",
                            List.of(address, "0x3635C9ADC5DEA00000"),
                            new HttpService(chain.rpcUrl()),
                            org.web3j.protocol.core.methods.response.VoidResponse.class)
                    .send();
        }
        Map<String, String> contracts = LedgerDeployer.deploy(
                chain.rpcUrl(),
                31337,
                admin,
                keys.ledgerKey(id),
                keys.encryptionPublicKey(id),
                LedgerDeployCommand.profileHash("local", "Test institution"),
                null);
        keys.close();
        return contracts;
    }

    private Process drain(EmbeddedPostgresServer postgres, AnvilNode chain, Map<String, String> c, int queue)
            throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                LedgerDrainMain.class.getName(),
                postgres.jdbcUrl(),
                postgres.username(),
                postgres.password(),
                chain.rpcUrl(),
                c.get("ParticipantRegistry"),
                c.get("ConsentEscrow"),
                c.get("AccessGrants"),
                c.get("AuditAnchor"),
                dir.resolve("hub").toString(),
                Integer.toString(queue)));
        Path log = dir.resolve("drain-" + System.nanoTime() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LEDGER_TEST_KEYSTORE_PASSWORD", LedgerTestBed.KEYSTORE_PASSWORD);
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File("."))
                .start();
        logs.put(process, log);
        return process;
    }

    private static long doneBatches(EmbeddedPostgresServer postgres) throws Exception {
        return count(postgres, "SELECT count(*) FROM ledger_outbox WHERE kind = 'ESCROW_BATCH' AND status = 'DONE'");
    }

    private static long count(EmbeddedPostgresServer postgres, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                PreparedStatement ps = c.prepareStatement(sql)) {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            } catch (java.sql.SQLException e) {
                return 0; // the schema is not there until the first drain process migrated it
            }
        }
    }
}
