package org.patientgate.wallet;

import java.util.Base64;

/** base64url without padding, the encoding of keys, sealed values and signatures in the API. */
final class Base64Url {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {}

    static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /**
     * Decodes base64url (padding tolerated).
     *
     * @throws IllegalArgumentException if {@code text} is not base64url
     */
    static byte[] decode(String text) {
        return DECODER.decode(text);
    }
}
