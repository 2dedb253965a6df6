package org.patientgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {

    @TempDir
    Path dir;

    @Test
    void generatesARandomSecretReadableByItsOwnerOnly_andKeepsIt() throws Exception {
        Path file = dir.resolve("nested").resolve("api-token");

        String first = SecretFiles.readOrGenerate(file);
        String again = SecretFiles.readOrGenerate(file);

        assertThat(first).hasSizeGreaterThanOrEqualTo(43).isEqualTo(again);
        assertThat(Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(SecretFiles.readOrGenerate(dir.resolve("other"))).isNotEqualTo(first);
    }

    @Test
    void readsAnExistingSecret() throws Exception {
        Path file = dir.resolve("fhir-token");
        Files.writeString(file, "configured-secret\n");
        assertThat(SecretFiles.readOrGenerate(file)).isEqualTo("configured-secret");
        assertThat(Files.getPosixFilePermissions(file)).isNotEqualTo(Set.of());
    }
}
