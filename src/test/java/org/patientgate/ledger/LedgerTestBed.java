package org.patientgate.ledger;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.patientgate.ledger.jdbc.JdbcDeployments;
import org.patientgate.ledger.jdbc.JdbcEscrowAnchoring;
import org.patientgate.ledger.jdbc.JdbcLedgerEvents;
import org.patientgate.ledger.jdbc.JdbcLedgerOutbox;
import org.patientgate.ledger.web3j.Web3jLedger;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;

/**
 * The ledger capability assembled from its real parts for integration tests and the benchmark:
 * embedded PostgreSQL (migrated by Flyway), a PKCS#12 keystore, and either the embedded anvil node
 * or an external chain URL with configured contracts. No Spring context, so a test can stop, kill
 * and restart each part.
 */
public final class LedgerTestBed implements AutoCloseable {

    public static final Path ANVIL = Path.of("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    /** Random per test run; a drain process started by a test inherits it through its environment. */
    public static final String KEYSTORE_PASSWORD =
            System.getenv().getOrDefault("LEDGER_TEST_KEYSTORE_PASSWORD", "test-only-" + UUID.randomUUID());

    public final EmbeddedPostgresServer postgres;
    public final HikariDataSource dataSource;
    public final Pkcs12KeyCustody keys;
    public final JdbcLedgerOutbox outbox;
    public final JdbcEscrowAnchoring anchoring;
    public final Web3jLedger ledger;
    public final LedgerProperties properties;

    private LedgerTestBed(
            EmbeddedPostgresServer postgres,
            HikariDataSource dataSource,
            Pkcs12KeyCustody keys,
            LedgerProperties properties,
            Path dataDir) {
        this.postgres = postgres;
        this.dataSource = dataSource;
        this.keys = keys;
        this.properties = properties;
        this.outbox = new JdbcLedgerOutbox(dataSource);
        this.anchoring = new JdbcEscrowAnchoring(
                dataSource,
                outbox,
                LedgerIdentities.institution(properties.institution()),
                properties.batch().size(),
                properties.batch().maxWait(),
                properties.batch().escrowPeriod(),
                Clock.systemUTC());
        this.ledger = new Web3jLedger(
                properties,
                dataDir,
                keys,
                outbox,
                anchoring,
                new JdbcLedgerEvents(dataSource),
                new JdbcDeployments(dataSource),
                List.of());
    }

    /** Starts PostgreSQL under {@code dir} (kept across calls with the same dir) and wires the ledger. */
    public static LedgerTestBed create(Path dir, LedgerProperties properties) throws Exception {
        EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), Duration.ofSeconds(60));
        postgres.start();
        return create(dir, properties, postgres);
    }

    static LedgerTestBed create(Path dir, LedgerProperties properties, EmbeddedPostgresServer postgres) {
        return create(dir, properties, postgres, postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    /** Wires the ledger to a PostgreSQL this bed does not own (another process started it). */
    static LedgerTestBed create(Path dir, LedgerProperties properties, String jdbcUrl, String user, String password) {
        return create(dir, properties, null, jdbcUrl, user, password);
    }

    private static LedgerTestBed create(
            Path dir,
            LedgerProperties properties,
            EmbeddedPostgresServer postgres,
            String jdbcUrl,
            String user,
            String password) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(jdbcUrl);
        ds.setUsername(user);
        ds.setPassword(password);
        ds.setMaximumPoolSize(8);
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        Pkcs12KeyCustody keys =
                new Pkcs12KeyCustody(dir.resolve("keys").resolve("hub.p12"), KEYSTORE_PASSWORD.toCharArray());
        return new LedgerTestBed(postgres, ds, keys, properties, dir);
    }

    /** Ledger settings for the embedded node with the given batching. */
    public static LedgerProperties embedded(int batchSize, Duration maxWait, Duration stateInterval) {
        return properties(
                null, null, new LedgerProperties.Contracts(null, null, null, null), batchSize, maxWait, stateInterval);
    }

    /** Ledger settings for an external chain with configured contracts. */
    public static LedgerProperties external(
            String rpcUrl, long chainId, Map<String, String> contracts, int batchSize, Duration maxWait) {
        return properties(
                rpcUrl,
                chainId,
                new LedgerProperties.Contracts(
                        contracts.get("ParticipantRegistry"),
                        contracts.get("ConsentEscrow"),
                        contracts.get("AccessGrants"),
                        contracts.get("AuditAnchor")),
                batchSize,
                maxWait,
                Duration.ofSeconds(10));
    }

    private static LedgerProperties properties(
            String rpcUrl,
            Long chainId,
            LedgerProperties.Contracts contracts,
            int batchSize,
            Duration maxWait,
            Duration stateInterval) {
        return new LedgerProperties(
                true,
                rpcUrl,
                chainId,
                "local",
                "Test institution",
                new LedgerProperties.Anvil(ANVIL, 31337, stateInterval, Duration.ofSeconds(30)),
                contracts,
                new LedgerProperties.Gas(null, 25),
                Duration.ofMillis(20),
                0,
                new LedgerProperties.Batch(batchSize, maxWait, Duration.ofDays(30)),
                new LedgerProperties.Publisher(Duration.ofMillis(100), Duration.ofSeconds(2), 10),
                new LedgerProperties.Follower(Duration.ofMillis(200), 2000));
    }

    /** The hosted institution's ledger address (from the keystore; the ledger need not be started). */
    public static String institutionAddress(LedgerTestBed bed) {
        return org.patientgate.ledger.web3j.LedgerDeployer.addressOf(
                bed.keys.ledgerKey(LedgerIdentities.institution(bed.properties.institution())));
    }

    /** {@code n} escrow entries of the given institution for random patients and reports. */
    public static List<EscrowEntry> entries(int n, String institution) {
        List<EscrowEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] patient = new byte[20];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(patient);
            byte[] content = new byte[32];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(content);
            out.add(new EscrowEntry(
                    "0x" + hex(patient), EscrowEntry.reportIdOf(UUID.randomUUID()), content, institution));
        }
        return out;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    /** Escrow batches whose anchoring write is DONE. */
    public long doneBatches() throws java.sql.SQLException {
        try (java.sql.Connection c = dataSource.getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM ledger_outbox WHERE kind = 'ESCROW_BATCH' AND status = 'DONE'");
                java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        ledger.close();
        keys.close();
        dataSource.close();
    }

    /** Also stops PostgreSQL. */
    public void shutdown() throws Exception {
        close();
        if (postgres != null) {
            postgres.close();
        }
    }
}
