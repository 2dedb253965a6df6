package org.patientgate.ingest;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the character set names of HL7 table 0211 (MSH-18) to Java charsets and back.
 *
 * <p>HL7 v2.5+ section 2.14.9.18 names the alternate character sets a message may declare. Some
 * senders write the Java/IANA spelling ({@code UTF-8}, {@code GB18030}) instead of the table
 * value; both are accepted. A name outside the table is a table-value error (HL7 0357 code 103).
 */
public final class Hl7Charsets {

    private static final Map<String, Charset> BY_HL7_NAME = Map.ofEntries(
            Map.entry("ASCII", StandardCharsets.US_ASCII),
            Map.entry("8859/1", StandardCharsets.ISO_8859_1),
            Map.entry("8859/2", Charset.forName("ISO-8859-2")),
            Map.entry("8859/3", Charset.forName("ISO-8859-3")),
            Map.entry("8859/4", Charset.forName("ISO-8859-4")),
            Map.entry("8859/5", Charset.forName("ISO-8859-5")),
            Map.entry("8859/6", Charset.forName("ISO-8859-6")),
            Map.entry("8859/7", Charset.forName("ISO-8859-7")),
            Map.entry("8859/8", Charset.forName("ISO-8859-8")),
            Map.entry("8859/9", Charset.forName("ISO-8859-9")),
            Map.entry("8859/15", Charset.forName("ISO-8859-15")),
            Map.entry("UNICODE UTF-8", StandardCharsets.UTF_8),
            Map.entry("UNICODE UTF-16", StandardCharsets.UTF_16),
            Map.entry("UNICODE", StandardCharsets.UTF_16),
            Map.entry("GB 18030-2000", Charset.forName("GB18030")),
            Map.entry("GB18030", Charset.forName("GB18030")),
            Map.entry("GB 18030", Charset.forName("GB18030")),
            Map.entry("KS X 1001", Charset.forName("EUC-KR")),
            Map.entry("BIG-5", Charset.forName("Big5")),
            Map.entry("ISO IR87", Charset.forName("ISO-2022-JP")),
            Map.entry("ISO IR14", Charset.forName("JIS_X0201")),
            Map.entry("UTF-8", StandardCharsets.UTF_8),
            Map.entry("UTF8", StandardCharsets.UTF_8));

    private Hl7Charsets() {}

    /** The charset an MSH-18 value names, or empty when the value is not in table 0211. */
    public static Optional<Charset> forHl7Name(String msh18) {
        if (msh18 == null || msh18.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_HL7_NAME.get(msh18.trim().toUpperCase(Locale.ROOT)));
    }

    /**
     * Resolves a configured listener default: either a table 0211 name or a Java charset name.
     *
     * @throws IllegalArgumentException when neither spelling is known
     */
    public static Charset forConfiguredName(String name) {
        return forHl7Name(name).orElseGet(() -> {
            try {
                return Charset.forName(name);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Unknown character set '" + name
                        + "': use an HL7 table 0211 name such as 'UNICODE UTF-8', '8859/1' or 'GB 18030-2000'");
            }
        });
    }
}
