package org.patientgate.protect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A sub-key string: the holder's random half s_i of a report's data key, with the report and slot it
 * belongs to. 55 bytes: {@code "PGSK"} ‖ version 1 ‖ report id (16) ‖ slot (2, big-endian) ‖ s (32).
 * It is only ever stored or sent sealed (HPKE) to its holder or to the module; see
 * docs/PROTECT-API.md.
 */
public record SubKeyString(UUID report, int slot, byte[] secret) {

    public static final int LENGTH = 55;
    public static final int SECRET_LENGTH = 32;

    /** HPKE info of a packet of sub-key strings sealed to a patient (or, pending, an institution). */
    public static final byte[] INFO_PACKET = ascii("PatientGate sub-keys v1");

    /** HPKE info of one sub-key string sealed to the node it was allocated to. */
    public static final byte[] INFO_NODE = ascii("PatientGate sub-key v1");

    /** HPKE info of one sub-key string sealed to the module (decrypt, more slots). */
    public static final byte[] INFO_MODULE = ascii("PatientGate sub-key to module v1");

    /** HPKE info of a decrypted report sealed to the caller. */
    public static final byte[] INFO_REPORT = ascii("PatientGate report v1");

    private static final byte[] MAGIC = ascii("PGSK");

    public SubKeyString {
        if (slot < 0 || slot > 0xffff) {
            throw new IllegalArgumentException("slot out of range");
        }
        if (secret == null || secret.length != SECRET_LENGTH) {
            throw new IllegalArgumentException("a sub-key secret is 32 bytes");
        }
    }

    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .put(MAGIC)
                .put((byte) 1)
                .put(reportBytes(report))
                .putShort((short) slot)
                .put(secret)
                .array();
    }

    /**
     * Parses one sub-key string.
     *
     * @throws ProtectException (INVALID_SUBKEY) if it is not one
     */
    public static SubKeyString decode(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new ProtectException(ProtectException.Reason.INVALID_SUBKEY, "not a sub-key string");
        }
        return decodeAt(bytes, 0);
    }

    /** Parses a packet: one or more sub-key strings back to back. */
    public static List<SubKeyString> decodePacket(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length % LENGTH != 0) {
            throw new ProtectException(ProtectException.Reason.INVALID_SUBKEY, "not a packet of sub-key strings");
        }
        List<SubKeyString> out = new ArrayList<>();
        for (int offset = 0; offset < bytes.length; offset += LENGTH) {
            out.add(decodeAt(bytes, offset));
        }
        return out;
    }

    /** Concatenates sub-key strings into a packet. */
    public static byte[] encodePacket(List<SubKeyString> strings) {
        ByteBuffer buf = ByteBuffer.allocate(strings.size() * LENGTH);
        for (SubKeyString s : strings) {
            buf.put(s.encode());
        }
        return buf.array();
    }

    private static SubKeyString decodeAt(byte[] bytes, int offset) {
        if (!Arrays.equals(bytes, offset, offset + 4, MAGIC, 0, 4) || bytes[offset + 4] != 1) {
            throw new ProtectException(ProtectException.Reason.INVALID_SUBKEY, "not a sub-key string");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset + 5, LENGTH - 5);
        UUID report = new UUID(buf.getLong(), buf.getLong());
        int slot = buf.getShort() & 0xffff;
        byte[] secret = new byte[SECRET_LENGTH];
        buf.get(secret);
        return new SubKeyString(report, slot, secret);
    }

    /** The 16 bytes of a report id (big-endian), the associated data of everything sealed for it. */
    public static byte[] reportBytes(UUID report) {
        return ByteBuffer.allocate(16)
                .putLong(report.getMostSignificantBits())
                .putLong(report.getLeastSignificantBits())
                .array();
    }

    @Override
    public String toString() {
        return "SubKeyString[report=" + report + ", slot=" + slot + ", secret=****]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubKeyString other
                && report.equals(other.report)
                && slot == other.slot
                && java.security.MessageDigest.isEqual(secret, other.secret);
    }

    @Override
    public int hashCode() {
        return report.hashCode() * 31 + slot;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
