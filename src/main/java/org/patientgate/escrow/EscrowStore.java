package org.patientgate.escrow;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.LedgerWrite;

/**
 * Where each protected report stands in the consent escrow, the patients' signed decisions, and the
 * notifications the steps produce. Every change of state and the notifications it causes commit
 * together, so a step done again after a crash neither repeats nor loses one.
 */
public interface EscrowStore {

    /** A report entering the escrow; {@code entry} is null when its patient has not enrolled (held). */
    record Admission(
            UUID report,
            String institution,
            byte[] patientRef,
            String patient,
            EscrowEntry entry,
            ReportSummary summary,
            Instant heldUntil) {}

    /**
     * Files reports in the escrow and queues the entries of enrolled patients for the next anchoring
     * batch, in one transaction. Reports already filed are left as they are.
     *
     * @return how many were new
     */
    int admit(List<Admission> admissions);

    /** Reports held for a blinded identifier (patient not enrolled when they arrived). */
    List<UUID> held(byte[] patientRef);

    /** Moves held reports to the escrow for their patient, queueing their entries (one transaction). */
    int escrowHeld(List<Admission> admissions);

    /** An escrow report and its entry as the steps and the API see it. */
    record EscrowReport(
            UUID report,
            String state,
            String institution,
            String patient,
            byte[] leaf,
            ReportSummary summary,
            Instant createdAt,
            Instant heldUntil,
            Instant notifiedAt,
            Instant decidedAt,
            String decidedTx,
            String chainDecision,
            Instant expiresAt) {}

    Optional<EscrowReport> byEntry(byte[] leaf);

    Optional<EscrowReport> byReport(UUID report);

    /** A notification to write with a step: recipient, kind, subject, JSON body. */
    record NewNotification(String recipient, String kind, String subject, String body) {}

    /** A notification written, to announce on the live channels. */
    record Written(long id, String recipient, String kind) {}

    /** Makes the notifications of one step from the report it is about. */
    @FunctionalInterface
    interface Step {
        List<NewNotification> notifications(EscrowReport report);
    }

    /**
     * Entries whose batch is anchored (ESCROWED → AWAITING): the patient is asked to decide.
     *
     * @return the notifications written
     */
    List<Written> awaitDecisions(int limit, Step step);

    /**
     * Entries the chain has decided (released, rejected, expired) whose report is not final yet: the
     * report takes the chain's decision, {@code beforeFinal} runs first for each (shredding; it returns
     * the module halves deleted, or -1 for none to record), and the
     * step's notifications are written with the change.
     */
    List<Written> settleDecided(int limit, java.util.function.ToIntFunction<EscrowReport> beforeFinal, Step step);

    /** Held reports whose hold has ended: {@code beforeFinal} (shredding) runs, then HOLD_EXPIRED. */
    List<Written> endHolds(
            Instant now, int limit, java.util.function.ToIntFunction<EscrowReport> beforeFinal, Step step);

    /** Anchored entries still undecided whose time to decide ended before {@code cutoff}. */
    List<EscrowReport> dueForExpiry(Instant cutoff, int limit);

    /**
     * Queues the chain's expiry of an entry (AWAITING or ESCROWED → EXPIRING) with the write that
     * sends it, in one transaction; false if the entry moved on meanwhile.
     */
    boolean requestExpiry(UUID report, LedgerWrite expiry);

    /** Outcome of recording a patient's decision. */
    enum DecisionOutcome {
        ACCEPTED,
        NOT_AWAITING,
        SIGNATURE_USED
    }

    /**
     * Records a patient's decision and queues its relay (AWAITING → DECIDING), in one transaction.
     * Refused when the entry is no longer awaiting a decision or the signature was used before.
     */
    DecisionOutcome recordDecision(
            byte[] leaf,
            String patient,
            boolean release,
            BigInteger nonce,
            long deadline,
            byte[] signatureHash,
            LedgerWrite relay);

    /** A notification as read back. */
    record Notification(
            long id, String recipient, String kind, String subject, String body, Instant createdAt, Instant readAt) {}

    /** A recipient's notifications, newest first, with ids below {@code before} (null: from the newest). */
    List<Notification> notifications(String recipient, Long before, int limit, boolean unreadOnly);

    /** A recipient's notifications with ids above {@code after}, oldest first (resuming a stream). */
    List<Notification> notificationsAfter(String recipient, long after, int limit);

    /** Marks a recipient's notification read; false if it is not theirs. */
    boolean markRead(String recipient, long id);

    long unread(String recipient);
}
