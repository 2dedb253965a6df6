package org.patientgate.protect;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.patientgate.protect.ProtectedReport.Packet;
import org.patientgate.protect.ProtectedReport.Slot;
import org.patientgate.protect.ProtectedReport.SlotState;

/**
 * Where the privacy module keeps protected reports' metadata, the wrapped module halves (indexed by
 * report and slot), the sealed packets and node deliveries, and its audit of decrypt attempts.
 * Every state change is conditional on the state it expects, so two replicas cannot both allocate a
 * slot, and a revoked slot stays revoked.
 */
public interface ProtectStore {

    /** Stores protected reports in one durable transaction; a report already stored is left as it is. */
    void saveAll(List<ProtectedReport> reports);

    /** A report's metadata (no slots). */
    Optional<ReportRecord> report(UUID report);

    /** Several reports in one read; unknown ids are absent. */
    List<ReportRecord> reports(java.util.Collection<UUID> reports);

    /** Which reports exist for these message ids. */
    Map<UUID, UUID> reportsForMessages(List<UUID> messageIds);

    /** One slot, with its wrapped module half if it still has one. */
    Optional<Slot> slot(UUID report, int slot);

    List<Slot> slots(UUID report);

    /** The patient's reports, newest first. */
    List<ReportRecord> reportsOf(String patient, int limit);

    /** Sealed packets of a report for a recipient ({@link ProtectedReport#patientRecipient}), oldest first. */
    List<byte[]> packets(UUID report, String recipient);

    /** SPARE → ALLOCATED to {@code node} with its sealed sub-key; false if the slot was not spare. */
    boolean allocate(UUID report, int slot, String node, byte[] sealedForNode, Instant at);

    /** SPARE or ALLOCATED → REVOKED: the module half and any delivery are deleted. False if neither. */
    boolean revoke(UUID report, int slot, Instant at);

    /** Deletes every module half of a report (crypto-shredding); returns how many were deleted. */
    int shred(UUID report, Instant at);

    /** Adds slots (and the packet carrying their sub-key strings) to a report. */
    void addSlots(UUID report, List<Slot> slots, Packet packet);

    /** Sub-keys allocated to a node. */
    List<Delivery> deliveries(String node);

    /** Reports of a blinded identifier whose patient has not enrolled yet. */
    List<ReportRecord> pending(byte[] patientRef, int limit);

    /**
     * Hands a held report to its patient: sets the patient and slot 0's holder, and replaces the
     * institution's packets with {@code packets} sealed to the patient. False if it was assigned already.
     */
    boolean assignPatient(UUID report, String patient, String heldBy, List<Packet> packets);

    /** Records a decrypt or key-management attempt. */
    void audit(AuditRecord record);

    List<AuditRecord> audit(UUID report);

    /** Up to {@code limit} module halves wrapped under a version other than {@code current}. */
    List<WrappedHalf> halvesNotUnder(int current, int limit);

    /** Replaces module halves with their re-wrapped form (only where still present). */
    void rewrap(List<WrappedHalf> halves);

    /** How many module halves each KEK version still wraps. */
    Map<Integer, Long> kekVersionsInUse();

    /** A report's metadata. */
    record ReportRecord(
            UUID report,
            UUID messageId,
            String institution,
            byte[] patientRef,
            String patient,
            byte[] contentHash,
            byte[] blobHash,
            byte[] nonce,
            String state,
            Instant protectedAt) {}

    record Delivery(UUID report, int slot, byte[] sealed, Instant allocatedAt) {}

    record WrappedHalf(UUID report, int slot, byte[] wrapped, int kekVersion) {}

    /**
     * @param action DECRYPT, ALLOCATE, REVOKE, MORE_SLOTS, SHRED
     * @param outcome GRANTED or DENIED
     * @param reason a {@link ProtectException.Reason} name for a denial
     */
    record AuditRecord(
            Instant at, String action, String caller, UUID report, Integer slot, String outcome, String reason) {}

    static SlotState state(String name) {
        return SlotState.valueOf(name);
    }
}
