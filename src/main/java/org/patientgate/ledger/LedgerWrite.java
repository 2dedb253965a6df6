package org.patientgate.ledger;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;

/**
 * One write to the ledger, as kept in the outbox until the chain has it. Each kind names the
 * identity whose key signs it and a dedupe key that makes the same write one outbox row; the
 * publisher also recognises a write the chain already has (the contracts refuse a second batch with
 * the same root, a second grant with the same hash) and marks it done without sending it again.
 */
public sealed interface LedgerWrite {

    HexFormat HEX = HexFormat.of();

    /** The key identity that signs the transaction (see {@link LedgerIdentities}). */
    String signer();

    /** Stable across retries and restarts: equal writes have equal keys. */
    String dedupeKey();

    /** The consortium admin admits an institution with its X25519 key and profile hash. */
    record AdmitInstitution(String institution, byte[] encryptionKey, byte[] profileHash) implements LedgerWrite {
        @Override
        public String signer() {
            return LedgerIdentities.ADMIN;
        }

        @Override
        public String dedupeKey() {
            return "admit:" + institution.toLowerCase() + ":" + HEX.formatHex(encryptionKey);
        }
    }

    /** An institution anchors the Merkle root of a batch of escrow entries. */
    record EscrowBatch(String signer, byte[] root, int count, long expiresAt) implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "escrow-batch:" + HEX.formatHex(root);
        }
    }

    /** An institution anchors the Merkle root of a batch of audit events. */
    record AuditBatch(String signer, byte[] root, int count, long fromTime, long toTime) implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "audit-batch:" + HEX.formatHex(root);
        }
    }

    /**
     * A patient's release or rejection of an escrow entry, relayed by the hub: the entry, its batch
     * root and proof, and the patient's signed Decision (its nonce, deadline and signature; the
     * intermediate account it names is computed by the contract).
     */
    record EscrowDecision(
            String signer,
            EscrowEntry entry,
            byte[] root,
            List<byte[]> proof,
            boolean release,
            BigInteger nonce,
            BigInteger deadline,
            byte[] signature)
            implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "decision:" + HEX.formatHex(entry.leaf());
        }
    }

    /**
     * Marks an undecided escrow entry expired once its batch's time to decide has passed (anyone may
     * send it; the hub does, as the entry's institution).
     */
    record EscrowExpiry(String signer, EscrowEntry entry, byte[] root, List<byte[]> proof) implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "expire:" + HEX.formatHex(entry.leaf());
        }
    }

    /** A credential the patient signed, anchored by hash (relayed by the hub). */
    record IssueGrant(
            String signer,
            byte[] credentialHash,
            String patient,
            String grantee,
            long expiresAt,
            BigInteger deadline,
            byte[] signature)
            implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "grant:" + HEX.formatHex(credentialHash);
        }
    }

    /** A patient's signed revocation of a credential, relayed by the hub. */
    record RevokeGrant(String signer, byte[] credentialHash, BigInteger deadline, byte[] signature)
            implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "revoke:" + HEX.formatHex(credentialHash);
        }
    }

    /** A hosted grantee gives up a credential it holds (signed with the grantee's own key). */
    record SurrenderGrant(String signer, byte[] credentialHash) implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "revoke:" + HEX.formatHex(credentialHash);
        }
    }

    /** A patient's signed registration (or update) of their participant record, relayed by the hub. */
    record RegisterPatient(
            String signer,
            String patient,
            byte[] encryptionKey,
            byte[] profileHash,
            boolean update,
            BigInteger deadline,
            byte[] signature)
            implements LedgerWrite {
        @Override
        public String dedupeKey() {
            return "patient:" + patient.toLowerCase() + ":" + HEX.formatHex(profileHash) + ":"
                    + HEX.formatHex(encryptionKey);
        }
    }
}
