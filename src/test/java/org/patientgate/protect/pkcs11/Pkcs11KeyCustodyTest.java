package org.patientgate.protect.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.config.HubProperties;
import org.patientgate.protect.CustodyKeyEncryptionKeys;
import org.patientgate.protect.KeyCustody;
import org.patientgate.protect.KeyEncryptionKeys;
import org.patientgate.protect.KeystoreProperties;
import org.patientgate.protect.ProtectConfiguration;
import org.patientgate.protect.ProtectException;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@link Pkcs11KeyCustody} against a real SoftHSM2 token. SoftHSM reads its configuration
 * ({@code SOFTHSM2_CONF}, set by surefire in pom.xml to {@code target/softhsm2.conf}) once, when its
 * library first loads into the JVM; this class writes that file, pointing at a token directory of
 * its own, and initialises the token with {@code softhsm2-util} before any provider loads the
 * library. Every test starts from an empty token.
 */
class Pkcs11KeyCustodyTest {

    private static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String PIN = "test-user-pin-4711";
    private static final String SO_PIN = "test-so-pin-0815";
    private static final BigInteger SECP256K1_N =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    private static final byte[] AAD = "report-42|slot-1".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;

    /** The SunPKCS11 configuration naming the test token (what hub.keystore.pkcs11-config names). */
    private static Path config;

    private static long slot;

    private final List<Pkcs11KeyCustody> opened = new ArrayList<>();

    @BeforeAll
    static void initialiseToken() throws Exception {
        // .ci/run installs softhsm2 when the library is missing, so CI never skips this class.
        assumeTrue(Files.exists(LIBRARY), "SoftHSM2 is not installed (apt-get install softhsm2)");
        String conf = System.getenv("SOFTHSM2_CONF");
        assertThat(conf)
                .as("SOFTHSM2_CONF, set by surefire's environmentVariables in pom.xml")
                .isNotBlank();
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path confFile = Path.of(conf);
        Files.createDirectories(confFile.toAbsolutePath().getParent());
        Files.writeString(
                confFile,
                "directories.tokendir = " + tokens + "\n"
                        + "objectstore.backend = file\n"
                        + "log.level = ERROR\n"
                        + "slots.removable = false\n");

        ProcessBuilder init = new ProcessBuilder(
                        "softhsm2-util", "--init-token", "--free", "--label", "pg", "--pin", PIN, "--so-pin", SO_PIN)
                .redirectErrorStream(true);
        init.environment().put("SOFTHSM2_CONF", confFile.toString());
        Process process = init.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        Matcher reassigned = Pattern.compile("reassigned to slot (\\d+)").matcher(output);
        assertThat(reassigned.find()).as(output).isTrue();
        slot = Long.parseLong(reassigned.group(1));

        config = writeConfig("p11.cfg", "");
    }

    private static Path writeConfig(String name, String extra) throws IOException {
        return Files.writeString(
                dir.resolve(name), "name = PatientGateTest\nlibrary = " + LIBRARY + "\nslot = " + slot + "\n" + extra);
    }

    private Pkcs11KeyCustody open() {
        return open(config);
    }

    private Pkcs11KeyCustody open(Path configFile) {
        Pkcs11KeyCustody custody = new Pkcs11KeyCustody(configFile, PIN.toCharArray());
        opened.add(custody);
        return custody;
    }

    @BeforeEach
    void emptyTheToken() {
        Pkcs11KeyCustody custody = open();
        for (String alias : custody.aliases("")) {
            custody.delete(alias);
        }
        closeAll();
    }

    /** Login is per process: close (log out) every custody so the next one is asked for the PIN. */
    @AfterEach
    void closeAll() {
        opened.forEach(Pkcs11KeyCustody::close);
        opened.clear();
    }

