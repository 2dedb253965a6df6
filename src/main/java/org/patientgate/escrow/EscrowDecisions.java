package org.patientgate.escrow;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.participant.Participant;
import org.patientgate.participant.ParticipantException;
import org.patientgate.participant.ParticipantException.Kind;
import org.patientgate.participant.Participants;

/**
 * A patient's decision on an escrow entry (claim 1): the EIP-712 {@code Decision(entry,
 * intermediateAccount, release, nonce, deadline)} the patient signs with their wallet key, checked here
 * exactly as {@code ConsentEscrow} will check it, then relayed through the ledger outbox. Anything the
 * chain would refuse is refused first, with the reason, and changes nothing.
 */
public final class EscrowDecisions {

    /** Longest a signed decision may stay valid: a leaked signature is useless after this. */
    static final long MAX_VALIDITY_SECONDS = 7 * 24 * 3600;

    private final EscrowStore store;
    private final EscrowAnchoring anchoring;
    private final EscrowLedger ledger;
    private final Participants participants;
    private final byte[] institutionKey;
    private final Clock clock;

    /**
     * @param institutionKey the hosted institution's X25519 key as registered on the ledger
     */
    public EscrowDecisions(
            EscrowStore store,
            EscrowAnchoring anchoring,
            EscrowLedger ledger,
            Participants participants,
            byte[] institutionKey,
            Clock clock) {
        this.store = store;
        this.anchoring = anchoring;
        this.ledger = ledger;
        this.participants = participants;
        this.institutionKey = institutionKey.clone();
        this.clock = clock;
    }

    /** An entry of the caller's with what signing a decision on it needs. */
    public record View(
            EscrowStore.EscrowReport report,
            Optional<EscrowAnchoring.AnchoredEntry> anchored,
            String intermediateAccount,
            EscrowLedger.Terms terms) {}

    /**
     * The caller's entry.
     *
     * @throws ParticipantException NOT_FOUND if there is no such entry, FORBIDDEN if it is another patient's
     */
    public View view(String caller, byte[] leaf) {
        EscrowStore.EscrowReport r = own(caller, leaf);
        return new View(r, anchoring.find(leaf), intermediateAccount(r.patient()), ledger.escrowTerms());
    }

    /** The escrow entry of one of the caller's reports, if it has one yet. */
    public Optional<EscrowStore.EscrowReport> ofReport(String caller, java.util.UUID report) {
        return store.byReport(report).filter(r -> caller.equals(r.patient()));
    }

    private EscrowStore.EscrowReport own(String caller, byte[] leaf) {
        EscrowStore.EscrowReport r = store.byEntry(leaf)
                .orElseThrow(() -> new ParticipantException(Kind.NOT_FOUND, "no escrow entry " + hex(leaf)));
        if (!caller.equals(r.patient())) {
            throw new ParticipantException(Kind.FORBIDDEN, "escrow entry " + hex(leaf) + " is another patient's");
        }
        return r;
    }

    private String intermediateAccount(String patient) {
        Participant p = participants
                .find(patient)
                .orElseThrow(
                        () -> new ParticipantException(Kind.NOT_FOUND, "patient " + patient + " is not registered"));
        return EscrowEntry.intermediateAccount(institutionKey, p.encryptionKey());
    }

    /**
     * Checks the caller's signed decision and queues its relay (the entry is DECIDING until the chain
     * confirms it).
     */
    public EscrowStore.EscrowReport decide(
            String caller, byte[] leaf, boolean release, BigInteger nonce, long deadline, byte[] signature) {
        EscrowStore.EscrowReport r = own(caller, leaf);
        switch (r.state()) {
            case "AWAITING":
                break;
            case "ESCROWED":
                throw new ParticipantException(
                        Kind.CONFLICT,
                        "escrow entry " + hex(leaf) + " is not anchored yet: decide once you are asked to");
            default:
                throw new ParticipantException(
                        Kind.CONFLICT, "escrow entry " + hex(leaf) + " was already decided (" + r.state() + ")");
        }
        Instant now = clock.instant();
        if (r.expiresAt() != null && !now.isBefore(r.expiresAt())) {
            throw new ParticipantException(
                    Kind.CONFLICT, "the time to decide on escrow entry " + hex(leaf) + " ended at " + r.expiresAt());
        }
        if (nonce == null || nonce.signum() < 0 || nonce.bitLength() > 256) {
            throw new ParticipantException(Kind.INVALID, "nonce must be an unsigned 256-bit integer");
        }
        if (deadline <= now.getEpochSecond()) {
            throw new ParticipantException(Kind.INVALID, "the signature's deadline has passed");
        }
        if (deadline > now.getEpochSecond() + MAX_VALIDITY_SECONDS) {
            throw new ParticipantException(Kind.INVALID, "the signature's deadline is more than 7 days ahead");
        }
        if (signature == null || signature.length != 65) {
            throw new ParticipantException(Kind.INVALID, "signature must be 65 bytes (r, s, v)");
        }
        EscrowAnchoring.AnchoredEntry anchored = anchoring
                .find(leaf)
                .filter(a -> a.batchRoot() != null)
                .orElseThrow(() ->
                        new ParticipantException(Kind.CONFLICT, "escrow entry " + hex(leaf) + " is not anchored yet"));
        String intermediate = intermediateAccount(caller);
        byte[] digest = Eip712.digest(
                ledger.escrowTerms().separator(),
                Eip712.decision(leaf, intermediate, release, nonce, BigInteger.valueOf(deadline)));
        String signer;
        try {
            signer = Eip712.recover(digest, signature);
        } catch (IllegalArgumentException e) {
            throw new ParticipantException(Kind.INVALID, "the signature is malformed");
        }
        if (!caller.equalsIgnoreCase(signer)) {
            throw new ParticipantException(
                    Kind.FORBIDDEN,
                    "the decision is not signed by the entry's patient (it must sign entry, intermediate account,"
                            + " decision, nonce and deadline under the ConsentEscrow domain)");
        }
        LedgerWrite relay = new LedgerWrite.EscrowDecision(
                ledger.relaySigner(),
                anchored.entry(),
                anchored.batchRoot(),
                anchored.proof(),
                release,
                nonce,
                BigInteger.valueOf(deadline),
                signature.clone());
        switch (store.recordDecision(leaf, caller, release, nonce, deadline, sha256(signature), relay)) {
            case SIGNATURE_USED:
                throw new ParticipantException(
                        Kind.CONFLICT, "this signature or its nonce was already used: sign a new decision");
            case NOT_AWAITING:
                throw new ParticipantException(Kind.CONFLICT, "escrow entry " + hex(leaf) + " was already decided");
            default:
                break;
        }
        ledger.nudge();
        return store.byEntry(leaf).orElseThrow();
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] leaf) {
        return "0x" + java.util.HexFormat.of().formatHex(leaf);
    }
}
