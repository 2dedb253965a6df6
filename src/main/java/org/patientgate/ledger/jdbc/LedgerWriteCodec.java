package org.patientgate.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.patientgate.ledger.LedgerWrite;

/** JSON form of {@link LedgerWrite}s in the outbox's payload column; the kind column names the type. */
final class LedgerWriteCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, Class<? extends LedgerWrite>> KINDS = Map.ofEntries(
            Map.entry("ADMIT_INSTITUTION", LedgerWrite.AdmitInstitution.class),
            Map.entry("ESCROW_BATCH", LedgerWrite.EscrowBatch.class),
            Map.entry("AUDIT_BATCH", LedgerWrite.AuditBatch.class),
            Map.entry("ESCROW_DECISION", LedgerWrite.EscrowDecision.class),
            Map.entry("ESCROW_EXPIRY", LedgerWrite.EscrowExpiry.class),
            Map.entry("ISSUE_GRANT", LedgerWrite.IssueGrant.class),
            Map.entry("REVOKE_GRANT", LedgerWrite.RevokeGrant.class),
            Map.entry("SURRENDER_GRANT", LedgerWrite.SurrenderGrant.class),
            Map.entry("REGISTER_PATIENT", LedgerWrite.RegisterPatient.class));

    private LedgerWriteCodec() {}

    static String kind(LedgerWrite write) {
        return KINDS.entrySet().stream()
                .filter(e -> e.getValue() == write.getClass())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown ledger write " + write.getClass()));
    }

    static String encode(LedgerWrite write) {
        try {
            return JSON.writeValueAsString(write);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "ledger write not serialisable: " + write.getClass().getSimpleName(), e);
        }
    }

    static LedgerWrite decode(String kind, String payload) {
        Class<? extends LedgerWrite> type = KINDS.get(kind);
        if (type == null) {
            throw new IllegalStateException("outbox row of unknown kind " + kind);
        }
        try {
            return JSON.readValue(payload, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox row of kind " + kind + " is unreadable", e);
        }
    }
}
