package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;

/** The KEK in a PKCS#12 keystore: created once, reopened, refused with a wrong password, rotated. */
class CustodyKeyEncryptionKeysTest {

    @TempDir
    Path dir;

    private Pkcs12KeyCustody custody(String password) {
        return new Pkcs12KeyCustody(dir.resolve("keys").resolve("hub.p12"), password.toCharArray());
    }

    @Test
    void createsVersionOneOnFirstStartAndReopensIt() {
        KeyEncryptionKeys first = new CustodyKeyEncryptionKeys(custody("secret-1"));
        assertThat(first.current()).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("keys").resolve("hub.p12"))).isTrue();
        byte[] wrapped = first.wrap(new byte[] {1, 2, 3}, new byte[] {9});

        KeyEncryptionKeys reopened = new CustodyKeyEncryptionKeys(custody("secret-1"));
        assertThat(reopened.current()).isEqualTo(1);
        assertThat(reopened.unwrap(wrapped, new byte[] {9})).containsExactly(1, 2, 3);
    }

    @Test
    void aWrongPasswordIsRefusedWithAClearError() {
        new CustodyKeyEncryptionKeys(custody("right"));
        assertThatThrownBy(() -> custody("wrong"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not open with the configured password")
                .hasMessageNotContaining("right");
    }

    @Test
    void rotationMakesANewCurrentVersionAndOldWrapsStillOpenUntilRetired() {
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(custody("pw"));
        byte[] old = keks.wrap(new byte[] {7}, new byte[0]);
        assertThat(keks.rotate()).isEqualTo(2);
        byte[] fresh = keks.wrap(new byte[] {8}, new byte[0]);
        assertThat(KeyEncryptionKeys.versionOf(old)).isEqualTo(1);
        assertThat(KeyEncryptionKeys.versionOf(fresh)).isEqualTo(2);
        assertThat(keks.unwrap(old, new byte[0])).containsExactly(7);
        assertThat(keks.versions()).containsExactly(1, 2);

        // a restart sees the rotation
        KeyEncryptionKeys reopened = new CustodyKeyEncryptionKeys(custody("pw"));
        assertThat(reopened.current()).isEqualTo(2);

        assertThatThrownBy(() -> reopened.retire(2)).isInstanceOf(IllegalArgumentException.class);
        reopened.retire(1);
        assertThat(reopened.versions()).containsExactly(2);
        assertThatThrownBy(() -> reopened.unwrap(old, new byte[0]))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.getMessage()).contains("version 1"));
        assertThat(reopened.unwrap(fresh, new byte[0])).containsExactly(8);
    }

    @Test
    void theWrappedVersionIsAuthenticated() {
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(custody("pw"));
        keks.rotate();
        byte[] wrapped = keks.wrap(new byte[] {5}, new byte[0]);
        byte[] relabelled = wrapped.clone();
        relabelled[3] = 1; // claims version 1
        assertThatThrownBy(() -> keks.unwrap(relabelled, new byte[0])).isInstanceOf(ProtectException.class);
    }

    @Test
    void theKeystoreHoldsTheKekAndTheCredentialSigningKey() {
        Pkcs12KeyCustody custody = custody("pw");
        new CustodyKeyEncryptionKeys(custody);
        java.security.KeyPair credential = custody.credentialSigningKey();
        assertThat(credential.getPublic().getAlgorithm()).isEqualTo("EC");
        Pkcs12KeyCustody reopened = custody("pw");
        assertThat(reopened.credentialSigningKey().getPublic()).isEqualTo(credential.getPublic());
        assertThat(reopened.aliases("protect.kek.")).containsExactly("protect.kek.v1");
        byte[] pub = reopened.encryptionPublicKey("ledger.institution.local");
        assertThat(Hpke.publicKeyOf(reopened.encryptionPrivateKey("ledger.institution.local")))
                .isEqualTo(pub);
    }
}
