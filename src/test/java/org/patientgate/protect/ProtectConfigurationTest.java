package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.config.HubProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class ProtectConfigurationTest {

    @TempDir
    Path tmp;

    private Path keystore() {
        return tmp.resolve("keys").resolve("hub.p12");
    }

    private Path generated() {
        return tmp.resolve("keys").resolve("keystore.password");
    }

    @Test
    void configuredPasswordWinsOverAPasswordFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("pw.txt"), "from-file");

        String password =
                ProtectConfiguration.password(keystore(), new KeystoreProperties(keystore(), "from-env", file));

        assertThat(password).isEqualTo("from-env");
        assertThat(generated()).doesNotExist();
    }

    @Test
    void passwordFileIsReadAndTrimmedWhenNoPasswordIsConfigured() throws Exception {
        Path file = Files.writeString(tmp.resolve("pw.txt"), "  s3cret-from-file \n");

        String password = ProtectConfiguration.password(keystore(), new KeystoreProperties(keystore(), null, file));

        assertThat(password).isEqualTo("s3cret-from-file");
        assertThat(generated()).doesNotExist();
    }

    @Test
    void blankConfiguredPasswordFallsBackToThePasswordFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("pw.txt"), "from-file");

        assertThat(ProtectConfiguration.password(keystore(), new KeystoreProperties(keystore(), "  ", file)))
                .isEqualTo("from-file");
    }

    @Test
    void unreadablePasswordFileIsRefusedNamingTheProperty() {
        Path missing = tmp.resolve("no-such-file");

        assertThatThrownBy(() ->
                        ProtectConfiguration.password(keystore(), new KeystoreProperties(keystore(), null, missing)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("hub.keystore.password-file");
    }

    @Test
    void withNothingConfiguredAPasswordIsGeneratedOnceIntoAnOwnerOnlyFile() throws Exception {
        KeystoreProperties none = new KeystoreProperties(keystore(), null, null);

        String first = ProtectConfiguration.password(keystore(), none);

        assertThat(first).isNotBlank().hasSizeGreaterThanOrEqualTo(32);
        assertThat(generated()).exists();
        assertThat(Files.readString(generated()).trim()).isEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(generated())))
                .isEqualTo("rw-------");
        assertThat(ProtectConfiguration.password(keystore(), none)).isEqualTo(first);
    }

    @Test
    void generatedPasswordIsReusedOnceTheKeystoreExists() throws Exception {
        KeystoreProperties none = new KeystoreProperties(keystore(), null, null);
        ProtectConfiguration.password(keystore(), none);
        Files.writeString(keystore(), "a keystore made with the generated password");

        assertThat(ProtectConfiguration.password(keystore(), none))
                .isEqualTo(Files.readString(generated()).trim());
    }

    @Test
    void existingKeystoreWithoutAnyPasswordIsRefusedNamingTheVariable() throws Exception {
        Files.createDirectories(keystore().getParent());
        Files.writeString(keystore(), "not empty");

        assertThatThrownBy(
                        () -> ProtectConfiguration.password(keystore(), new KeystoreProperties(keystore(), null, null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HUB_KEYSTORE_PASSWORD")
                .hasMessageContaining(keystore().toString());
        assertThat(generated()).doesNotExist();
    }

    @Test
    void anEmptyPasswordFileIsRefused() throws Exception {
        Path file = Files.createTempFile("empty-password", ".txt");
        Files.writeString(file, "  \n");
        assertThatThrownBy(() -> ProtectConfiguration.password(
                        file.resolveSibling("absent-" + System.nanoTime() + ".p12"),
                        new KeystoreProperties(null, null, file)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is empty");
    }

    @Test
    void keystoreTypeAndPkcs11ConfigBindFromProperties() {
        KeystoreProperties bound = bind(Map.of(
                "hub.keystore.type", "pkcs11",
                "hub.keystore.pkcs11-config", "/etc/patientgate/pkcs11.cfg",
                "hub.keystore.password", "token-pin-1234"));

        assertThat(bound.type()).isEqualTo(KeystoreProperties.Type.PKCS11);
        assertThat(bound.pkcs11Config()).isEqualTo(Path.of("/etc/patientgate/pkcs11.cfg"));
        assertThat(bound.toString()).contains("PKCS11").doesNotContain("token-pin-1234");
    }

    @Test
    void keystoreTypeDefaultsToPkcs12() {
        KeystoreProperties bound = bind(Map.of("hub.keystore.password", "pw"));

        assertThat(bound.type()).isEqualTo(KeystoreProperties.Type.PKCS12);
        assertThat(bound.pkcs11Config()).isNull();
        assertThat(new KeystoreProperties(keystore(), null, null).type()).isEqualTo(KeystoreProperties.Type.PKCS12);
    }

    @Test
    void aTokenPinIsNeverGenerated() {
        KeystoreProperties none =
                new KeystoreProperties(null, null, null, KeystoreProperties.Type.PKCS11, tmp.resolve("p11.cfg"));

        assertThatThrownBy(() -> ProtectConfiguration.pin(none))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HUB_KEYSTORE_PASSWORD")
                .hasMessageContaining("hub.keystore.password-file");
        assertThatThrownBy(() -> new ProtectConfiguration().keyCustody(hub(), none))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PIN");
        assertThat(tmp.resolve("keys")).doesNotExist();
    }

    @Test
    void typePkcs11OpensTheTokenCustodyNamingItsConfigurationProperty() {
        Path missing = tmp.resolve("absent-pkcs11.cfg");
        KeystoreProperties token =
                new KeystoreProperties(null, "token-pin-1234", null, KeystoreProperties.Type.PKCS11, missing);

        assertThatThrownBy(() -> new ProtectConfiguration().keyCustody(hub(), token))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hub.keystore.pkcs11-config")
                .hasMessageContaining(missing.toString())
                .message()
                .doesNotContain("token-pin-1234");
        assertThat(tmp.resolve("keys")).doesNotExist();
    }

    private HubProperties hub() {
        return new HubProperties(tmp, tmp.resolve("routes"), tmp.resolve("mappings"));
    }

    private static KeystoreProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bind("hub.keystore", KeystoreProperties.class)
                .get();
    }

    @Test
    void theContextPicksTheCustodyByTypeAndFailsToStartNamingTheProperty() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withUserConfiguration(Properties.class, ProtectConfiguration.class)
                .withPropertyValues("hub.data-dir=" + tmp, "hub.keystore.password=context-pw");

        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KeyCustody.class))
                    .isInstanceOf(org.patientgate.protect.pkcs12.Pkcs12KeyCustody.class);
            assertThat(context.getBean(KeyEncryptionKeys.class).current()).isEqualTo(1);
        });
        runner.withPropertyValues("hub.keystore.type=PKCS11", "hub.keystore.pkcs11-config=" + tmp.resolve("absent.cfg"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable root = context.getStartupFailure();
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    assertThat(root)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("hub.keystore.pkcs11-config")
                            .message()
                            .doesNotContain("context-pw");
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({HubProperties.class, KeystoreProperties.class})
    static class Properties {}
}
