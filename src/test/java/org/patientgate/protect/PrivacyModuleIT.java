package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.patientgate.protect.ProtectException.Reason;
import org.patientgate.protect.jdbc.JdbcBlobStore;
import org.patientgate.protect.jdbc.JdbcProtectStore;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;

/**
 * The privacy module over the real PostgreSQL store: claim 2 (a holder of a valid sub-key gets the
 * report, sealed to it) and claim 3 (everyone else is refused, with the reason, and audited), slot
 * allocation and revocation, more slots from slot 0, shredding, hand-over of held reports and KEK
 * rotation.
 */
class PrivacyModuleIT {

    @TempDir
    static Path dir;

    private static EmbeddedPostgresServer postgres;
    private static HikariDataSource dataSource;
    private static PrivacyModule module;
    private static KeyEncryptionKeys keks;
    private static Pkcs12KeyCustody custody;

    private static final byte[] BUNDLE =
            "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"id\":\"PRIVACY-IT-MARKER\"}"
                    .getBytes(StandardCharsets.UTF_8);
    private final Hpke.KeyPair patientKey = Hpke.generateKeyPair();
    private final Hpke.KeyPair nodeA = Hpke.generateKeyPair();
    private final Hpke.KeyPair nodeB = Hpke.generateKeyPair();
    private final String patient = "0x" + "a".repeat(39) + Integer.toHexString((int) (Math.random() * 15));
    private UUID report;
    private List<SubKeyString> subKeys;