    @Test
    void keyEncryptionKeyIsMadeOnTheTokenAndCannotBeReadOut() throws Exception {
        Pkcs11KeyCustody custody = open();

        new CustodyKeyEncryptionKeys(custody);
        SecretKey kek = custody.secretKey("protect.kek.v1");

        assertThat(custody.aliases("protect.kek.v")).containsExactly("protect.kek.v1");
        assertThat(kek.getAlgorithm()).isEqualTo("AES");
        assertThat(kek.getEncoded()).as("the KEK's value").isNull();
        // SunPKCS11 describes the object's attributes: a token object, CKA_SENSITIVE, not CKA_EXTRACTABLE.
        assertThat(kek.toString())
                .contains("token object")
                .contains(", sensitive")
                .contains("unextractable");
        // Nothing in process can use it: the JDK's own AES refuses it, and a cipher asked for by name
        // alone finds no provider (the token's is not installed JVM-wide), hence cipherProvider().
        byte[] iv = new byte[12];
        assertThatThrownBy(() -> Cipher.getInstance("AES/GCM/NoPadding", "SunJCE")
                        .init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv)))
                .isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> Cipher.getInstance("AES/GCM/NoPadding")
                        .init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv)))
                .isInstanceOf(InvalidKeyException.class);
        assertThat(custody.cipherProvider().getName()).isEqualTo("SunPKCS11-PatientGateTest");
        Cipher onToken = Cipher.getInstance("AES/GCM/NoPadding", custody.cipherProvider());
        onToken.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv));
        assertThat(onToken.getProvider()).isSameAs(custody.cipherProvider());
    }

    @Test
    void aSiteTemplateCannotMakeTheKeyEncryptionKeyReadable() throws Exception {
        Path permissive = writeConfig(
                "permissive.cfg",
                "attributes(generate, CKO_SECRET_KEY, CKK_AES) = {\n"
                        + "  CKA_SENSITIVE = false\n  CKA_EXTRACTABLE = true\n}\n");

        SecretKey kek = open(permissive).createAesKey("protect.kek.v1");

        assertThat(kek.getEncoded()).isNull();
        assertThat(kek.toString()).contains(", sensitive").contains("unextractable");
    }

    @Test
    void wrapAndUnwrapRunOnTheTokenAndCatchTampering() {
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(open());
        byte[] secret = "the module half m_i of a report key".getBytes(StandardCharsets.UTF_8);

        byte[] wrapped = keks.wrap(secret, AAD);

        assertThat(KeyEncryptionKeys.versionOf(wrapped)).isEqualTo(1);
        assertThat(wrapped).hasSize(4 + 12 + secret.length + 16);
        assertThat(keks.unwrap(wrapped, AAD)).isEqualTo(secret);
        assertThat(keks.wrap(secret, AAD)).as("a fresh nonce per wrap").isNotEqualTo(wrapped);

        byte[] flipped = wrapped.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> keks.unwrap(flipped, AAD))
                .isInstanceOf(ProtectException.class)
                .extracting(e -> ((ProtectException) e).reason())
                .isEqualTo(ProtectException.Reason.CORRUPT);
        assertThatThrownBy(() -> keks.unwrap(wrapped, "report-43|slot-1".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtectException.class)
                .extracting(e -> ((ProtectException) e).reason())
                .isEqualTo(ProtectException.Reason.CORRUPT);
    }

    @Test
    void rotateAndRetireWorkOnTheToken() {
        Pkcs11KeyCustody custody = open();
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(custody);
        byte[] underV1 = keks.wrap(new byte[] {1, 2, 3}, AAD);

        int v2 = keks.rotate();
        byte[] underV2 = keks.wrap(new byte[] {4, 5, 6}, AAD);

        assertThat(v2).isEqualTo(2);
        assertThat(keks.current()).isEqualTo(2);
        assertThat(keks.versions()).containsExactly(1, 2);
        assertThat(KeyEncryptionKeys.versionOf(underV2)).isEqualTo(2);
        assertThat(keks.unwrap(underV1, AAD)).containsExactly(1, 2, 3);
        assertThat(keks.unwrap(underV2, AAD)).containsExactly(4, 5, 6);
        assertThat(custody.secretKey("protect.kek.v2").getEncoded()).isNull();

        assertThatThrownBy(() -> keks.retire(2)).isInstanceOf(IllegalArgumentException.class);
        keks.retire(1);

        assertThat(custody.aliases("protect.kek.v")).containsExactly("protect.kek.v2");
        assertThat(custody.secretKey("protect.kek.v1")).isNull();
        assertThatThrownBy(() -> keks.unwrap(underV1, AAD))
                .isInstanceOf(ProtectException.class)
                .hasMessageContaining("not in custody");
        assertThat(keks.unwrap(underV2, AAD)).containsExactly(4, 5, 6);
    }

    @Test
    void aNewCustodyInstanceFindsEveryKeyOnTheToken() {
        Pkcs11KeyCustody first = open();
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(first);
        keks.rotate();
        byte[] wrapped = keks.wrap(new byte[] {9, 8, 7}, AAD);
        byte[] ledger = first.ledgerKey("ledger.admin");
        byte[] encryption = first.encryptionPublicKey("ledger.institution.local");
        KeyPair signing = first.credentialSigningKey();
        closeAll();

        Pkcs11KeyCustody reopened = open();
        KeyEncryptionKeys again = new CustodyKeyEncryptionKeys(reopened);

        assertThat(again.current()).isEqualTo(2);
        assertThat(again.versions()).containsExactly(1, 2);
        assertThat(again.unwrap(wrapped, AAD)).containsExactly(9, 8, 7);
        assertThat(reopened.ledgerKey("ledger.admin")).isEqualTo(ledger);
        assertThat(reopened.encryptionPublicKey("ledger.institution.local")).isEqualTo(encryption);
        assertThat(reopened.credentialSigningKey().getPublic().getEncoded())
                .isEqualTo(signing.getPublic().getEncoded());
        assertThat(reopened.aliases(""))
                .contains(
                        "protect.kek.v1",
                        "protect.kek.v2",
                        "ledger.admin",
                        "ledger.institution.local.x25519",
                        "ledger.institution.local.x25519.pub",
                        "credential.signing",
                        "credential.signing.pub");
    }

    @Test
    void rawByteKeysAreUsableInProcess() throws Exception {
        Pkcs11KeyCustody custody = open();

        byte[] ledger = custody.ledgerKey("ledger.admin");
        assertThat(ledger).hasSize(32);
        assertThat(new BigInteger(1, ledger)).isPositive().isLessThan(SECP256K1_N);
        assertThat(custody.ledgerKey("ledger.admin")).isEqualTo(ledger);
        assertThat(custody.ledgerKey("ledger.institution.local")).isNotEqualTo(ledger);

        // The X25519 halves belong together: both sides of an agreement reach the same secret.
        byte[] publicRaw = custody.encryptionPublicKey("ledger.institution.local");
        byte[] privateRaw = custody.encryptionPrivateKey("ledger.institution.local");
        assertThat(publicRaw).hasSize(32);
        assertThat(privateRaw).hasSize(32);
        KeyPair mine = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        assertThat(agree(mine.getPrivate(), x25519Public(publicRaw)))
                .isEqualTo(agree(x25519Private(privateRaw), mine.getPublic()));

        KeyPair signing = custody.credentialSigningKey();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(signing.getPrivate());
        signer.update(AAD);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(custody.credentialSigningKey().getPublic());
        verifier.update(AAD);
        assertThat(verifier.verify(signature)).isTrue();
    }

    @Test
    void identitiesWithIllegalCharactersAreRefused() {
        Pkcs11KeyCustody custody = open();

        assertThatThrownBy(() -> custody.ledgerKey("../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key identity");
        assertThatThrownBy(() -> custody.createAesKey("Protect KEK")).isInstanceOf(IllegalArgumentException.class);
        assertThat(custody.aliases("")).isEmpty();
    }

    @Test
    void anAliasIsNotCreatedTwice() {
        Pkcs11KeyCustody custody = open();
        custody.createAesKey("protect.kek.v1");

        assertThatThrownBy(() -> custody.createAesKey("protect.kek.v1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exists already");
        assertThat(custody.delete("protect.kek.v1")).isTrue();
        assertThat(custody.delete("protect.kek.v1")).isFalse();
    }

    @Test
    void wrongPinIsRefusedNamingThePropertyButNotThePin() {
        String wrong = "not-the-pin-" + System.nanoTime();

        assertThatThrownBy(() -> new Pkcs11KeyCustody(config, wrong.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refused the configured PIN")
                .hasMessageContaining("HUB_KEYSTORE_PASSWORD")
                .hasMessageContaining("hub.keystore.password-file")
                .hasMessageContaining("CKR_PIN_INCORRECT")
                .message()
                .doesNotContain(wrong)
                .doesNotContain(PIN);
        // and the right PIN still opens it
        assertThat(open().aliases("")).isEmpty();
    }

    @Test
    void missingConfigurationFileIsRefusedNamingTheProperty() {
        Path missing = dir.resolve("no-such.cfg");

        assertThatThrownBy(() -> new Pkcs11KeyCustody(missing, PIN.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config")
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> new Pkcs11KeyCustody(null, PIN.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config is not set");
    }

    @Test
    void missingLibraryIsRefusedNamingTheProperty() throws Exception {
        Path noLibrary = Files.writeString(
                dir.resolve("no-library.cfg"), "name = Missing\nlibrary = " + dir.resolve("libabsent.so") + "\n");

        assertThatThrownBy(() -> new Pkcs11KeyCustody(noLibrary, PIN.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config")
                .hasMessageContaining("libabsent.so")
                .message()
                .doesNotContain(PIN);
    }

    @Test
    void unusableConfigurationAndMissingSlotAreRefusedNamingTheProperty() throws Exception {
        Path garbled = Files.writeString(dir.resolve("garbled.cfg"), "name = X\nlibrary = " + LIBRARY + "\npin = 1\n");
        Path wrongSlot = Files.writeString(
                dir.resolve("wrong-slot.cfg"), "name = X\nlibrary = " + LIBRARY + "\nslot = " + (slot ^ 1) + "\n");

        assertThatThrownBy(() -> new Pkcs11KeyCustody(garbled, PIN.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config")
                .hasMessageContaining("not a usable SunPKCS11 configuration");
        assertThatThrownBy(() -> new Pkcs11KeyCustody(wrongSlot, PIN.toCharArray()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config")
                .hasMessageContaining(wrongSlot.toString());
    }

    @Test
    void theHubWiresTheTokenByConfigurationAndRefusesToStartOnAWrongPin() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withUserConfiguration(Properties.class, ProtectConfiguration.class)
                .withPropertyValues(
                        "hub.data-dir=" + dir.resolve("data"),
                        "hub.keystore.type=PKCS11",
                        "hub.keystore.pkcs11-config=" + config);

        runner.withPropertyValues("hub.keystore.password=" + PIN).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KeyCustody.class)).isInstanceOf(Pkcs11KeyCustody.class);
            KeyEncryptionKeys keks = context.getBean(KeyEncryptionKeys.class);
            assertThat(keks.unwrap(keks.wrap(new byte[] {7}, AAD), AAD)).containsExactly(7);
        });
        assertThat(dir.resolve("data"))
                .as("nothing is written next to the data")
                .doesNotExist();

        String wrong = "wrong-" + System.nanoTime();
        runner.withPropertyValues("hub.keystore.password=" + wrong).run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root.getCause() != null && !(root instanceof IllegalStateException)) {
                root = root.getCause();
            }
            assertThat(root)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the configured PIN")
                    .hasMessageContaining("hub.keystore.password")
                    .message()
                    .doesNotContain(wrong);
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({HubProperties.class, KeystoreProperties.class})
    static class Properties {}

    private static byte[] agree(PrivateKey mine, PublicKey theirs) throws Exception {
        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(mine);
        agreement.doPhase(theirs, true);
        return agreement.generateSecret();
    }

    private static PublicKey x25519Public(byte[] raw) throws Exception {
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = raw[31 - i];
        }
        return KeyFactory.getInstance("X25519")
                .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
    }

    private static PrivateKey x25519Private(byte[] raw) throws Exception {
        return KeyFactory.getInstance("X25519").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, raw));
    }
}
