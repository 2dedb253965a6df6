package org.patientgate.ledger;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * One consent-escrow entry: a report held for a patient by an institution, identified on chain only
 * by its Merkle leaf keccak256(keccak256(abi.encode(patient, reportId, contentHash, institution))),
 * the same value as {@code ConsentEscrow.entryLeaf}. The leaf is hashed twice so that no leaf can be
 * mistaken for a 64-byte inner node of the batch tree. Addresses are validated and kept lowercase,
 * hashes are validated and defensively copied, so equal entries always have equal leaves.
 *
 * @param patient the patient's address, 0x and 40 hex digits (stored lowercase)
 * @param reportId the report's bytes32 id, see {@link #reportIdOf(UUID)}
 * @param contentHash the bytes32 hash of the escrowed content
 * @param institution the institution's address, 0x and 40 hex digits (stored lowercase)
 */
public record EscrowEntry(String patient, byte[] reportId, byte[] contentHash, String institution) {

    /**
     * Validates and copies the fields.
     *
     * @throws IllegalArgumentException if an address is malformed or a hash is not 32 bytes
     */
    public EscrowEntry {
        if (!Eip712.isAddress(patient)) {
            throw new IllegalArgumentException("patient is not a 0x-prefixed 20-byte hex address");
        }
        if (!Eip712.isAddress(institution)) {
            throw new IllegalArgumentException("institution is not a 0x-prefixed 20-byte hex address");
        }
        Eip712.requireBytes32(reportId, "reportId");
        Eip712.requireBytes32(contentHash, "contentHash");
        // Case carries no meaning in an address (at most an EIP-55 checksum), so one spelling keeps
        // equals consistent with leaf().
        patient = patient.toLowerCase(Locale.ROOT);
        institution = institution.toLowerCase(Locale.ROOT);
        reportId = reportId.clone();
        contentHash = contentHash.clone();
    }

    /**
     * The bytes32 report id of a UUID: its 16 bytes (most significant half first, as in the UUID's
     * text form) left-aligned, followed by 16 zero bytes. That is what Solidity's
     * {@code bytes32(bytes16(x))} yields, so a contract holding the UUID as bytes16 converts it the
     * same way.
     */
    public static byte[] reportIdOf(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        return ByteBuffer.allocate(32)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array();
    }

    /**
     * The keyless intermediate account between an institution and a patient: the last 20 bytes of
     * keccak256(institutionKey ‖ patientKey) over their X25519 keys as registered in the
     * ParticipantRegistry, equal to {@code ConsentEscrow.intermediateAccount(institution, patient)}.
     * A patient's Decision names it (see {@link Eip712#decision}).
     *
     * @return the address, 0x and 40 lowercase hex digits
     * @throws IllegalArgumentException if a key is not 32 bytes
     */
    public static String intermediateAccount(byte[] institutionKey, byte[] patientKey) {
        Eip712.requireBytes32(institutionKey, "institutionKey");
        Eip712.requireBytes32(patientKey, "patientKey");
        byte[] both = new byte[64];
        System.arraycopy(institutionKey, 0, both, 0, 32);
        System.arraycopy(patientKey, 0, both, 32, 32);
        return Numeric.toHexString(Hash.sha3(both), 12, 20, true);
    }

    /** The entry's Merkle leaf, equal to {@code ConsentEscrow.entryLeaf} for the same fields. */
    public byte[] leaf() {
        byte[] encoded = new byte[4 * 32];
        Eip712.putAddress(encoded, 0, patient, "patient");
        System.arraycopy(reportId, 0, encoded, 32, 32);
        System.arraycopy(contentHash, 0, encoded, 64, 32);
        Eip712.putAddress(encoded, 3, institution, "institution");
        return Hash.sha3(Hash.sha3(encoded));
    }

    /** A copy of the report id. */
    @Override
    public byte[] reportId() {
        return reportId.clone();
    }

    /** A copy of the content hash. */
    @Override
    public byte[] contentHash() {
        return contentHash.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EscrowEntry that
                && patient.equals(that.patient)
                && institution.equals(that.institution)
                && Arrays.equals(reportId, that.reportId)
                && Arrays.equals(contentHash, that.contentHash);
    }

    @Override
    public int hashCode() {
        int h = patient.hashCode();
        h = 31 * h + Arrays.hashCode(reportId);
        h = 31 * h + Arrays.hashCode(contentHash);
        return 31 * h + institution.hashCode();
    }

    /** Report id and the two addresses only; the content hash stays out of logs. */
    @Override
    public String toString() {
        return "EscrowEntry[reportId=" + Numeric.toHexString(reportId) + ", patient=" + patient + ", institution="
                + institution + "]";
    }
}
