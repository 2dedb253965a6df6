package org.patientgate.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WalletFileTest {

    private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void createThenOpen_returnsTheSameKeys() {
        Path file = tmp.resolve("wallet.json");

        WalletKeys created = WalletFile.create(file, PASSPHRASE.clone());
        WalletKeys opened = WalletFile.open(file, PASSPHRASE.clone());

        assertThat(opened.address()).isEqualTo(created.address()).matches("0x[0-9a-f]{40}");
        assertThat(opened.encryptionPublicKey()).isEqualTo(created.encryptionPublicKey());
        assertThat(opened.exportPrivateKeys()).isEqualTo(created.exportPrivateKeys());
        assertThat(WalletFile.address(file)).isEqualTo(created.address());
    }

    @Test
    void fileHoldsPublicFieldsAndKdfParameters_butNoPrivateKey() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletKeys keys = WalletFile.create(file, PASSPHRASE.clone());

        String text = Files.readString(file);
        JsonNode json = JSON.readTree(text);
        assertThat(json.path("version").asInt()).isEqualTo(1);
        assertThat(json.path("address").asText()).isEqualTo(keys.address());
        assertThat(json.path("encryptionKey").asText()).isEqualTo(keys.encryptionKeyText());
        assertThat(json.path("kdf").path("algorithm").asText()).isEqualTo("PBKDF2-HMAC-SHA256");
        assertThat(json.path("kdf").path("iterations").asInt()).isGreaterThanOrEqualTo(600_000);
        assertThat(Base64Url.decode(json.path("kdf").path("salt").asText())).hasSize(16);
        assertThat(json.path("cipher").path("algorithm").asText()).isEqualTo("AES-256-GCM");
        byte[] secrets = keys.exportPrivateKeys();
        for (byte[] key : new byte[][] {Arrays.copyOfRange(secrets, 0, 32), Arrays.copyOfRange(secrets, 32, 64)}) {
            assertThat(text)
                    .doesNotContainIgnoringCase(HexFormat.of().formatHex(key))
                    .doesNotContain(Base64Url.encode(key));
        }
    }

    @Test
    void sameKeysWrittenTwice_useFreshSaltAndIv() throws Exception {
        WalletKeys keys = WalletKeys.generate();
        Path a = tmp.resolve("a.json");
        Path b = tmp.resolve("b.json");

        WalletFile.write(a, keys, PASSPHRASE.clone());
        WalletFile.write(b, keys, PASSPHRASE.clone());

        JsonNode ja = JSON.readTree(a.toFile());
        JsonNode jb = JSON.readTree(b.toFile());
        assertThat(ja.path("kdf").path("salt").asText())
                .isNotEqualTo(jb.path("kdf").path("salt").asText());
        assertThat(ja.path("cipher").path("iv").asText())
                .isNotEqualTo(jb.path("cipher").path("iv").asText());
        assertThat(ja.path("cipher").path("ciphertext").asText())
                .isNotEqualTo(jb.path("cipher").path("ciphertext").asText());
    }

    @Test
    void wrongPassphrase_isRefusedNamingTheFile() {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());

        assertThatThrownBy(() -> WalletFile.open(file, "not the passphrase".toCharArray()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("wrong passphrase")
                .hasMessageNotContaining("not the passphrase")
                .hasMessageNotContaining(new String(PASSPHRASE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "cipher.ciphertext | wrong passphrase, or the file was altered",
                "cipher.iv         | wrong passphrase, or the file was altered",
                "kdf.salt          | wrong passphrase, or the file was altered",
                "encryptionKey     | was altered: its encryption key",
            })
    void flippedBitInABinaryField_isRefused(String field, String expected) throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode parent = field.contains(".") ? (ObjectNode) json.path(field.substring(0, field.indexOf('.'))) : json;
        String name = field.substring(field.indexOf('.') + 1);
        byte[] value = Base64Url.decode(parent.path(name).asText());
        value[value.length / 2] ^= 0x01;
        parent.put(name, Base64Url.encode(value));
        Files.write(file, JSON.writeValueAsBytes(json));

        assertThatThrownBy(() -> WalletFile.open(file, PASSPHRASE.clone()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(expected);
    }

    @Test
    void nonCanonicalBase64_isRefused() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        String key = json.path("encryptionKey").asText();
        // 32 bytes take 43 characters; the last one's two low bits carry nothing
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        String edited = key.substring(0, 42) + alphabet.charAt(alphabet.indexOf(key.charAt(42)) ^ 1);
        assertThat(Base64Url.decode(edited))
                .as("the decoder alone cannot see the edit")
                .isEqualTo(Base64Url.decode(key));
        json.put("encryptionKey", edited);
        Files.write(file, JSON.writeValueAsBytes(json));

        assertThatThrownBy(() -> WalletFile.open(file, PASSPHRASE.clone()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("not canonical base64url");
    }

    @Test
    void alteredAddress_isRefused() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletKeys keys = WalletFile.create(file, PASSPHRASE.clone());
        String other = keys.address().substring(0, 41) + (keys.address().endsWith("0") ? "1" : "0");
        Files.writeString(file, Files.readString(file).replace(keys.address(), other));

        assertThatThrownBy(() -> WalletFile.open(file, PASSPHRASE.clone()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("altered");
    }

    @Test
    void flippedByteAnywhereInTheFile_isRefused() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());
        byte[] original = Files.readAllBytes(file);
        // one position in each part of the file: the JSON structure, the public fields, the encrypted keys
        int[] positions = {0, original.length / 4, original.length / 2, original.length - 10};
        for (int position : positions) {
            byte[] bytes = original.clone();
            bytes[position] ^= 0x01;
            Files.write(file, bytes);

            assertThatThrownBy(() -> WalletFile.open(file, PASSPHRASE.clone()))
                    .as("byte %d flipped", position)
                    .isInstanceOf(WalletException.class)
                    .hasMessageContaining(file.toString());
        }
    }

    @Test
    void weakenedKdf_isRefused() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        ((ObjectNode) json.path("kdf")).put("iterations", 1000);
        Files.write(file, JSON.writeValueAsBytes(json));

        assertThatThrownBy(() -> WalletFile.open(file, PASSPHRASE.clone()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("iterations");
    }

    @Test
    void fileIsOwnerOnly() throws Exception {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());

        assertThat(Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (var siblings = Files.list(tmp)) {
            assertThat(siblings).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void existingFile_isNotOverwritten() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletFile.create(file, PASSPHRASE.clone());
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> WalletFile.create(file, PASSPHRASE.clone()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("already exists");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void shortPassphrase_isRefusedOnCreate() {
        Path file = tmp.resolve("wallet.json");

        assertThatThrownBy(() -> WalletFile.create(file, "short".toCharArray()))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("at least 8");
        assertThat(file).doesNotExist();
    }

    @Test
    void backup_isAnIdenticalOwnerOnlyCopyThatOpens() throws Exception {
        Path file = tmp.resolve("wallet.json");
        WalletKeys keys = WalletFile.create(file, PASSPHRASE.clone());
        Path target = tmp.resolve("backups");
        Files.createDirectory(target);

        Path written = WalletFile.backup(file, target);

        assertThat(written).isEqualTo(target.resolve("wallet.json"));
        assertThat(Files.readAllBytes(written)).isEqualTo(Files.readAllBytes(file));
        assertThat(WalletFile.open(written, PASSPHRASE.clone()).address()).isEqualTo(keys.address());
        if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(Files.getPosixFilePermissions(written))
                    .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        }
        assertThatThrownBy(() -> WalletFile.backup(file, written))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void backupOfSomethingElse_isRefused() throws Exception {
        Path notAWallet = tmp.resolve("notes.txt");
        Files.writeString(notAWallet, "hello", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> WalletFile.backup(notAWallet, tmp.resolve("copy.json")))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining(notAWallet.toString());
        assertThat(tmp.resolve("copy.json")).doesNotExist();
    }

    @Test
    void keysToString_showsTheAddressOnly() {
        WalletKeys keys = WalletKeys.generate();
        byte[] secrets = keys.exportPrivateKeys();

        assertThat(keys.toString())
                .contains(keys.address())
                .doesNotContainIgnoringCase(HexFormat.of().formatHex(secrets, 0, 32))
                .doesNotContain(Base64Url.encode(Arrays.copyOfRange(secrets, 32, 64)));
    }
}
