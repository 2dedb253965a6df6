package org.patientgate.protect;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What protecting one report produces, ready to store: the report's metadata, its module halves (one
 * per slot, wrapped) and the packet of sub-key strings sealed to its recipient. The ciphertext itself
 * goes to the {@link BlobStore}; {@code blobHash} names it. Never holds K or any s_i in clear.
 *
 * @param patientRef the blinded hospital identifier of the patient
 * @param patient the patient's address once they enrolled, else null (the packet then goes to the
 *     sending institution, held for the patient)
 * @param contentHash SHA-256 of the plaintext bundle, bound into the associated data
 */
public record ProtectedReport(
        UUID report,
        UUID messageId,
        String institution,
        byte[] patientRef,
        String patient,
        byte[] contentHash,
        byte[] blobHash,
        byte[] nonce,
        Instant protectedAt,
        List<Slot> slots,
        Packet packet) {

    /** A slot's state. SPARE slots wait for the patient to allocate them; REVOKED ones lost m_i. */
    public enum SlotState {
        PATIENT,
        SPARE,
        ALLOCATED,
        REVOKED,
        SHREDDED
    }

    /**
     * One sub-key slot: the module's half m_i = K ⊕ s_i wrapped under the key-encryption key (null once
     * revoked or shredded).
     */
    public record Slot(int slot, SlotState state, String holder, byte[] moduleHalf, Integer kekVersion) {}

    /** Sub-key strings sealed (HPKE) to {@code recipient}: {@code patient:<address>} or {@code institution:<id>}. */
    public record Packet(String recipient, byte[] sealed) {}

    public static String patientRecipient(String address) {
        return "patient:" + address;
    }

    public static String institutionRecipient(String institution) {
        return "institution:" + institution;
    }
}
