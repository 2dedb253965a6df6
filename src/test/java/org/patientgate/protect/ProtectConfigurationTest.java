package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
