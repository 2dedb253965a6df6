package org.patientgate.normalize.hl7v2;

import java.nio.charset.Charset;
import java.util.Arrays;
import org.patientgate.ingest.Hl7Delimiters;

/**
 * Decodes the escape sequences of one HL7 v2 leaf value (HL7 v2.5.1 section 2.7): the delimiter
 * escapes {@code \F\ \S\ \T\ \R\ \E\} (and v2.7's truncation escape {@code \P\}) become the
 * message's own delimiters, {@code \Xhh..\} becomes its bytes read in the message character set,
 * the formatted-text commands of section 2.7.6 become the line breaks and spaces they stand for or
 * are dropped, and character-set switches ({@code \Cxxyy\ \Mxxyyzz\}), highlighting ({@code \H\ \N\})
 * and locally defined escapes ({@code \Z..\}) are dropped. A sequence that is unterminated or
 * unknown is kept as sent, because section 2.7 asks receivers to be tolerant, and decoding never
 * throws. Single pass, no regular expressions: this runs on every value a mapping reads.
 */
public final class V2Escapes {

    /** What {@code \P\} stands for: the v2.7 truncation character as MSH-2 recommends it. */
    private static final char TRUNCATION = '#';

    /** Counts of {@code .sp} and {@code .sk} have at most 3 digits, so one escape cannot inflate a value. */
    private static final int MAX_COUNT_DIGITS = 3;

    /** An argument that is absent ({@code \.sp\}). */
    private static final int ABSENT = -1;

    /** An argument that is not a (short) number, making the whole command unknown. */
    private static final int INVALID = -2;

    private V2Escapes() {}

    /**
     * The value with its escape sequences decoded, or the same instance when it has no escape
     * character at all (the common case).
     */
    public static String decode(
            String value,
            char field,
            char component,
            char repetition,
            char escape,
            char subcomponent,
            Charset charset) {
        int open = value.indexOf(escape);
        if (open < 0) {
            return value;
        }
        Hl7Delimiters delimiters = new Hl7Delimiters(field, component, repetition, escape, subcomponent);
        StringBuilder out = new StringBuilder(value.length());
        int copied = 0;
        while (open >= 0) {
            int close = value.indexOf(escape, open + 1);
            if (close < 0) {
                // Unterminated: the escape character and what follows stay as sent.
                break;
            }
            out.append(value, copied, open);
            copied = sequence(value, open, close, delimiters, charset, out);
            open = value.indexOf(escape, copied);
        }
        out.append(value, copied, value.length());
        return out.toString();
    }

    /**
     * Decodes the sequence between the escape characters at {@code open} and {@code close} into
     * {@code out}, returning where the text after it starts (beyond {@code close} when adjacent
     * hexadecimal sequences are read together).
     */
    private static int sequence(
            String value, int open, int close, Hl7Delimiters delimiters, Charset charset, StringBuilder out) {
        int start = open + 1;
        int length = close - start;
        char kind = length == 0 ? 0 : value.charAt(start);
        if (length == 1 && appendDelimiter(kind, delimiters, out)) {
            return close + 1;
        }
        if (kind == 'X') {
            int end = appendHex(value, open, delimiters.escape(), charset, out);
            if (end > open) {
                return end;
            }
        }
        boolean known =
                switch (kind) {
                    case 'H', 'N' -> length == 1;
                    case 'Z' -> true;
                    case 'C' -> length == 5 && isHex(value, start + 1, close);
                    case 'M' -> length == 7 && isHex(value, start + 1, close);
                    case '.' -> appendFormatting(value, start + 1, close, out);
                    default -> false;
                };
        if (!known) {
            out.append(value, open, close + 1);
        }
        return close + 1;
    }

