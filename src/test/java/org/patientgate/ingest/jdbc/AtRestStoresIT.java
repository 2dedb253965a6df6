package org.patientgate.ingest.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ingest.InboundMessage;
import org.patientgate.ingest.StoreOutcome;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.normalize.jdbc.JdbcBundleStore;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.CustodyKeyEncryptionKeys;
import org.patientgate.protect.jdbc.JdbcAtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.patientgate.support.MigratedPostgres;

/**
 * The message and bundle stores over the real embedded PostgreSQL with encryption at rest: what
 * they write is sealed and reads back in clear, and rows written in clear before encryption at rest
 * existed are sealed by the background task in batches, readable before and after.
 */
class AtRestStoresIT {

    private static final byte[] MAGIC = {0, 'P', 'G', 1};

    @TempDir
    static Path dir;

    private static MigratedPostgres postgres;
    private static Pkcs12KeyCustody custody;
    private static JdbcAtRestCipher cipher;
    private static JdbcMessageStore messages;
    private static JdbcBundleStore bundles;

    @BeforeAll
    static void start() throws Exception {
        postgres = MigratedPostgres.start(dir);
        custody = new Pkcs12KeyCustody(dir.resolve("keys").resolve("hub.p12"), "test-only".toCharArray());
        cipher = new JdbcAtRestCipher(postgres.dataSource, new CustodyKeyEncryptionKeys(custody));
        messages = new JdbcMessageStore(postgres.dataSource, cipher, 64, 1000, Duration.ofMinutes(5), null);
        bundles = new JdbcBundleStore(postgres.dataSource, cipher);
    }

    @AfterAll
    static void stop() throws Exception {
        messages.close();
        custody.close();
        postgres.close();
    }

    private static InboundMessage message(String marker) {
        String hl7 = "MSH|^~\\&|LABSYS|GENHOSP|PATIENTGATE|HUB|20261123101500||ORU^R01|" + marker + "|P|2.5.1\r"
                + "PID|1||MRN1||" + marker + "^JANE||19800101|F\r";
        return new InboundMessage(
                UUID.randomUUID(),
                InboundMessage.Source.HL7V2_MLLP,
                "mllp-test",
                "LABSYS",
                "GENHOSP",
                marker,
                "ORU^R01",
                "2.5.1",
                "ISO-8859-1",
                "x-application/hl7-v2+er7",
                hl7.getBytes(StandardCharsets.ISO_8859_1),
                Instant.now(),
                null);
    }

