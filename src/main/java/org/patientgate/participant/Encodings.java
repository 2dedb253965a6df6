package org.patientgate.participant;

import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The wire encodings of docs/PROTECT-API.md: addresses as {@code 0x} + 40 lowercase hex digits, keys,
 * signatures, challenges and tokens as base64url without padding. Decoding is strict (one accepted
 * spelling per value), so what a participant signed and what the hub checks are the same text.
 */
public final class Encodings {

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{40}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** Length of a signature: r‖s‖v. */
    public static final int SIGNATURE_BYTES = 65;

    /** Length of an X25519 public key. */
    public static final int KEY_BYTES = 32;

    private Encodings() {}

    public static String base64Url(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /**
     * Decodes base64url without padding into exactly {@code length} bytes.
     *
     * @throws ParticipantException INVALID naming {@code what} (never the value)
     */
    public static byte[] fromBase64Url(String text, int length, String what) {
        if (text == null || text.isEmpty()) {
            throw ParticipantException.invalid(what + " is required");
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            throw ParticipantException.invalid(what + " must be base64url without padding");
        }
        if (bytes.length != length || !ENCODER.encodeToString(bytes).equals(text)) {
            throw ParticipantException.invalid(what + " must be " + length + " bytes, base64url without padding");
        }
        return bytes;
    }

    /** An address exactly as the contract spells it ({@code 0x} + 40 lowercase hex digits). */
    public static String address(String value, String what) {
        if (value == null || !ADDRESS.matcher(value).matches()) {
            throw ParticipantException.invalid(what + " must be 0x followed by 40 lowercase hex digits");
        }
        return value;
    }

    /** An address to look up: hex digits in either case, answered in lowercase. */
    public static String lookupAddress(String value, String what) {
        return address(value == null ? null : value.toLowerCase(Locale.ROOT), what);
    }
}