    private static boolean appendDelimiter(char kind, Hl7Delimiters delimiters, StringBuilder out) {
        switch (kind) {
            case 'F' -> out.append(delimiters.field());
            case 'S' -> out.append(delimiters.component());
            case 'T' -> out.append(delimiters.subcomponent());
            case 'R' -> out.append(delimiters.repetition());
            case 'E' -> out.append(delimiters.escape());
            case 'P' -> out.append(TRUNCATION);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the run of well-formed {@code \Xhh..\} sequences starting at {@code open} as one byte
     * string, because a sender may split one multi-byte character (UTF-8, GB 18030) across adjacent
     * sequences. Returns {@code open} when the first sequence is not well formed.
     */
    private static int appendHex(String value, int open, char escape, Charset charset, StringBuilder out) {
        byte[] bytes = new byte[16];
        int size = 0;
        int at = open;
        int close;
        while ((close = hexSequenceEnd(value, at, escape)) >= 0) {
            int count = (close - at - 2) / 2;
            if (size + count > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + count));
            }
            for (int i = at + 2; i < close; i += 2) {
                bytes[size++] = (byte) (hexDigit(value.charAt(i)) << 4 | hexDigit(value.charAt(i + 1)));
            }
            at = close + 1;
        }
        // Bytes invalid in the charset become U+FFFD: the text stays readable and nothing throws.
        out.append(new String(bytes, 0, size, charset));
        return at;
    }

    /** Where the {@code \Xhh..\} sequence opening at {@code at} closes, or -1 if there is none. */
    private static int hexSequenceEnd(String value, int at, char escape) {
        if (at + 1 >= value.length() || value.charAt(at) != escape || value.charAt(at + 1) != 'X') {
            return -1;
        }
        int close = value.indexOf(escape, at + 2);
        return close >= 0 && isHex(value, at + 2, close) ? close : -1;
    }

    /** True for a non-empty, even run of hexadecimal digits (whole bytes). */
    private static boolean isHex(String value, int from, int to) {
        if (to == from || (to - from) % 2 != 0) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (hexDigit(value.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** ASCII hexadecimal only: Character.digit would also accept other scripts' digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Applies a formatted-text command (section 2.7.6) spanning {@code from} to {@code to} after its
     * dot; returns false when it is not one, so the caller keeps it as sent. The hub keeps plain text,
     * so only line breaks and spaces survive: indents, centring and fill modes are layout.
     */
    private static boolean appendFormatting(String value, int from, int to, StringBuilder out) {
        if (to - from < 2) {
            return false;
        }
        String command = value.substring(from, from + 2);
        boolean signed = command.equals("in") || command.equals("ti");
        int argument = argument(value, from + 2, to, signed);
        if (argument == INVALID) {
            return false;
        }
        switch (command) {
            case "sp" -> repeat(out, '\n', argument == ABSENT ? 1 : argument);
            case "sk" -> repeat(out, ' ', argument == ABSENT ? 0 : argument);
            case "br" -> {
                if (argument != ABSENT) {
                    return false;
                }
                out.append('\n');
            }
            case "fi", "nf", "ce" -> {
                return argument == ABSENT;
            }
            case "in", "ti" -> {
                // Layout only: dropped whatever the indent.
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void repeat(StringBuilder out, char c, int times) {
        for (int i = 0; i < times; i++) {
            out.append(c);
        }
    }

    /**
     * The number after a command ({@code \.sp 2\}, spaces optional), {@link #ABSENT} or {@link
     * #INVALID}. Only {@code .in} and {@code .ti} take a sign (a relative indent); their magnitude is
     * returned but unused.
     */
    private static int argument(String value, int from, int to, boolean signed) {
        int i = from;
        while (i < to && value.charAt(i) == ' ') {
            i++;
        }
        if (i == to) {
            return ABSENT;
        }
        char first = value.charAt(i);
        if (signed && (first == '+' || first == '-')) {
            i++;
        }
        int digits = to - i;
        if (digits == 0 || digits > MAX_COUNT_DIGITS) {
            return INVALID;
        }
        int n = 0;
        for (; i < to; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