    @BeforeAll
    static void start() throws Exception {
        postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), Duration.ofSeconds(60));
        postgres.start();
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.jdbcUrl());
        dataSource.setUsername(postgres.username());
        dataSource.setPassword(postgres.password());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        custody = new Pkcs12KeyCustody(dir.resolve("hub.p12"), "it-password".toCharArray());
        keks = new CustodyKeyEncryptionKeys(custody);
        module = new PrivacyModule(
                new JdbcProtectStore(dataSource),
                new JdbcBlobStore(dataSource),
                keks,
                custody,
                new ReportProtector(keks, 8),
                List::of,
                List::of,
                Clock.systemUTC(),
                new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() throws Exception {
        dataSource.close();
        postgres.close();
    }

    @BeforeEach
    void protectOne() {
        report = UUID.randomUUID();
        subKeys = protect(report, patient, patientKey.publicKey());
    }

    private List<SubKeyString> protect(UUID id, String owner, byte[] recipientKey) {
        String recipient =
                owner == null ? ProtectedReport.institutionRecipient("local") : ProtectedReport.patientRecipient(owner);
        module.protectAll(List.of(new PrivacyModule.ProtectRequest(
                id,
                UUID.randomUUID(),
                "local",
                ReportCipher.sha256(("ref" + owner).getBytes(StandardCharsets.UTF_8)),
                owner,
                new ReportProtector.Recipient(recipient, recipientKey),
                BUNDLE)));
        if (owner == null) {
            return List.of();
        }
        List<SubKeyString> out = new ArrayList<>();
        for (byte[] packet : module.packets(id, owner)) {
            out.addAll(SubKeyString.decodePacket(Hpke.open(
                    patientKey.privateKey(), SubKeyString.INFO_PACKET, SubKeyString.reportBytes(id), packet)));
        }
        return out;
    }

    private static byte[] toModule(UUID report, SubKeyString subKey) {
        return Hpke.seal(
                module.moduleKey(), SubKeyString.INFO_MODULE, SubKeyString.reportBytes(report), subKey.encode());
    }

    private byte[] decrypt(UUID report, byte[] sealed, String caller, Hpke.KeyPair callerKey) {
        byte[] out = module.decrypt(new DecryptRequest(report, sealed, caller, callerKey.publicKey(), "view", null));
        return Hpke.open(callerKey.privateKey(), SubKeyString.INFO_REPORT, SubKeyString.reportBytes(report), out);
    }

    private static void assertRefused(Runnable call, Reason reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ProtectException.class, e -> assertThat(e.reason())
                .isEqualTo(reason));
    }

    private void allocate(int slot, String node, Hpke.KeyPair nodeKey) {
        byte[] sealedForNode = Hpke.seal(
                nodeKey.publicKey(),
                SubKeyString.INFO_NODE,
                SubKeyString.reportBytes(report),
                subKeys.get(slot).encode());
        module.allocate(report, patient, slot, node, sealedForNode);
    }

    @Test
    void thePatientDecryptsWithSlotZeroAndTheModulesHalf() {
        assertThat(decrypt(report, toModule(report, subKeys.get(0)), patient, patientKey))
                .isEqualTo(BUNDLE);
        assertThat(module.audit(report)).last().satisfies(a -> {
            assertThat(a.action()).isEqualTo("DECRYPT");
            assertThat(a.outcome()).isEqualTo("GRANTED");
            assertThat(a.slot()).isZero();
        });
    }

    @Test
    void anAllocatedNodeDecryptsAndEveryoneElseIsRefusedAndAudited() {
        allocate(1, "0xnodea", nodeA);
        // the node receives its sealed sub-key and opens it
        ProtectStore.Delivery delivery = module.deliveries("0xnodea").stream()
                .filter(d -> d.report().equals(report))
                .findFirst()
                .orElseThrow();
        SubKeyString received = SubKeyString.decode(Hpke.open(
                nodeA.privateKey(), SubKeyString.INFO_NODE, SubKeyString.reportBytes(report), delivery.sealed()));
        assertThat(received).isEqualTo(subKeys.get(1));
        assertThat(decrypt(report, toModule(report, received), "0xnodea", nodeA))
                .isEqualTo(BUNDLE);

        // B without a sub-key, B with A's sub-key, B with a spare it was never given
        assertRefused(() -> decrypt(report, null, "0xnodeb", nodeB), Reason.NO_SUBKEY);
        assertRefused(() -> decrypt(report, toModule(report, received), "0xnodeb", nodeB), Reason.NOT_HOLDER);
        assertRefused(() -> decrypt(report, toModule(report, subKeys.get(2)), "0xnodeb", nodeB), Reason.NOT_HOLDER);
        // A with a tampered sub-key
        byte[] secret = received.secret().clone();
        secret[0] ^= 1;
        assertRefused(
                () -> decrypt(report, toModule(report, new SubKeyString(report, 1, secret)), "0xnodea", nodeA),
                Reason.FORGED);
        // A with another report's sub-key
        UUID other = UUID.randomUUID();
        List<SubKeyString> otherKeys = protect(other, patient, patientKey.publicKey());
        assertRefused(() -> decrypt(report, toModule(report, otherKeys.get(1)), "0xnodea", nodeA), Reason.WRONG_REPORT);
        // garbage sealed to nobody
        assertRefused(() -> decrypt(report, new byte[80], "0xnodea", nodeA), Reason.INVALID_SUBKEY);

        // the patient revokes A's slot: A is refused from then on, and the half is gone from the store
        module.revoke(report, patient, 1);
        assertRefused(() -> decrypt(report, toModule(report, received), "0xnodea", nodeA), Reason.REVOKED);
        assertThat(module.slots(report).get(1).moduleHalf()).isNull();
        assertThat(module.deliveries("0xnodea")).noneMatch(d -> d.report().equals(report));

        List<String> denials = module.audit(report).stream()
                .filter(a -> a.outcome().equals("DENIED"))
                .map(a -> a.reason())
                .toList();
        assertThat(denials)
                .containsExactly(
                        "NO_SUBKEY", "NOT_HOLDER", "NOT_HOLDER", "FORGED", "WRONG_REPORT", "INVALID_SUBKEY", "REVOKED");
    }

    @Test
    void slotsCanBeAllocatedOnceAndOnlyByTheirPatient() {
        allocate(1, "0xnodea", nodeA);
        assertRefused(() -> allocate(1, "0xnodeb", nodeB), Reason.CONFLICT);
        assertRefused(
                () -> module.allocate(report, "0xsomeoneelse", 2, "0xnodeb", new byte[64]), Reason.UNKNOWN_REPORT);
        assertRefused(() -> module.allocate(report, patient, 0, "0xnodeb", new byte[64]), Reason.CONFLICT);
        assertRefused(() -> module.revoke(report, patient, 0), Reason.CONFLICT);
    }

    @Test
    void moreSlotsNeedSlotZeroAndWork() {
        for (int i = 1; i <= 8; i++) {
            allocate(i, "0xnode" + i, nodeA);
        }
        assertRefused(
                () -> module.moreSlots(report, patient, patientKey.publicKey(), 2, toModule(report, subKeys.get(1))),
                Reason.NOT_HOLDER);
        ProtectedReport.Packet packet =
                module.moreSlots(report, patient, patientKey.publicKey(), 2, toModule(report, subKeys.get(0)));
        List<SubKeyString> fresh = SubKeyString.decodePacket(Hpke.open(
                patientKey.privateKey(), SubKeyString.INFO_PACKET, SubKeyString.reportBytes(report), packet.sealed()));
        assertThat(fresh).extracting(SubKeyString::slot).containsExactly(9, 10);
        byte[] sealedForB = Hpke.seal(
                nodeB.publicKey(),
                SubKeyString.INFO_NODE,
                SubKeyString.reportBytes(report),
                fresh.get(0).encode());
        module.allocate(report, patient, 9, "0xnodeb", sealedForB);
        assertThat(decrypt(report, toModule(report, fresh.get(0)), "0xnodeb", nodeB))
                .isEqualTo(BUNDLE);
        // a forged slot 0 does not make slots
        byte[] forged = subKeys.get(0).secret().clone();
        forged[31] ^= 1;
        assertRefused(
                () -> module.moreSlots(
                        report,
                        patient,
                        patientKey.publicKey(),
                        1,
                        toModule(report, new SubKeyString(report, 0, forged))),
                Reason.FORGED);
    }

    @Test
    void shreddingMakesEverySubKeyUselessButKeepsTheCiphertext() throws Exception {
        allocate(1, "0xnodea", nodeA);
        assertThat(module.shred(report, "escrow")).isEqualTo(9);
        assertRefused(() -> decrypt(report, toModule(report, subKeys.get(0)), patient, patientKey), Reason.REVOKED);
        assertRefused(() -> decrypt(report, toModule(report, subKeys.get(1)), "0xnodea", nodeA), Reason.REVOKED);
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE module_half IS NOT NULL), count(*),"
                        + " (SELECT count(*) FROM protect_blob b JOIN protected_report r ON r.blob_hash = b.hash"
                        + " WHERE r.report_id = '" + report + "') FROM subkey_slot WHERE report_id = '" + report
                        + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
            assertThat(rs.getLong(2)).isEqualTo(9);
            assertThat(rs.getLong(3)).isEqualTo(1);
        }
    }

    @Test
    void reportsHeldForAnUnenrolledPatientAreHandedOverWhenTheyEnrol() {
        String identity = "ledger.institution.local";
        UUID held = UUID.randomUUID();
        byte[] ref = ReportCipher.sha256(("held-" + held).getBytes(StandardCharsets.UTF_8));
        module.protectAll(List.of(new PrivacyModule.ProtectRequest(
                held,
                UUID.randomUUID(),
                "local",
                ref,
                null,
                new ReportProtector.Recipient(
                        ProtectedReport.institutionRecipient("local"), custody.encryptionPublicKey(identity)),
                BUNDLE)));
        assertRefused(() -> module.packets(held, patient), Reason.UNKNOWN_REPORT);

        byte[] institutionPrivate = custody.encryptionPrivateKey(identity);
        assertThat(module.handOver(ref, patient, patientKey.publicKey(), "local", Hpke.recipient(institutionPrivate)))
                .isEqualTo(1);
        List<byte[]> packets = module.packets(held, patient);
        assertThat(packets).hasSize(1);
        List<SubKeyString> keys = SubKeyString.decodePacket(Hpke.open(
                patientKey.privateKey(), SubKeyString.INFO_PACKET, SubKeyString.reportBytes(held), packets.get(0)));
        assertThat(decrypt(held, toModule(held, keys.get(0)), patient, patientKey))
                .isEqualTo(BUNDLE);
        // a second hand-over finds nothing left
        assertThat(module.handOver(ref, patient, patientKey.publicKey(), "local", Hpke.recipient(institutionPrivate)))
                .isZero();
    }

    @Test
    void aRedeliveredReportIsLeftAsItWasAndTheRestOfItsBatchIsStored() throws Exception {
        byte[] other = "{\"resourceType\":\"Bundle\",\"id\":\"REDELIVERED\"}".getBytes(StandardCharsets.UTF_8);
        UUID fresh = UUID.randomUUID();
        UUID twice = UUID.randomUUID();
        // the report of @BeforeEach again (new key material, other content), a new report, and one report twice
        module.protectAll(
                List.of(request(report, other), request(fresh, BUNDLE), request(twice, BUNDLE), request(twice, other)));

        assertThat(module.packets(report, patient)).hasSize(1);
        assertThat(decrypt(report, toModule(report, subKeys.get(0)), patient, patientKey))
                .isEqualTo(BUNDLE);
        for (UUID id : List.of(fresh, twice)) {
            List<byte[]> packets = module.packets(id, patient);
            assertThat(packets).hasSize(1);
            List<SubKeyString> keys = SubKeyString.decodePacket(Hpke.open(
                    patientKey.privateKey(), SubKeyString.INFO_PACKET, SubKeyString.reportBytes(id), packets.get(0)));
            assertThat(keys).hasSize(9);
            // the first of the two requests for the same report is the one stored
            assertThat(decrypt(id, toModule(id, keys.get(0)), patient, patientKey))
                    .isEqualTo(BUNDLE);
            assertThat(module.slots(id)).hasSize(9).allSatisfy(s -> assertThat(s.moduleHalf())
                    .isNotNull());
        }
        assertThat(module.slots(report)).hasSize(9);
    }

    private PrivacyModule.ProtectRequest request(UUID id, byte[] bundle) {
        return new PrivacyModule.ProtectRequest(
                id,
                UUID.randomUUID(),
                "local",
                ReportCipher.sha256(("ref" + patient).getBytes(StandardCharsets.UTF_8)),
                patient,
                new ReportProtector.Recipient(ProtectedReport.patientRecipient(patient), patientKey.publicKey()),
                bundle);
    }

    @Test
    void kekRotationRewrapsEveryHalfWithoutChangingWhatOpens() {
        allocate(1, "0xnodea", nodeA);
        module.revoke(report, patient, 1);
        int before = keks.current();
        PrivacyModule.Rotation rotation = module.rotate(7);
        assertThat(rotation.version()).isEqualTo(before + 1);
        assertThat(rotation.halvesRewrapped()).isGreaterThanOrEqualTo(8);
        assertThat(module.kekUse()).containsEntry(before, 0L);
        assertThat(module.kekUse().get(rotation.version())).isGreaterThanOrEqualTo(8L);
        assertThat(module.slots(report).get(0).kekVersion()).isEqualTo(rotation.version());

        module.retire(before);
        assertThat(keks.versions()).doesNotContain(before);
        assertThat(decrypt(report, toModule(report, subKeys.get(0)), patient, patientKey))
                .isEqualTo(BUNDLE);
        // the revoked slot stays revoked through a rotation
        assertThat(module.slots(report).get(1).moduleHalf()).isNull();
        assertRefused(() -> module.retire(rotation.version()), Reason.CONFLICT);
    }
}
