package org.patientgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.patientgate.support.Hl7Messages;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code spring.datasource.url} and {@code spring.artemis.broker-url} set, the hub starts no
 * embedded PostgreSQL or Artemis and works against the servers it was pointed at (here a PostgreSQL
 * and an Artemis broker this test runs as stand-ins for external ones).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.artemis.broker-url=" + ExternalPartsIT.BROKER_URL)
@DirtiesContext // its stand-in servers stop after the class; so does this hub
class ExternalPartsIT {

    /** The stand-in external broker, reached through an in-VM acceptor (a URL known before start). */
    static final String BROKER_URL = "vm://71";

    private static final int MLLP_PORT = HubIntegrationTest.freePort();
    private static EmbeddedPostgresServer externalPostgres;
    private static EmbeddedActiveMQ externalBroker;
    private static Path hubDataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path base = Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath();
        externalPostgres =
                new EmbeddedPostgresServer(Files.createTempDirectory(base, "external-pg-"), Duration.ofSeconds(60));
        externalPostgres.start();
        externalBroker = new EmbeddedActiveMQ();
        externalBroker.setConfiguration(new ConfigurationImpl()
                .setPersistenceEnabled(false)
                .setSecurityEnabled(false)
                .addAcceptorConfiguration("in-vm", BROKER_URL));
        externalBroker.start();
        hubDataDir = Files.createTempDirectory(base, "external-hub-");

        registry.add("hub.data-dir", hubDataDir::toString);
        registry.add("hub.mllp.port", () -> MLLP_PORT);
        registry.add("hub.mllp.host", () -> "127.0.0.1");
        registry.add("hub.api.token", () -> "external-it");
        registry.add("hub.fhir.token", () -> "external-it-fhir");
        registry.add("spring.datasource.url", externalPostgres::jdbcUrl);
        registry.add("spring.datasource.username", externalPostgres::username);
        registry.add("spring.datasource.password", externalPostgres::password);
    }

    @AfterAll
    static void stopExternalParts() throws Exception {
        if (externalBroker != null) {
            externalBroker.stop();
        }
        if (externalPostgres != null) {
            externalPostgres.close();
        }
    }

    @Test
    void usesTheConfiguredServers_andStartsNoEmbeddedOnes() throws Exception {
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", MLLP_PORT)) {
            String ack = client.sendText(Hl7Messages.oru("2.5.1", "EXT-1"), StandardCharsets.ISO_8859_1)
                    .orElseThrow();
            assertThat(ack).contains("MSA|AA|EXT-1");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Connection c = DriverManager.getConnection(
                            externalPostgres.jdbcUrl(), externalPostgres.username(), externalPostgres.password());
                    PreparedStatement ps =
                            c.prepareStatement("SELECT status FROM inbound_message WHERE control_id = 'EXT-1'");
                    ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("PROCESSED");
            }
        });
        // The only way to PROCESSED is through the broker, and the hub is connected to this one.
        assertThat(externalBroker.getActiveMQServer().getConnectionCount()).isGreaterThanOrEqualTo(1);
        assertThat(hubDataDir.resolve("postgres")).doesNotExist();
        assertThat(hubDataDir.resolve("artemis")).doesNotExist();
    }
}
