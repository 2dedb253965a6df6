package org.patientgate.protect;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.patientgate.protect.ProtectedReport.Packet;
import org.patientgate.protect.ProtectedReport.Slot;
import org.patientgate.protect.ProtectedReport.SlotState;

/**
 * Protects one report (patent CN110472428B, claim 1): a fresh 256-bit data key K encrypts the bundle
 * (AES-256-GCM, associated data = report id, patient, content hash); for every slot i a fresh random
 * s_i is drawn and the module keeps only m_i = K ⊕ s_i, wrapped under its key-encryption key. Slot 0
 * and the spare slots' sub-key strings are sealed together (HPKE) to the patient, or to the sending
 * institution until the patient enrols. K and every s_i are wiped before this returns.
 *
 * <p>Each holder's s_i is independent of every other: no two sub-keys share a polynomial or any other
 * structure, so colluding holders learn nothing about K without the module's halves.
 */
public final class ReportProtector {

    private static final byte[] HALF_LABEL = {'P', 'G', 'M', '1'};

    private final KeyEncryptionKeys keks;
    private final int spareSlots;
    private final SecureRandom random = new SecureRandom();

    public ReportProtector(KeyEncryptionKeys keks, int spareSlots) {
        if (spareSlots < 0 || spareSlots > 1000) {
            throw new IllegalArgumentException("hub.protect.spare-slots must be between 0 and 1000");
        }
        this.keks = keks;
        this.spareSlots = spareSlots;
    }

    /** Where a packet of sub-key strings is sealed to: a recipient name and its X25519 public key. */
    public record Recipient(String name, byte[] publicKey) {}

    /** The encrypted report and everything the module stores for it. */
    public record Result(ProtectedReport report, byte[] ciphertext) {}

    /**
     * @param patient the enrolled patient's address, or null when the packet goes to the institution
     * @param recipient who the packet of slot 0 and the spares is sealed to
     */
    public Result protect(
            UUID report,
            UUID messageId,
            String institution,
            byte[] patientRef,
            String patient,
            Recipient recipient,
            byte[] plaintext) {
        byte[] key = new byte[ReportCipher.KEY_LENGTH];
        byte[] nonce = new byte[ReportCipher.NONCE_LENGTH];
        random.nextBytes(key);
        random.nextBytes(nonce);
        try {
            byte[] contentHash = ReportCipher.sha256(plaintext);
            byte[] ciphertext = ReportCipher.encrypt(
                    key, nonce, ReportCipher.associatedData(report, patientRef, contentHash), plaintext);
            NewSlots slots = newSlots(report, key, 0, 1 + spareSlots, patient);
            Packet packet = seal(report, recipient, slots.strings());
            ProtectedReport protectedReport = new ProtectedReport(
                    report,
                    messageId,
                    institution,
                    patientRef,
                    patient,
                    contentHash,
                    ReportCipher.sha256(ciphertext),
                    nonce,
                    Instant.now(),
                    slots.slots(),
                    packet);
            return new Result(protectedReport, ciphertext);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** New slots and their sub-key strings (the strings must be sealed, then wiped). */
    public record NewSlots(List<Slot> slots, List<SubKeyString> strings) {}

    /**
     * Makes {@code count} slots numbered from {@code first} for the data key {@code key}: slot 0 is the
     * patient's own, every other one a spare. The caller wipes {@code key}.
     */
    public NewSlots newSlots(UUID report, byte[] key, int first, int count, String patient) {
        List<Slot> slots = new ArrayList<>(count);
        List<SubKeyString> strings = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            byte[] s = new byte[SubKeyString.SECRET_LENGTH];
            random.nextBytes(s);
            byte[] half = ReportCipher.xor(key, s);
            byte[] wrapped = keks.wrap(half, moduleHalfAad(report, i));
            Arrays.fill(half, (byte) 0);
            SlotState state = i == 0 ? SlotState.PATIENT : SlotState.SPARE;
            slots.add(new Slot(i, state, i == 0 ? patient : null, wrapped, KeyEncryptionKeys.versionOf(wrapped)));
            strings.add(new SubKeyString(report, i, s));
        }
        return new NewSlots(slots, strings);
    }

    /** Seals sub-key strings to a recipient as one packet and wipes their secrets. */
    public static Packet seal(UUID report, Recipient recipient, List<SubKeyString> strings) {
        byte[] packet = SubKeyString.encodePacket(strings);
        try {
            return new Packet(
                    recipient.name(),
                    Hpke.seal(
                            recipient.publicKey(), SubKeyString.INFO_PACKET, SubKeyString.reportBytes(report), packet));
        } finally {
            Arrays.fill(packet, (byte) 0);
            strings.forEach(s -> Arrays.fill(s.secret(), (byte) 0));
        }
    }

    /** Associated data of a wrapped module half: "PGM1" ‖ report id ‖ slot. */
    public static byte[] moduleHalfAad(UUID report, int slot) {
        return ByteBuffer.allocate(4 + 16 + 2)
                .put(HALF_LABEL)
                .put(SubKeyString.reportBytes(report))
                .putShort((short) slot)
                .array();
    }
}