    private static byte[] raw(String sql, UUID id) throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row %s", id).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    private static byte[] rawPayload(UUID id) throws Exception {
        return raw("SELECT payload FROM inbound_message WHERE id = ?", id);
    }

    private static byte[] rawBundle(UUID id) throws Exception {
        return raw("SELECT bundle FROM canonical_bundle WHERE message_id = ?", id);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A row as a hub before encryption at rest wrote it: payload in clear. */
    private static void insertClear(InboundMessage m, boolean accepted) throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO inbound_message (id, source, channel,"
                        + " sender_application, sender_facility, control_id, message_type, version, charset,"
                        + " content_type, payload, accepted, status, received_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, m.id());
            ps.setString(2, m.source().name());
            ps.setString(3, m.channel());
            ps.setString(4, m.senderApplication());
            ps.setString(5, m.senderFacility());
            ps.setString(6, m.controlId());
            ps.setString(7, m.messageType());
            ps.setString(8, m.version());
            ps.setString(9, m.charset());
            ps.setString(10, m.contentType());
            ps.setBytes(11, m.payload());
            ps.setBoolean(12, accepted);
            ps.setString(13, accepted ? "PROCESSED" : "DEAD_LETTER");
            ps.setTimestamp(14, Timestamp.from(m.receivedAt()));
            ps.executeUpdate();
        }
    }

    private static void insertClearBundle(UUID messageId, byte[] json) throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO canonical_bundle (message_id, bundle_id,"
                        + " structure, bundle) VALUES (?, ?, 'ORU_R01', ?)")) {
            ps.setObject(1, messageId);
            ps.setString(2, "b-" + messageId);
            ps.setBytes(3, json);
            ps.executeUpdate();
        }
    }

    private static long clearPayloads() throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM inbound_message WHERE substring(payload from 1 for 4) <> ?")) {
            ps.setBytes(1, MAGIC);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static byte[] bundleJson(String marker) {
        return ("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
                        + "\"Patient\",\"name\":[{\"family\":\"" + marker + "\"}]}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storesWriteSealedValuesAndReadThemInClear() throws Exception {
        String marker = "SEALED-ON-WRITE-" + System.nanoTime();
        InboundMessage accepted = message(marker);
        InboundMessage refused = message(marker + "-DL");

        assertThat(messages.accept(accepted).get()).isEqualTo(StoreOutcome.STORED);
        messages.refuse(refused, "intake", "207", "MSH-11 not accepted").get();
        bundles.save(accepted.id(), new CanonicalBundle("b-1", "ORU_R01", bundleJson(marker)));

        for (byte[] stored : List.of(rawPayload(accepted.id()), rawPayload(refused.id()), rawBundle(accepted.id()))) {
            assertThat(stored).startsWith(MAGIC);
            assertThat(text(stored)).doesNotContain(marker);
        }
        assertThat(messages.load(accepted.id()).orElseThrow().payload()).isEqualTo(accepted.payload());
        assertThat(messages.load(refused.id()).orElseThrow().payload()).isEqualTo(refused.payload());
        assertThat(bundles.find(accepted.id()).orElseThrow().json()).isEqualTo(bundleJson(marker));
        assertThat(bundles.findAll(List.of(accepted.id(), refused.id(), java.util.UUID.randomUUID())))
                .containsOnlyKeys(accepted.id())
                .hasEntrySatisfying(accepted.id(), b -> assertThat(b.json()).isEqualTo(bundleJson(marker)));
    }

    @Test
    void clearRowsFromBeforeAreReadableAndSealedInTheBackgroundInBatches() throws Exception {
        String marker = "LEGACY-" + System.nanoTime();
        int rows = 2 * JdbcLegacySealer.BATCH + 17; // three batches
        List<InboundMessage> legacy = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            InboundMessage m = message(marker + "-" + i);
            insertClear(m, i % 10 != 0);
            legacy.add(m);
        }
        UUID withBundle = legacy.get(1).id();
        insertClearBundle(withBundle, bundleJson(marker));
        // A value sealed already, and a sealed value whose magic was altered: both left as they are.
        InboundMessage sealedAlready = message(marker + "-sealed");
        messages.accept(sealedAlready).get();
        byte[] sealedBefore = rawPayload(sealedAlready.id());
        InboundMessage altered = message(marker + "-altered");
        messages.accept(altered).get();
        byte[] alteredValue = rawPayload(altered.id()).clone();
        alteredValue[0] = 1;
        try (Connection c = postgres.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE inbound_message SET payload = ? WHERE id = ?")) {
            ps.setBytes(1, alteredValue);
            ps.setObject(2, altered.id());
            ps.executeUpdate();
        }
        assertThat(clearPayloads()).isEqualTo(rows + 1L);
        // Readable in clear before the sealing ran.
        assertThat(messages.load(legacy.get(0).id()).orElseThrow().payload())
                .isEqualTo(legacy.get(0).payload());
        assertThat(bundles.find(withBundle).orElseThrow().json()).isEqualTo(bundleJson(marker));

        JdbcLegacySealer sealer = new JdbcLegacySealer(
                postgres.dataSource, cipher, List.of(JdbcMessageStore.SEALED_PAYLOAD, JdbcBundleStore.SEALED_BUNDLE));
        Thread background = sealer.start();
        assertThat(background.isDaemon()).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> !sealer.isRunning());

        assertThat(clearPayloads())
                .as("only the altered value is left unsealed")
                .isEqualTo(1);
        for (InboundMessage m : legacy) {
            byte[] stored = rawPayload(m.id());
            assertThat(stored).startsWith(MAGIC);
            assertThat(text(stored)).doesNotContain(marker);
            assertThat(messages.load(m.id()).orElseThrow().payload()).isEqualTo(m.payload());
        }
        assertThat(rawBundle(withBundle)).startsWith(MAGIC);
        assertThat(text(rawBundle(withBundle))).doesNotContain(marker);
        assertThat(bundles.find(withBundle).orElseThrow().json()).isEqualTo(bundleJson(marker));
        assertThat(rawPayload(sealedAlready.id())).isEqualTo(sealedBefore);
        assertThat(rawPayload(altered.id())).isEqualTo(alteredValue);

        List<JdbcLegacySealer.Result> again = sealer.sealAll();
        assertThat(again).extracting(JdbcLegacySealer.Result::sealed).containsExactly(0L, 0L);
        assertThat(again.get(0).altered()).isEqualTo(1);
    }

    @Test
    void sealedValueMovedToAnotherRowDoesNotOpen() throws Exception {
        InboundMessage first = message("MOVE-A-" + System.nanoTime());
        InboundMessage second = message("MOVE-B-" + System.nanoTime());
        messages.accept(first).get();
        messages.accept(second).get();
        try (Connection c = postgres.dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("UPDATE inbound_message SET payload = (SELECT payload FROM inbound_message WHERE id = '"
                    + first.id() + "') WHERE id = '" + second.id() + "'");
        }

        assertThat(AtRestCipher.isSealed(rawPayload(second.id()))).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> messages.load(second.id()))
                .isInstanceOf(org.patientgate.protect.ProtectException.class);
    }
}
