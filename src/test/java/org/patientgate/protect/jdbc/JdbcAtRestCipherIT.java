package org.patientgate.protect.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.CustodyKeyEncryptionKeys;
import org.patientgate.protect.KeyEncryptionKeys;
import org.patientgate.protect.ProtectException;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.patientgate.support.MigratedPostgres;

/**
 * Encryption at rest over the real embedded PostgreSQL and a real PKCS#12 key custody: the round
 * trip, tampering and a moved value failing, restarts and concurrent starts sharing one storage key,
 * KEK rotation re-wrapping storage keys without touching sealed values, and legacy clear values.
 */
class JdbcAtRestCipherIT {

    private static final String PASSWORD = "test-only-" + UUID.randomUUID();
    private static final String MARKER = "ATREST-MARKER-DOE^JANE";

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    private static MigratedPostgres postgres;

    private Pkcs12KeyCustody custody;
    private KeyEncryptionKeys keks;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = MigratedPostgres.start(shared);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void freshKeys() throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM protect_storage_key");
        }
        custody = reopenCustody();
        keks = new CustodyKeyEncryptionKeys(custody);
    }

    private Pkcs12KeyCustody reopenCustody() {
        return new Pkcs12KeyCustody(tmp.resolve("keys").resolve("hub.p12"), PASSWORD.toCharArray());
    }

    private JdbcAtRestCipher cipher() {
        return new JdbcAtRestCipher(postgres.dataSource, keks);
    }

    private static byte[] aad(UUID id) {
        return ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }

    private static byte[] message() {
        return ("MSH|^~\\&|LABSYS|GENHOSP|PATIENTGATE|HUB|20261123101500||ORU^R01|C1|P|2.5.1\rPID|1||MRN1||" + MARKER
                        + "||19800101|F\r")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int storageKeyRows() throws Exception {
        try (Connection c = postgres.dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM protect_storage_key")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void sealedValueOpensToThePlaintextAndHidesIt() {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();

        byte[] sealed = cipher.seal(message(), aad(id));

        assertThat(AtRestCipher.isSealed(sealed)).isTrue();
        assertThat(sealed).startsWith(0, 'P', 'G', 1, 0, 0, 0, 1); // magic, storage key 1
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("ATREST-MARKER");
        assertThat(sealed).hasSize(message().length + 8 + 12 + 16);
        assertThat(cipher.open(sealed, aad(id))).isEqualTo(message());
        assertThat(cipher.seal(message(), aad(id))).as("a fresh nonce per seal").isNotEqualTo(sealed);
    }

    @Test
    void emptyValueRoundTrips() {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();

        assertThat(cipher.open(cipher.seal(new byte[0], aad(id)), aad(id))).isEmpty();
    }

    @Test
    void valueBoundToAnotherRowFailsAsCorruptWithoutContentInTheMessage() {
        JdbcAtRestCipher cipher = cipher();
        byte[] sealed = cipher.seal(message(), aad(UUID.randomUUID()));

        assertThatThrownBy(() -> cipher.open(sealed, aad(UUID.randomUUID())))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.reason()).isEqualTo(ProtectException.Reason.CORRUPT))
                .message()
                .doesNotContain("MARKER")
                .doesNotContain("MSH");
    }

    @Test
    void everySingleFlippedByteFailsAsCorrupt() {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher.seal(message(), aad(id));

        List<Integer> opened = new ArrayList<>();
        for (int i = 0; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            try {
                cipher.open(altered, aad(id));
                opened.add(i);
            } catch (ProtectException e) {
                assertThat(e.reason()).isEqualTo(ProtectException.Reason.CORRUPT);
                assertThat(e.getMessage()).doesNotContain("MARKER");
            }
        }

        assertThat(opened).as("positions whose change went unnoticed").isEmpty();
    }

    @Test
    void truncatedValueFailsAsCorrupt() {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher.seal(message(), aad(id));

        assertThatThrownBy(() -> cipher.open(java.util.Arrays.copyOf(sealed, sealed.length - 1), aad(id)))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.reason()).isEqualTo(ProtectException.Reason.CORRUPT));
        assertThatThrownBy(() -> cipher.open(java.util.Arrays.copyOf(sealed, 20), aad(id)))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.reason()).isEqualTo(ProtectException.Reason.CORRUPT));
    }

    @Test
    void legacyClearValuesOpenAsTheyAre() {
        JdbcAtRestCipher cipher = cipher();
        byte[] hl7 = message();
        byte[] json = "{\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8);
        byte[] utf16be = "MSH|^~\\&|".getBytes(StandardCharsets.UTF_16BE); // starts with a zero byte

        assertThat(cipher.open(hl7, aad(UUID.randomUUID()))).isEqualTo(message());
        assertThat(cipher.open(json, aad(UUID.randomUUID()))).isEqualTo(json);
        assertThat(cipher.open(utf16be, aad(UUID.randomUUID()))).isEqualTo(utf16be);
        assertThat(cipher.open(new byte[0], aad(UUID.randomUUID()))).isEmpty();
    }

    @Test
    void aRestartedCipherReusesTheStoredKeyAndOpensOldValues() throws Exception {
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher().seal(message(), aad(id));
        custody.close();

        // A new process: custody reopened from its file, a new cipher over the same database.
        keks = new CustodyKeyEncryptionKeys(reopenCustody());
        JdbcAtRestCipher restarted = cipher();

        assertThat(restarted.open(sealed, aad(id))).isEqualTo(message());
        assertThat(restarted.newestKeyId()).isEqualTo(1);
        assertThat(storageKeyRows()).isEqualTo(1);
    }

    @Test
    void twoHubsStartingTogetherShareOneStorageKey() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<JdbcAtRestCipher>> starts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return cipher();
            }));
        }
        go.countDown();
        List<JdbcAtRestCipher> ciphers = new ArrayList<>();
        for (CompletableFuture<JdbcAtRestCipher> start : starts) {
            ciphers.add(start.get(60, TimeUnit.SECONDS));
        }

        assertThat(storageKeyRows()).isEqualTo(1);
        UUID id = UUID.randomUUID();
        for (JdbcAtRestCipher sealer : ciphers) {
            byte[] sealed = sealer.seal(message(), aad(id));
            for (JdbcAtRestCipher opener : ciphers) {
                assertThat(opener.open(sealed, aad(id))).isEqualTo(message());
            }
        }
    }

    @Test
    void kekRotationRewrapsStorageKeysAndOldValuesStillOpenAfterTheOldKekIsRetired() throws Exception {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher.seal(message(), aad(id));
        assertThat(cipher.kekVersionsInUse()).containsExactly(1);

        int next = keks.rotate();
        assertThat(cipher.kekVersionsInUse())
                .as("rotation alone re-wraps nothing")
                .containsExactly(1);

        assertThat(cipher.rewrap(keks)).isEqualTo(1);
        assertThat(cipher.kekVersionsInUse()).containsExactly(next);
        assertThat(cipher.rewrap(keks)).as("nothing left under the old version").isZero();
        assertThat(cipher.open(sealed, aad(id))).isEqualTo(message());

        keks.retire(1);
        assertThat(keks.versions()).containsExactly(next);
        assertThat(cipher.open(sealed, aad(id))).isEqualTo(message());
        JdbcAtRestCipher restarted = cipher();
        assertThat(restarted.open(sealed, aad(id))).isEqualTo(message());
        assertThat(restarted.open(restarted.seal(message(), aad(id)), aad(id))).isEqualTo(message());
    }

    @Test
    void retiringAKekStillInUseLosesTheStorageKey_whichIsWhyKekVersionsInUseIsChecked() {
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher().seal(message(), aad(id));
        keks.rotate();
        keks.retire(1); // without rewrap first

        assertThatThrownBy(() -> cipher().open(sealed, aad(id)))
                .isInstanceOfSatisfying(
                        ProtectException.class, e -> assertThat(e.reason()).isEqualTo(ProtectException.Reason.CORRUPT));
    }

    @Test
    void storageKeyMovedToAnotherIdDoesNotUnwrap() throws Exception {
        JdbcAtRestCipher cipher = cipher();
        cipher.rotateStorageKey();
        try (Connection c = postgres.dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("UPDATE protect_storage_key SET wrapped = (SELECT wrapped FROM protect_storage_key WHERE id = 1)"
                    + " WHERE id = 2");
        }

        assertThatThrownBy(this::cipher).isInstanceOfSatisfying(ProtectException.class, e -> assertThat(e.reason())
                .isEqualTo(ProtectException.Reason.CORRUPT));
    }

    @Test
    void newStorageKeySealsNewValuesAndOldOnesStillOpen() {
        JdbcAtRestCipher cipher = cipher();
        UUID id = UUID.randomUUID();
        byte[] old = cipher.seal(message(), aad(id));

        assertThat(cipher.rotateStorageKey()).isEqualTo(2);
        byte[] fresh = cipher.seal(message(), aad(id));

        assertThat(fresh).startsWith(0, 'P', 'G', 1, 0, 0, 0, 2);
        assertThat(cipher.open(old, aad(id))).isEqualTo(message());
        JdbcAtRestCipher other = cipher();
        assertThat(other.newestKeyId()).isEqualTo(2);
        assertThat(other.open(old, aad(id))).isEqualTo(message());
        assertThat(other.open(fresh, aad(id))).isEqualTo(message());
    }
}
