package org.patientgate.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.patientgate.protect.Hpke;
import org.patientgate.protect.SubKeyString;

/** The HPKE half of the wallet, against values sealed here the way the hub seals them. */
class SubKeyPacketsTest {

    // never contacted: these tests open and seal locally
    private final Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create("http://127.0.0.1:9")));
    private final SecureRandom random = new SecureRandom();
    private final UUID report = UUID.randomUUID();

    private SubKeyString subKey(UUID of, int slot) {
        byte[] secret = new byte[SubKeyString.SECRET_LENGTH];
        random.nextBytes(secret);
        return new SubKeyString(of, slot, secret);
    }

    private byte[] sealToWallet(byte[] info, UUID aadReport, byte[] plaintext) {
        return Hpke.seal(wallet.encryptionPublicKey(), info, SubKeyString.reportBytes(aadReport), plaintext);
    }

    @Test
    void packetSealedToTheWallet_opensToItsSubKeyStrings() {
        List<SubKeyString> strings = List.of(subKey(report, 0), subKey(report, 1), subKey(report, 2));
        byte[] sealed = sealToWallet(SubKeyString.INFO_PACKET, report, SubKeyString.encodePacket(strings));

        assertThat(wallet.openPacket(report, sealed)).containsExactlyElementsOf(strings);
    }

    @Test
    void packetSealedForAnotherReport_doesNotOpen() {
        byte[] sealed = sealToWallet(
                SubKeyString.INFO_PACKET, UUID.randomUUID(), SubKeyString.encodePacket(List.of(subKey(report, 0))));

        assertThatThrownBy(() -> wallet.openPacket(report, sealed))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("does not open");
    }

    @Test
    void valueSealedForAnotherPurpose_doesNotOpenAsAPacket() {
        byte[] sealed =
                sealToWallet(SubKeyString.INFO_NODE, report, SubKeyString.encodePacket(List.of(subKey(report, 0))));

        assertThatThrownBy(() -> wallet.openPacket(report, sealed)).isInstanceOf(WalletException.class);
    }

    @Test
    void packetSealedToAnotherKey_doesNotOpen() {
        byte[] sealed = Hpke.seal(
                Hpke.generateKeyPair().publicKey(),
                SubKeyString.INFO_PACKET,
                SubKeyString.reportBytes(report),
                SubKeyString.encodePacket(List.of(subKey(report, 0))));

        assertThatThrownBy(() -> wallet.openPacket(report, sealed))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining(report.toString());
    }

    @Test
    void alteredPacket_doesNotOpen() {
        byte[] sealed =
                sealToWallet(SubKeyString.INFO_PACKET, report, SubKeyString.encodePacket(List.of(subKey(report, 0))));
        sealed[sealed.length - 1] ^= 1;

        assertThatThrownBy(() -> wallet.openPacket(report, sealed)).isInstanceOf(WalletException.class);
    }

    @Test
    void packetHoldingAnotherReportsString_isRefused() {
        byte[] sealed = sealToWallet(
                SubKeyString.INFO_PACKET,
                report,
                SubKeyString.encodePacket(List.of(subKey(report, 0), subKey(UUID.randomUUID(), 1))));

        assertThatThrownBy(() -> wallet.openPacket(report, sealed))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("another report");
    }

    @Test
    void packetOfSomethingElse_isRefused() {
        byte[] sealed = sealToWallet(SubKeyString.INFO_PACKET, report, "not sub-keys".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> wallet.openPacket(report, sealed))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("does not hold sub-key strings");
    }

    @Test
    void allocatedSubKey_opensAndMustBeTheListedSlot() {
        SubKeyString s = subKey(report, 4);
        byte[] sealed = sealToWallet(SubKeyString.INFO_NODE, report, s.encode());

        assertThat(wallet.openAllocated(report, 4, sealed)).isEqualTo(s);
        assertThatThrownBy(() -> wallet.openAllocated(report, 5, sealed))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("another slot or report");
    }

    @Test
    void subKeySealedToTheModule_opensWithTheModuleKeyForTheRequestedReport() {
        Hpke.KeyPair module = Hpke.generateKeyPair();
        UUID otherReport = UUID.randomUUID();
        SubKeyString s = subKey(otherReport, 1);

        byte[] sealed = Wallet.sealToModule(module.publicKey(), report, s);

        // the associated data is the report asked for, so the module can tell "another report's sub-key"
        byte[] opened =
                Hpke.open(module.privateKey(), SubKeyString.INFO_MODULE, SubKeyString.reportBytes(report), sealed);
        assertThat(SubKeyString.decode(opened)).isEqualTo(s);
        assertThatThrownBy(() -> Hpke.open(
                        module.privateKey(), SubKeyString.INFO_NODE, SubKeyString.reportBytes(report), sealed))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void reportSealedToTheWallet_opensToTheBundle() {
        byte[] bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = sealToWallet(SubKeyString.INFO_REPORT, report, bundle);

        assertThat(wallet.openReport(report, sealed)).isEqualTo(bundle);
        assertThatThrownBy(() -> wallet.openReport(UUID.randomUUID(), sealed)).isInstanceOf(WalletException.class);
    }
}
