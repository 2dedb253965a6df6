package org.patientgate.protect.pkcs12;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Pkcs12KeyCustodyTest {

    private static final BigInteger SECP256K1_N =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    private static final String PASSWORD = "correct-horse-battery-staple";

    @TempDir
    Path tmp;

    private Path file() {
        return tmp.resolve("keys").resolve("hub.p12");
    }

    private Pkcs12KeyCustody open() {
        return new Pkcs12KeyCustody(file(), PASSWORD.toCharArray());
    }

    @Test
    void ledgerKeyIs32BytesInsideTheCurveOrder() {
        byte[] key = open().ledgerKey("ledger.admin");

        BigInteger k = new BigInteger(1, key);
        assertThat(key).hasSize(32);
        assertThat(k).isGreaterThanOrEqualTo(BigInteger.ONE).isLessThan(SECP256K1_N);
    }

    @Test
    void ledgerKeyIsStableForTheSameIdentity() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.ledgerKey("ledger.admin")).isEqualTo(custody.ledgerKey("ledger.admin"));
    }

    @Test
    void differentIdentitiesHaveDifferentLedgerKeys() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.ledgerKey("ledger.admin")).isNotEqualTo(custody.ledgerKey("ledger.institution.local"));
    }

    @Test
    void ledgerKeySurvivesReopeningTheFileWithTheSamePassword() {
        byte[] first = open().ledgerKey("ledger.institution.local");

        Pkcs12KeyCustody reopened = open();

        assertThat(reopened.holds("ledger.institution.local")).isTrue();
        assertThat(reopened.ledgerKey("ledger.institution.local")).isEqualTo(first);
    }

    @Test
    void keystoreFileIsOwnerOnlyAndNoTemporaryFileIsLeft() throws Exception {
        open().ledgerKey("ledger.admin");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file())))
                .isEqualTo("rw-------");
        assertThat(file().resolveSibling("hub.p12.tmp")).doesNotExist();
    }

    @Test
    void creatingTheCustodyWritesNothingUntilAKeyIsAskedFor() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.holds("ledger.admin")).isFalse();
        assertThat(file()).doesNotExist();
    }

    @Test
    void wrongPasswordIsRefusedNamingThePropertyButNotThePassword() {
        open().ledgerKey("ledger.admin");
        String wrong = "not-the-password-" + System.nanoTime();

        assertThatThrownBy(() -> new Pkcs12KeyCustody(file(), wrong.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HUB_KEYSTORE_PASSWORD")
                .hasMessageContaining("hub.keystore.password")
                .message()
                .doesNotContain(wrong)
                .doesNotContain(PASSWORD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Ledger.Admin", "../etc/passwd", "ledger/admin", "ledger admin", ".hidden", "-dash"})
    void identitiesWithIllegalCharactersAreRefused(String identity) {
        Pkcs12KeyCustody custody = open();

        assertThatThrownBy(() -> custody.ledgerKey(identity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key identity");
        assertThatThrownBy(() -> custody.encryptionPublicKey(identity)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> custody.holds(identity)).isInstanceOf(IllegalArgumentException.class);
        assertThat(file()).doesNotExist();
    }

    @Test
    void identityLongerThan100CharactersIsRefused() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.ledgerKey("a".repeat(100))).hasSize(32);
        assertThatThrownBy(() -> custody.ledgerKey("a".repeat(101))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encryptionPublicKeyIs32BytesAndStableAcrossReopen() {
        byte[] first = open().encryptionPublicKey("ledger.institution.local");

        byte[] again = open().encryptionPublicKey("ledger.institution.local");

        assertThat(first).hasSize(32);
        assertThat(again).isEqualTo(first);
    }

    @Test
    void differentIdentitiesHaveDifferentEncryptionKeys() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.encryptionPublicKey("ledger.institution.a"))
                .isNotEqualTo(custody.encryptionPublicKey("ledger.institution.b"));
    }

    @Test
    void encryptionPublicKeyIsAValidX25519Key() throws Exception {
        byte[] raw = open().encryptionPublicKey("ledger.institution.local");
        KeyPair mine = KeyPairGenerator.getInstance("X25519").generateKeyPair();

        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(mine.getPrivate());
        agreement.doPhase(x25519PublicKey(raw), true);
        byte[] secret = agreement.generateSecret();

        assertThat(secret).hasSize(32);
        assertThat(new BigInteger(1, secret)).isNotEqualTo(BigInteger.ZERO);
    }

    @Test
    void rawX25519IsLittleEndianAndPadded() {
        byte[] raw = Pkcs12KeyCustody.rawX25519(BigInteger.valueOf(0x0102));

        assertThat(raw).hasSize(32);
        assertThat(raw[0]).isEqualTo((byte) 0x02);
        assertThat(raw[1]).isEqualTo((byte) 0x01);
        assertThat(new BigInteger(1, reverse(raw))).isEqualTo(BigInteger.valueOf(0x0102));
    }

    @Test
    void rawX25519RoundTripsEveryWidthOfU() {
        BigInteger p = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
        for (BigInteger u : new BigInteger[] {
            BigInteger.ONE, // 1 byte
            BigInteger.ONE.shiftLeft(247), // toByteArray() adds a sign byte: 32 bytes with a leading 0
            BigInteger.ONE.shiftLeft(248).add(BigInteger.TEN), // top byte 0x01
            p.subtract(BigInteger.ONE) // the largest u, top byte 0x7f
        }) {
            byte[] raw = Pkcs12KeyCustody.rawX25519(u);
            assertThat(raw).hasSize(32);
            assertThat(new BigInteger(1, reverse(raw))).as("u=%s", u).isEqualTo(u);
        }
    }

    @Test
    void ledgerKeysAreCopies() {
        Pkcs12KeyCustody custody = open();
        byte[] created = custody.ledgerKey("ledger.admin");
        byte[] expected = created.clone();

        created[0] ^= (byte) 0xff;
        byte[] read = custody.ledgerKey("ledger.admin");
        read[1] ^= (byte) 0xff;

        assertThat(custody.ledgerKey("ledger.admin")).isEqualTo(expected);
    }

    @Test
    void encryptionPublicKeysAreCopies() {
        Pkcs12KeyCustody custody = open();
        byte[] created = custody.encryptionPublicKey("ledger.admin");
        byte[] expected = created.clone();

        created[0] ^= (byte) 0xff;
        byte[] read = custody.encryptionPublicKey("ledger.admin");
        read[1] ^= (byte) 0xff;

        assertThat(custody.encryptionPublicKey("ledger.admin")).isEqualTo(expected);
    }

    @Test
    void holdsOnlyIdentitiesWhoseLedgerKeyWasCreated() {
        Pkcs12KeyCustody custody = open();

        assertThat(custody.holds("ledger.admin")).isFalse();
        custody.ledgerKey("ledger.admin");
        custody.encryptionPublicKey("ledger.institution.local");

        assertThat(custody.holds("ledger.admin")).isTrue();
        assertThat(open().holds("ledger.admin")).isTrue();
        assertThat(custody.holds("ledger.other")).isFalse();
        assertThat(custody.holds("ledger.institution.local")).isFalse(); // only its encryption key exists
    }

    @Test
    void ledgerAndEncryptionKeysOfOneIdentityCoexist() {
        Pkcs12KeyCustody custody = open();
        byte[] ledger = custody.ledgerKey("ledger.institution.local");
        byte[] encryption = custody.encryptionPublicKey("ledger.institution.local");

        Pkcs12KeyCustody reopened = open();

        assertThat(reopened.ledgerKey("ledger.institution.local")).isEqualTo(ledger);
        assertThat(reopened.encryptionPublicKey("ledger.institution.local")).isEqualTo(encryption);
    }

    @Test
    void closingTheCustodyLeavesTheKeystoreIntact() {
        Pkcs12KeyCustody custody = open();
        byte[] key = custody.ledgerKey("ledger.admin");

        custody.close();

        assertThat(open().ledgerKey("ledger.admin")).isEqualTo(key);
    }

    private static PublicKey x25519PublicKey(byte[] rawLittleEndian) throws Exception {
        BigInteger u = new BigInteger(1, reverse(rawLittleEndian));
        return KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    }

    private static byte[] reverse(byte[] in) {
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[in.length - 1 - i];
        }
        return out;
    }
}
