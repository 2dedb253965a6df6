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
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A patient's decisions travel through the same outbox and come back through the event follower:
 * the patient registers (their signed Registration relayed by the hub), the hub anchors three of
 * their reports, the patient releases one and rejects another with EIP-712 signatures made by
 * their own key, and the follower reads EntryReleased / EntryRejected back from its persisted block
 * cursor into the entries' state.
 */
class LedgerEventsIT {

    @TempDir
    Path dir;

    @Test
    void patientDecisionsAreRelayed_andReadBackFromTheChainByTheFollower() throws Exception {
        try (LedgerTestBed bed = LedgerTestBed.create(
                dir, LedgerTestBed.embedded(1000, Duration.ofMillis(50), Duration.ofSeconds(10)))) {
            bed.ledger.start();
            String signer = LedgerIdentities.institution("local");
            String institution = bed.ledger.institutionAddress();
            var contracts = bed.ledger.status().contracts();

            ECKeyPair patientKey = Keys.createEcKeyPair();
            String patient = "0x" + Keys.getAddress(patientKey);
            byte[] encryptionKey = random32();
            byte[] profileHash = random32();
            BigInteger deadline = BigInteger.valueOf(System.currentTimeMillis() / 1000 + 3600);
            byte[] registration = Eip712.sign(
                    Eip712.digest(
                            Eip712.domainSeparator(Eip712.REGISTRY_NAME, 31337, contracts.get("ParticipantRegistry")),
                            Eip712.registration(patient, encryptionKey, profileHash, BigInteger.ZERO, deadline)),
                    patientKey);
            bed.outbox.enqueue(new LedgerWrite.RegisterPatient(
                    signer, patient, encryptionKey, profileHash, false, deadline, registration));

            List<EscrowEntry> reports = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reports.add(
                        new EscrowEntry(patient, EscrowEntry.reportIdOf(UUID.randomUUID()), random32(), institution));
            }
            bed.anchoring.enqueue(reports);
            await().atMost(Duration.ofSeconds(30)).until(() -> bed.ledger
                    .proof(reports.get(2).leaf())
                    .flatMap(p -> p.entry().anchor())
                    .map(a -> "DONE".equals(a.status()))
                    .orElse(false));

            byte[] escrowDomain = Eip712.domainSeparator(Eip712.ESCROW_NAME, 31337, contracts.get("ConsentEscrow"));
            // what the patient's wallet computes from the institution's registered key and its own
            String intermediate = EscrowEntry.intermediateAccount(bed.keys.encryptionPublicKey(signer), encryptionKey);
            // full-width random nonces, through the outbox's JSON payload and back
            BigInteger releaseNonce = new BigInteger(256, ThreadLocalRandom.current()).setBit(255);
            BigInteger rejectNonce = new BigInteger(256, ThreadLocalRandom.current()).setBit(255);
            decide(bed, signer, reports.get(0), intermediate, true, releaseNonce, escrowDomain, patientKey, deadline);
            decide(bed, signer, reports.get(1), intermediate, false, rejectNonce, escrowDomain, patientKey, deadline);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(decision(bed, reports.get(0))).isEqualTo("RELEASED");
                assertThat(decision(bed, reports.get(1))).isEqualTo("REJECTED");
            });
            assertThat(decision(bed, reports.get(2))).isEqualTo("PENDING");
            assertThat(bed.outbox.depth().failed()).isZero();

            try (Connection c = bed.dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT name, data->>'patient',"
                            + " data->>'intermediateAccount', data->>'sharingAccount', block_number FROM ledger_event"
                            + " WHERE subject = ? ORDER BY id");
                    PreparedStatement cursor = c.prepareStatement(
                            "SELECT block_number FROM ledger_cursor WHERE name = 'contract-events'")) {
                ps.setBytes(1, reports.get(0).leaf());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("EntryReleased");
                    assertThat(rs.getString(2)).isEqualToIgnoringCase(patient);
                    assertThat(rs.getString(3)).isEqualToIgnoringCase(intermediate);
                    assertThat(rs.getString(4)).isEqualToIgnoringCase(patient);
                    long releaseBlock = rs.getLong(5);
                    try (ResultSet cr = cursor.executeQuery()) {
                        assertThat(cr.next()).isTrue();
                        assertThat(cr.getLong(1))
                                .as("the persisted cursor is past the release")
                                .isGreaterThanOrEqualTo(releaseBlock);
                    }
                }
            }
        }
    }

    private static void decide(
            LedgerTestBed bed,
            String signer,
            EscrowEntry entry,
            String intermediate,
            boolean release,
            BigInteger nonce,
            byte[] escrowDomain,
            ECKeyPair patientKey,
            BigInteger deadline) {
        EscrowAnchoring.AnchoredEntry anchored =
                bed.anchoring.find(entry.leaf()).orElseThrow();
        byte[] signature = Eip712.sign(
                Eip712.digest(escrowDomain, Eip712.decision(entry.leaf(), intermediate, release, nonce, deadline)),
                patientKey);
        bed.outbox.enqueue(new LedgerWrite.EscrowDecision(
                signer, entry, anchored.batchRoot(), anchored.proof(), release, nonce, deadline, signature));
        bed.ledger.nudge();
    }

    private static String decision(LedgerTestBed bed, EscrowEntry entry) {
        return bed.anchoring.find(entry.leaf()).orElseThrow().decision();
    }

    private static byte[] random32() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
