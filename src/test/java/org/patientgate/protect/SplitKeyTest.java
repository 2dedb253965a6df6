package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.protect.ProtectedReport.Slot;
import org.patientgate.protect.ProtectedReport.SlotState;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;

/**
 * The split-key scheme without storage: a report encrypted under K, one independent s_i per slot, the
 * module keeping only m_i = K ⊕ s_i wrapped under its KEK. Every combination other than a slot's own
 * s_i with that slot's own m_i must fail.
 */
class SplitKeyTest {

    private static final byte[] PLAINTEXT =
            "{\"resourceType\":\"Bundle\",\"note\":\"SPLITKEY-MARKER\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private KeyEncryptionKeys keks;
    private ReportProtector protector;
    private Hpke.KeyPair patient;
    private final UUID report = UUID.randomUUID();
    private final byte[] patientRef = ReportCipher.sha256("patient".getBytes(StandardCharsets.UTF_8));
    private ProtectedReport stored;
    private byte[] ciphertext;
    private List<SubKeyString> subKeys;

    @BeforeEach
    void protect() {
        keks = new CustodyKeyEncryptionKeys(new Pkcs12KeyCustody(dir.resolve("hub.p12"), "pw".toCharArray()));
        protector = new ReportProtector(keks, 8);
        patient = Hpke.generateKeyPair();
        ReportProtector.Result result = protector.protect(
                report,
                UUID.randomUUID(),
                "local",
                patientRef,
                "0xpatient",
                new ReportProtector.Recipient("patient:0xpatient", patient.publicKey()),
                PLAINTEXT);
        stored = result.report();
        ciphertext = result.ciphertext();
        byte[] packet = Hpke.open(
                patient.privateKey(),
                SubKeyString.INFO_PACKET,
                SubKeyString.reportBytes(report),
                stored.packet().sealed());
        subKeys = SubKeyString.decodePacket(packet);
    }

    private byte[] half(int slot) {
        Slot s = stored.slots().get(slot);
        return keks.unwrap(s.moduleHalf(), ReportProtector.moduleHalfAad(report, slot));
    }

    private byte[] open(byte[] key, byte[] aad, byte[] ct) {
        return ReportCipher.decrypt(key, stored.nonce(), aad, ct);
    }

    private byte[] aad() {
        return ReportCipher.associatedData(report, patientRef, stored.contentHash());
    }

    @Test
    void makesSlotZeroAndEightSparesSealedToThePatient() {
        assertThat(stored.slots()).hasSize(9);
        assertThat(stored.slots().get(0).state()).isEqualTo(SlotState.PATIENT);
        assertThat(stored.slots().subList(1, 9)).allMatch(s -> s.state() == SlotState.SPARE);
        assertThat(subKeys).extracting(SubKeyString::slot).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(subKeys).allMatch(s -> s.report().equals(report));
        assertThat(stored.blobHash()).isEqualTo(ReportCipher.sha256(ciphertext));
        assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain("SPLITKEY-MARKER");
    }

    @Test
    void everySlotsOwnHalfAndSubKeyOpenTheReport() {
        for (SubKeyString s : subKeys) {
            byte[] key = ReportCipher.xor(half(s.slot()), s.secret());
            assertThat(open(key, aad(), ciphertext)).isEqualTo(PLAINTEXT);
        }
    }

