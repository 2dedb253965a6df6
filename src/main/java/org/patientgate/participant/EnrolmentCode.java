package org.patientgate.participant;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * The one-time enrolment code a patient types into the wallet: 10 symbols (50 bits) from a 32-symbol
 * alphabet without the look-alikes 0/O and 1/I, shown as {@code ABCD-EFGH-JK}. Read back without
 * regard to case, dashes or spaces; stored only as the SHA-256 of its canonical form.
 */
final class EnrolmentCode {

    static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    static final int LENGTH = 10;

    private EnrolmentCode() {}

    /** A fresh code in canonical form (10 symbols, no dashes). */
    static String generate(SecureRandom random) {
        char[] code = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            // 32 symbols: nextInt(32) is uniform, no modulo bias
            code[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(code);
    }

    /** The canonical code shown in groups of four: ABCD-EFGH-JK. */
    static String format(String canonical) {
        return canonical.substring(0, 4) + "-" + canonical.substring(4, 8) + "-" + canonical.substring(8);
    }

    /** The canonical form of what a patient typed, or empty if it cannot be a code. */
    static Optional<String> canonical(String typed) {
        if (typed == null || typed.length() > 3 * LENGTH) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder(LENGTH);
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == '-' || c == ' ') {
                continue;
            }
            // ASCII only: Character.toUpperCase would also turn look-alikes such as U+017F into S
            char upper = c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
            if (ALPHABET.indexOf(upper) < 0) {
                return Optional.empty();
            }
            b.append(upper);
        }
        return b.length() == LENGTH ? Optional.of(b.toString()) : Optional.empty();
    }

    /** What the hub stores of a canonical code. */
    static byte[] hash(String canonical) {
        return Sha256.of(canonical.getBytes(StandardCharsets.US_ASCII));
    }
}
