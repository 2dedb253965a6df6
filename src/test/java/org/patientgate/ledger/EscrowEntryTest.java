package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

class EscrowEntryTest {

    private static final String PATIENT = "0x00000000000000000000000000000000000000aa";
    private static final String INSTITUTION = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";
    private static final byte[] REPORT_ID = hex("0x" + "ab".repeat(16) + "00".repeat(16));
    private static final byte[] CONTENT_HASH = Hash.sha3(new byte[] {1, 2, 3});

    @Test
    void leafIsDoubleKeccakOfTheFourWordAbiEncoding() {
        String encoded = "0x"
                + "00".repeat(12) + "00000000000000000000000000000000000000aa"
                + "ab".repeat(16) + "00".repeat(16)
                + Numeric.toHexStringNoPrefix(CONTENT_HASH)
                + "00".repeat(12) + "cccccccccccccccccccccccccccccccccccccccc";
        byte[] inner = Hash.sha3(hex(encoded));

        byte[] leaf = entry().leaf();

        assertThat(hex(encoded)).hasSize(128);
        assertThat(leaf).isEqualTo(Hash.sha3(inner));
        assertThat(leaf).isNotEqualTo(inner);
    }

    @Test
    void changingAnyFieldChangesTheLeaf() {
        byte[] leaf = entry().leaf();
        byte[] otherId = REPORT_ID.clone();
        otherId[31] = 1;
        byte[] otherContent = CONTENT_HASH.clone();
        otherContent[0] ^= (byte) 0x80;

        assertThat(new EscrowEntry("0x00000000000000000000000000000000000000ab", REPORT_ID, CONTENT_HASH, INSTITUTION)
                        .leaf())
                .isNotEqualTo(leaf);
        assertThat(new EscrowEntry(PATIENT, otherId, CONTENT_HASH, INSTITUTION).leaf())
                .isNotEqualTo(leaf);
        assertThat(new EscrowEntry(PATIENT, REPORT_ID, otherContent, INSTITUTION).leaf())
                .isNotEqualTo(leaf);
        assertThat(new EscrowEntry(PATIENT, REPORT_ID, CONTENT_HASH, "0xcccccccccccccccccccccccccccccccccccccccd")
                        .leaf())
                .isNotEqualTo(leaf);
        // Same two addresses in the other roles: the encoding is positional.
        assertThat(new EscrowEntry(INSTITUTION, REPORT_ID, CONTENT_HASH, PATIENT).leaf())
                .isNotEqualTo(leaf);
    }

    @Test
    void addressCaseDoesNotMatter() {
        EscrowEntry mixed = entry();
        EscrowEntry lower = new EscrowEntry(PATIENT, REPORT_ID, CONTENT_HASH, INSTITUTION.toLowerCase());

        assertThat(mixed).isEqualTo(lower).hasSameHashCodeAs(lower);
        assertThat(mixed.leaf()).isEqualTo(lower.leaf());
        assertThat(mixed.institution()).isEqualTo("0xcccccccccccccccccccccccccccccccccccccccc");
    }

    @Test
    void refusesMalformedAddresses() {
        for (String bad : new String[] {
            null,
            "",
            "0x",
            "00000000000000000000000000000000000000aa00",
            "0X00000000000000000000000000000000000000aa",
            "0x00000000000000000000000000000000000000a",
            "0x00000000000000000000000000000000000000aaa",
            "0x00000000000000000000000000000000000000ag"
        }) {
            assertThatThrownBy(() -> new EscrowEntry(bad, REPORT_ID, CONTENT_HASH, INSTITUTION))
                    .as("patient %s", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("patient");
            assertThatThrownBy(() -> new EscrowEntry(PATIENT, REPORT_ID, CONTENT_HASH, bad))
                    .as("institution %s", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("institution");
        }
    }

    @Test
    void refusesHashesThatAreNot32Bytes() {
        for (byte[] bad : new byte[][] {null, new byte[0], new byte[16], new byte[31], new byte[33]}) {
            assertThatThrownBy(() -> new EscrowEntry(PATIENT, bad, CONTENT_HASH, INSTITUTION))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reportId");
            assertThatThrownBy(() -> new EscrowEntry(PATIENT, REPORT_ID, bad, INSTITUTION))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("contentHash");
        }
    }

    @Test
    void reportIdOfPutsTheUuidBytesFirstAndZeroPadsTheRest() {
        UUID uuid = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

        assertThat(Numeric.toHexString(EscrowEntry.reportIdOf(uuid)))
                .isEqualTo("0x0f1e2d3c4b5a69788796a5b4c3d2e1f0" + "00".repeat(16));
    }

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] id = REPORT_ID.clone();
        byte[] content = CONTENT_HASH.clone();
        EscrowEntry entry = new EscrowEntry(PATIENT, id, content, INSTITUTION);
        byte[] leaf = entry.leaf();

        id[0] ^= 1;
        content[0] ^= 1;
        entry.reportId()[0] ^= 1;
        entry.contentHash()[0] ^= 1;

        assertThat(entry.reportId()).isEqualTo(REPORT_ID);
        assertThat(entry.contentHash()).isEqualTo(CONTENT_HASH);
        assertThat(entry.leaf()).isEqualTo(leaf);
    }

    @Test
    void equalsAndHashCodeCompareArrayContents() {
        EscrowEntry a = entry();
        EscrowEntry b = new EscrowEntry(PATIENT, REPORT_ID.clone(), CONTENT_HASH.clone(), INSTITUTION);
        byte[] otherContent = CONTENT_HASH.clone();
        otherContent[5] ^= 1;

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new EscrowEntry(PATIENT, REPORT_ID, otherContent, INSTITUTION));
    }

    @Test
    void intermediateAccountIsTheLast20BytesOfKeccakOfInstitutionKeyThenPatientKey() {
        byte[] institutionKey = hex("0x" + "11".repeat(32));
        byte[] patientKey = hex("0x" + "22".repeat(32));

        // the last 20 bytes of keccak256(0x11 × 32 ‖ 0x22 × 32), computed independently with js-sha3
        assertThat(EscrowEntry.intermediateAccount(institutionKey, patientKey))
                .isEqualTo("0xf62fffa4d92bcdfc310dccbe943747fe8302e871");
        assertThat(EscrowEntry.intermediateAccount(patientKey, institutionKey))
                .as("the order of the keys matters")
                .isEqualTo("0x6d1eed489e82dac65ea22376b0712d618c582236");
    }

    @Test
    void intermediateAccountRefusesKeysThatAreNot32Bytes() {
        byte[] key = hex("0x" + "11".repeat(32));
        for (byte[] bad : new byte[][] {null, new byte[0], new byte[31], new byte[33]}) {
            assertThatThrownBy(() -> EscrowEntry.intermediateAccount(bad, key))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("institutionKey");
            assertThatThrownBy(() -> EscrowEntry.intermediateAccount(key, bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("patientKey");
        }
    }

    @Test
    void toStringShowsReportIdAndAddressesButNotTheContentHash() {
        String text = entry().toString();

        assertThat(text)
                .contains(Numeric.toHexString(REPORT_ID))
                .contains(PATIENT)
                .contains(INSTITUTION.toLowerCase())
                .doesNotContain(Numeric.toHexStringNoPrefix(CONTENT_HASH))
                .doesNotContain("[B@");
    }

    private static EscrowEntry entry() {
        return new EscrowEntry(PATIENT, REPORT_ID, CONTENT_HASH, INSTITUTION);
    }

    private static byte[] hex(String hex) {
        return Numeric.hexStringToByteArray(hex);
    }
}
