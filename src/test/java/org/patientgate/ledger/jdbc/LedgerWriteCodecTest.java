package org.patientgate.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.LedgerIdentities;
import org.patientgate.ledger.LedgerWrite;

class LedgerWriteCodecTest {

    private static final String SIGNER = LedgerIdentities.institution("local");
    private static final String PATIENT = "0x00000000000000000000000000000000000000aa";
    private static final String INSTITUTION = "0x00000000000000000000000000000000000000bb";
    private static final BigInteger DEADLINE = BigInteger.valueOf(1_900_000_000L);
    /** A full 256-bit nonce, far past what a long or a double holds exactly. */
    private static final BigInteger NONCE = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.valueOf(3));

    private static byte[] word(int seed) {
        byte[] w = new byte[32];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (seed * 31 + i * 7 - 100); // includes negative bytes
        }
        return w;
    }

    private static byte[] signature() {
        byte[] s = new byte[65];
        for (int i = 0; i < s.length; i++) {
            s[i] = (byte) (255 - i);
        }
        return s;
    }

    private static EscrowEntry entry() {
        return new EscrowEntry(
                PATIENT,
                EscrowEntry.reportIdOf(UUID.fromString("123e4567-e89b-12d3-a456-426614174000")),
                word(9),
                INSTITUTION);
    }

    private static LedgerWrite.EscrowDecision decision() {
        return new LedgerWrite.EscrowDecision(
                SIGNER, entry(), word(3), List.of(word(4), word(5), word(6)), true, NONCE, DEADLINE, signature());
    }

    static Stream<Arguments> everyKind() {
        return Stream.of(
                Arguments.of("ADMIT_INSTITUTION", new LedgerWrite.AdmitInstitution(INSTITUTION, word(1), word(2))),
                Arguments.of("ESCROW_BATCH", new LedgerWrite.EscrowBatch(SIGNER, word(3), 1000, 1_800_000_000L)),
                Arguments.of(
                        "AUDIT_BATCH",
                        new LedgerWrite.AuditBatch(SIGNER, word(4), 17, 1_700_000_000_000L, 1_700_000_060_000L)),
                Arguments.of("ESCROW_DECISION", decision()),
                Arguments.of(
                        "ESCROW_EXPIRY",
                        new LedgerWrite.EscrowExpiry(SIGNER, entry(), word(3), List.of(word(4), word(5)))),
                Arguments.of(
                        "ISSUE_GRANT",
                        new LedgerWrite.IssueGrant(
                                SIGNER, word(7), PATIENT, INSTITUTION, 1_800_000_000L, DEADLINE, signature())),
                Arguments.of("REVOKE_GRANT", new LedgerWrite.RevokeGrant(SIGNER, word(7), DEADLINE, signature())),
                Arguments.of("SURRENDER_GRANT", new LedgerWrite.SurrenderGrant(SIGNER, word(7))),
                Arguments.of(
                        "REGISTER_PATIENT",
                        new LedgerWrite.RegisterPatient(
                                SIGNER, PATIENT, word(8), word(9), true, DEADLINE, signature())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKind")
    void everyKindSurvivesEncodeAndDecodeWithEqualContent(String kind, LedgerWrite write) {
        String payload = LedgerWriteCodec.encode(write);

        LedgerWrite decoded = LedgerWriteCodec.decode(kind, payload);

        assertThat(decoded).isInstanceOf(write.getClass());
        assertThat(decoded).isNotSameAs(write);
        assertThat(decoded).usingRecursiveComparison().isEqualTo(write);
        assertThat(decoded.signer()).isEqualTo(write.signer());
        assertThat(decoded.dedupeKey()).isEqualTo(write.dedupeKey());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKind")
    void kindNamesEveryWriteTypeAndDecodesBackToIt(String kind, LedgerWrite write) {
        assertThat(LedgerWriteCodec.kind(write)).isEqualTo(kind);
        assertThat(LedgerWriteCodec.decode(LedgerWriteCodec.kind(write), LedgerWriteCodec.encode(write)))
                .isInstanceOf(write.getClass());
    }

    @Test
    void decodesEscrowDecisionWithItsEntryAndProofByContent() {
        LedgerWrite.EscrowDecision original = decision();

        LedgerWrite.EscrowDecision decoded = (LedgerWrite.EscrowDecision)
                LedgerWriteCodec.decode("ESCROW_DECISION", LedgerWriteCodec.encode(original));

        assertThat(decoded.entry()).isEqualTo(original.entry());
        assertThat(decoded.entry().leaf()).isEqualTo(original.entry().leaf());
        assertThat(decoded.root()).isEqualTo(word(3));
        assertThat(decoded.proof()).hasSize(3);
        assertThat(decoded.proof().get(0)).isEqualTo(word(4));
        assertThat(decoded.proof().get(1)).isEqualTo(word(5));
        assertThat(decoded.proof().get(2)).isEqualTo(word(6));
        assertThat(decoded.release()).isTrue();
        assertThat(decoded.nonce()).isEqualTo(NONCE);
        assertThat(decoded.deadline()).isEqualTo(DEADLINE);
        assertThat(decoded.signature()).isEqualTo(signature());
    }

    @Test
    void decodesEscrowDecisionWithAnEmptyProof() {
        LedgerWrite.EscrowDecision original = new LedgerWrite.EscrowDecision(
                SIGNER, entry(), word(3), List.of(), false, BigInteger.ZERO, DEADLINE, signature());

        LedgerWrite.EscrowDecision decoded = (LedgerWrite.EscrowDecision)
                LedgerWriteCodec.decode("ESCROW_DECISION", LedgerWriteCodec.encode(original));

        assertThat(decoded.proof()).isEmpty();
        assertThat(decoded.release()).isFalse();
        assertThat(decoded.nonce()).isZero();
    }

    @Test
    void decodesEscrowBatchWithItsRootCountAndExpiry() {
        LedgerWrite.EscrowBatch batch = new LedgerWrite.EscrowBatch(SIGNER, word(3), 2, 42L);

        LedgerWrite.EscrowBatch decoded =
                (LedgerWrite.EscrowBatch) LedgerWriteCodec.decode("ESCROW_BATCH", LedgerWriteCodec.encode(batch));

        assertThat(decoded.root()).isEqualTo(word(3));
        assertThat(decoded.count()).isEqualTo(2);
        assertThat(decoded.expiresAt()).isEqualTo(42L);
    }

    @Test
    void unknownKindIsRefusedWithItsName() {
        String payload = LedgerWriteCodec.encode(new LedgerWrite.SurrenderGrant(SIGNER, word(7)));

        assertThatThrownBy(() -> LedgerWriteCodec.decode("BURN_GRANT", payload))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown kind")
                .hasMessageContaining("BURN_GRANT");
    }

    @Test
    void unreadablePayloadIsRefusedNamingTheKind() {
        assertThatThrownBy(() -> LedgerWriteCodec.decode("ESCROW_BATCH", "{not json"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ESCROW_BATCH")
                .hasMessageContaining("unreadable");
    }

    @Test
    void sameWriteHasTheSameDedupeKey() {
        LedgerWrite a = new LedgerWrite.EscrowBatch(SIGNER, word(3), 10, 1L);
        LedgerWrite b = new LedgerWrite.EscrowBatch(SIGNER, word(3), 10, 1L);

        assertThat(a.dedupeKey()).isEqualTo(b.dedupeKey());
        assertThat(decision().dedupeKey()).isEqualTo(decision().dedupeKey());
    }

    @Test
    void differentRootHasADifferentDedupeKey() {
        assertThat(new LedgerWrite.EscrowBatch(SIGNER, word(3), 10, 1L).dedupeKey())
                .isNotEqualTo(new LedgerWrite.EscrowBatch(SIGNER, word(4), 10, 1L).dedupeKey());
        assertThat(new LedgerWrite.AuditBatch(SIGNER, word(3), 10, 1L, 2L).dedupeKey())
                .isNotEqualTo(new LedgerWrite.AuditBatch(SIGNER, word(4), 10, 1L, 2L).dedupeKey());
    }

    @Test
    void escrowAndAuditBatchesWithTheSameRootDoNotShareAKey() {
        assertThat(new LedgerWrite.EscrowBatch(SIGNER, word(3), 10, 1L).dedupeKey())
                .isNotEqualTo(new LedgerWrite.AuditBatch(SIGNER, word(3), 10, 1L, 2L).dedupeKey());
    }

    @Test
    void revokeAndSurrenderOfTheSameCredentialShareAKey() {
        LedgerWrite revoke = new LedgerWrite.RevokeGrant(SIGNER, word(7), DEADLINE, signature());
        LedgerWrite surrender = new LedgerWrite.SurrenderGrant(LedgerIdentities.institution("other"), word(7));

        assertThat(revoke.dedupeKey()).isEqualTo(surrender.dedupeKey());
        assertThat(new LedgerWrite.SurrenderGrant(SIGNER, word(8)).dedupeKey()).isNotEqualTo(revoke.dedupeKey());
    }

    @Test
    void issueAndRevokeOfTheSameCredentialDoNotShareAKey() {
        LedgerWrite issue =
                new LedgerWrite.IssueGrant(SIGNER, word(7), PATIENT, INSTITUTION, 1L, DEADLINE, signature());

        assertThat(issue.dedupeKey())
                .isNotEqualTo(new LedgerWrite.RevokeGrant(SIGNER, word(7), DEADLINE, signature()).dedupeKey());
    }

    @Test
    void addressCaseDoesNotChangeTheDedupeKey() {
        assertThat(new LedgerWrite.AdmitInstitution(INSTITUTION.toUpperCase().replace("0X", "0x"), word(1), word(2))
                        .dedupeKey())
                .isEqualTo(new LedgerWrite.AdmitInstitution(INSTITUTION, word(1), word(2)).dedupeKey());
    }

    @Test
    void adminSignsAnAdmission() {
        assertThat(new LedgerWrite.AdmitInstitution(INSTITUTION, word(1), word(2)).signer())
                .isEqualTo(LedgerIdentities.ADMIN);
    }
}