    @Test
    void aSubKeyWithAnotherSlotsHalfFails() {
        byte[] key = ReportCipher.xor(half(2), subKeys.get(1).secret());
        assertThatThrownBy(() -> open(key, aad(), ciphertext))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.reason()).isEqualTo(ProtectException.Reason.FORGED));
    }

    @Test
    void twoHoldersTogetherRecoverNothing() {
        byte[] s1 = subKeys.get(1).secret();
        byte[] s2 = subKeys.get(2).secret();
        byte[] k = ReportCipher.xor(half(1), s1);
        // Neither sub-key, nor their combination, is K or opens the report: they share no structure.
        for (byte[] candidate : List.of(s1, s2, ReportCipher.xor(s1, s2))) {
            assertThat(candidate).isNotEqualTo(k);
            assertThatThrownBy(() -> open(candidate, aad(), ciphertext)).isInstanceOf(ProtectException.class);
        }
        // and the module's halves alone (m1 ⊕ m2 = s1 ⊕ s2) carry no more than the holders' pair
        assertThat(ReportCipher.xor(half(1), half(2))).isEqualTo(ReportCipher.xor(s1, s2));
        assertThatThrownBy(() -> open(half(1), aad(), ciphertext)).isInstanceOf(ProtectException.class);
    }

    @Test
    void anyFlippedBitInCiphertextTagOrAssociatedDataFails() {
        byte[] key = ReportCipher.xor(half(0), subKeys.get(0).secret());
        for (int index : new int[] {0, ciphertext.length / 2, ciphertext.length - 17, ciphertext.length - 1}) {
            byte[] altered = ciphertext.clone();
            altered[index] ^= 0x01;
            assertThatThrownBy(() -> open(key, aad(), altered)).isInstanceOf(ProtectException.class);
        }
        byte[] otherReport = ReportCipher.associatedData(UUID.randomUUID(), patientRef, stored.contentHash());
        byte[] otherPatient =
                ReportCipher.associatedData(report, ReportCipher.sha256(new byte[] {1}), stored.contentHash());
        byte[] otherContent = ReportCipher.associatedData(report, patientRef, ReportCipher.sha256(new byte[] {2}));
        for (byte[] aad : List.of(otherReport, otherPatient, otherContent)) {
            assertThatThrownBy(() -> open(key, aad, ciphertext)).isInstanceOf(ProtectException.class);
        }
    }

    @Test
    void aFlippedBitInTheSubKeyFails() {
        byte[] secret = subKeys.get(3).secret().clone();
        secret[7] ^= 0x40;
        byte[] key = ReportCipher.xor(half(3), secret);
        assertThatThrownBy(() -> open(key, aad(), ciphertext)).isInstanceOf(ProtectException.class);
    }

    @Test
    void aModuleHalfUnwrapsOnlyForItsOwnReportAndSlot() {
        byte[] wrapped = stored.slots().get(1).moduleHalf();
        assertThatThrownBy(() -> keks.unwrap(wrapped, ReportProtector.moduleHalfAad(report, 2)))
                .isInstanceOf(ProtectException.class);
        assertThatThrownBy(() -> keks.unwrap(wrapped, ReportProtector.moduleHalfAad(UUID.randomUUID(), 1)))
                .isInstanceOf(ProtectException.class);
        byte[] altered = wrapped.clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> keks.unwrap(altered, ReportProtector.moduleHalfAad(report, 1)))
                .isInstanceOf(ProtectException.class);
    }

    @Test
    void thePacketOpensOnlyForThePatient() {
        Hpke.KeyPair other = Hpke.generateKeyPair();
        assertThatThrownBy(() -> Hpke.open(
                        other.privateKey(),
                        SubKeyString.INFO_PACKET,
                        SubKeyString.reportBytes(report),
                        stored.packet().sealed()))
                .isInstanceOf(ProtectException.class);
    }

    @Test
    void twoReportsOfTheSameContentShareNoKeyMaterial() {
        ReportProtector.Result again = protector.protect(
                report,
                UUID.randomUUID(),
                "local",
                patientRef,
                "0xpatient",
                new ReportProtector.Recipient("patient:0xpatient", patient.publicKey()),
                PLAINTEXT);
        assertThat(again.ciphertext()).isNotEqualTo(ciphertext);
        assertThat(again.report().nonce()).isNotEqualTo(stored.nonce());
    }

    @Test
    void subKeyStringsRoundTripAndRejectGarbage() {
        SubKeyString s = subKeys.get(4);
        assertThat(SubKeyString.decode(s.encode())).isEqualTo(s);
        assertThat(s.toString()).doesNotContain(java.util.HexFormat.of().formatHex(s.secret()));
        byte[] bad = s.encode();
        bad[0] = 'X';
        assertThatThrownBy(() -> SubKeyString.decode(bad)).isInstanceOf(ProtectException.class);
        assertThatThrownBy(() -> SubKeyString.decode(new byte[54])).isInstanceOf(ProtectException.class);
        assertThatThrownBy(() -> SubKeyString.decodePacket(new byte[56])).isInstanceOf(ProtectException.class);
    }
}
