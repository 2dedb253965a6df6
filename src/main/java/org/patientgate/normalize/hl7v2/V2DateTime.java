package org.patientgate.normalize.hl7v2;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Converts HL7 v2 date/time values (DTM, and the DT and TS forms that are its prefix or carry it in
 * component 1; HL7 v2.5.1 section 2.A.22 and 2.A.21) to FHIR R4 {@code date}, {@code dateTime} and
 * {@code instant} strings, keeping the precision sent. v2 allows {@code YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]}
 * with any precision and an optional zone, whereas FHIR requires seconds and a zone as soon as a
 * time is present; so a missing minute or second is written as zero, and a missing zone is taken from
 * the sender's configured zone at that local date and time (so daylight saving time is honoured).
 * Invalid values throw {@link IllegalArgumentException} with a message that says what is wrong and
 * where, never the value, because dates are patient data.
 */
public final class V2DateTime {

    private V2DateTime() {}

    /**
     * A FHIR {@code dateTime}: {@code YYYY}, {@code YYYY-MM}, {@code YYYY-MM-DD} for date
     * precisions (a zone sent with them is checked but dropped, FHIR dates have none), otherwise
     * {@code YYYY-MM-DDThh:mm:ss[.s]+zz:zz}.
     */
    public static String toFhirDateTime(String v2, ZoneId defaultZone) {
        Objects.requireNonNull(defaultZone, "defaultZone");
        Dtm dtm = Dtm.parse(v2);
        return dtm.hasTime() ? dtm.dateTime(defaultZone) : dtm.date();
    }

    /**
     * A FHIR {@code date} (e.g. Patient.birthDate): the date part at the precision sent. A time is
     * checked but dropped and never shifted by its zone: a birth date is the date on the sender's
     * calendar.
     */
    public static String toFhirDate(String v2) {
        return Dtm.parse(v2).date();
    }

    /**
     * A FHIR {@code instant}, which must be exact to the second: needs at least the date and hour;
     * missing minutes and seconds are written as zero.
     */
    public static String toFhirInstant(String v2, ZoneId defaultZone) {
        Objects.requireNonNull(defaultZone, "defaultZone");
        Dtm dtm = Dtm.parse(v2);
        if (!dtm.hasTime()) {
            throw new IllegalArgumentException(
                    "DTM has " + dtm.digits().length() + " digits; an instant needs at least 10 (date and hour)");
        }
        return dtm.dateTime(defaultZone);
    }

    /** A checked DTM: its 4 to 14 digits, fractional second digits (or empty) and zone (or null). */
    private record Dtm(String digits, String fraction, ZoneOffset zone) {

        static Dtm parse(String v2) {
            String s = v2 == null ? "" : v2.strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("DTM is empty");
            }
            int zoneAt = indexOfSign(s);
            int end = zoneAt < 0 ? s.length() : zoneAt;
            int dot = s.lastIndexOf('.', end - 1);
            int digitsEnd = dot < 0 ? end : dot;
            requireDigits(s, 0, digitsEnd, "DTM");
            String digits = s.substring(0, digitsEnd);
            checkLength(digits.length());
            String fraction = "";
            if (dot >= 0) {
                if (digits.length() != 14) {
                    throw new IllegalArgumentException("DTM has a fractional second but no seconds");
                }
                fraction = s.substring(dot + 1, end);
                if (fraction.isEmpty() || fraction.length() > 4) {
                    throw new IllegalArgumentException(
                            "DTM fractional second has " + fraction.length() + " digits; expected 1 to 4");
                }
                requireDigits(s, dot + 1, end, "DTM fractional second");
            }
            checkRanges(digits);
            ZoneOffset zone = zoneAt < 0 ? null : zone(s, zoneAt);
            return new Dtm(digits, fraction, zone);
        }

        boolean hasTime() {
            return digits.length() >= 10;
        }

        String date() {
            return appendDate(new StringBuilder(10), digits).toString();
        }

        /** Date and time to the second, padded with zero minutes and seconds, with the zone. */
        String dateTime(ZoneId defaultZone) {
            String full = (digits + "0000").substring(0, 14);
            ZoneOffset offset = zone;
            if (offset == null) {
                // In a DST gap or overlap java.time gives the offset before the transition: the
                // sender's wall-clock digits are kept as sent rather than moved.
                offset = defaultZone
                        .getRules()
                        .getOffset(LocalDateTime.of(
                                number(full, 0, 4),
                                number(full, 4, 6),
                                number(full, 6, 8),
                                number(full, 8, 10),
                                number(full, 10, 12),
                                number(full, 12, 14)));
            }
            StringBuilder out = new StringBuilder(35);
            appendDate(out, full)
                    .append('T')
                    .append(full, 8, 10)
                    .append(':')
                    .append(full, 10, 12)
                    .append(':')
                    .append(full, 12, 14);
            if (!fraction.isEmpty()) {
                out.append('.').append(fraction);
            }
            return appendOffset(out, offset).toString();
        }

        private static StringBuilder appendDate(StringBuilder out, String digits) {
            out.append(digits, 0, 4);
            if (digits.length() >= 6) {
                out.append('-').append(digits, 4, 6);
            }
            if (digits.length() >= 8) {
                out.append('-').append(digits, 6, 8);
            }
            return out;
        }

        private static int indexOfSign(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '+' || c == '-') {
                    return i;
                }
            }
            return -1;
        }

        private static void requireDigits(String s, int from, int to, String what) {
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    throw new IllegalArgumentException(what + " has a non-digit character at position " + (i + 1));
                }
            }
        }

        private static void checkLength(int length) {
            switch (length) {
                case 4, 6, 8, 10, 12, 14 -> {}
                default ->
                    throw new IllegalArgumentException("DTM has " + length + " digits; expected 4, 6, 8, 10, 12 or 14");
            }
        }

        private static void checkRanges(String digits) {
            int length = digits.length();
            int year = number(digits, 0, 4);
            if (year == 0) {
                // FHIR's date types start at year 0001 (their regular expressions exclude 0000).
                throw new IllegalArgumentException("DTM year is zero; FHIR dates start at year 0001");
            }
            if (length >= 6) {
                int month = number(digits, 4, 6);
                if (month < 1 || month > 12) {
                    throw new IllegalArgumentException("DTM month is out of range; expected 01 to 12");
                }
                if (length >= 8) {
                    int day = number(digits, 6, 8);
                    if (day < 1 || day > YearMonth.of(year, month).lengthOfMonth()) {
                        throw new IllegalArgumentException("DTM day is out of range for its month and year");
                    }
                }
            }
            checkRange(digits, 8, 23, "hour", "00 to 23");
            checkRange(digits, 10, 59, "minute", "00 to 59");
            // FHIR allows a leap second 60, java.time does not; v2 senders do not send one.
            checkRange(digits, 12, 59, "second", "00 to 59");
        }

        private static void checkRange(String digits, int at, int max, String what, String expected) {
            if (digits.length() > at && number(digits, at, at + 2) > max) {
                throw new IllegalArgumentException("DTM " + what + " is out of range; expected " + expected);
            }
        }

        /**
         * The zone {@code +HHMM}, or {@code +HH} as some senders write it, within FHIR's range
         * (-14:00 to +14:00, minutes 00 to 59).
         */
        private static ZoneOffset zone(String s, int at) {
            int length = s.length() - at - 1;
            if (length != 2 && length != 4) {
                throw new IllegalArgumentException(
                        "DTM zone has " + length + " characters after its sign; expected HHMM or HH");
            }
            requireDigits(s, at + 1, s.length(), "DTM zone");
            int hours = number(s, at + 1, at + 3);
            int minutes = length == 4 ? number(s, at + 3, at + 5) : 0;
            if (minutes > 59) {
                throw new IllegalArgumentException("DTM zone minutes are out of range; expected 00 to 59");
            }
            if (hours > 14 || (hours == 14 && minutes > 0)) {
                throw new IllegalArgumentException("DTM zone is out of range; expected -14:00 to +14:00");
            }
            int sign = s.charAt(at) == '-' ? -1 : 1;
            return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
        }

        /**
         * {@code +hh:mm}, with UTC as {@code +00:00}. FHIR offsets have minute precision; only
         * historical local mean time offsets have seconds, and those are dropped.
         */
        private static StringBuilder appendOffset(StringBuilder out, ZoneOffset offset) {
            int total = offset.getTotalSeconds();
            int abs = Math.abs(total);
            out.append(total < 0 ? '-' : '+');
            appendTwoDigits(out, abs / 3600).append(':');
            return appendTwoDigits(out, abs / 60 % 60);
        }

        private static StringBuilder appendTwoDigits(StringBuilder out, int n) {
            return out.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
        }

        private static int number(String s, int from, int to) {
            int n = 0;
            for (int i = from; i < to; i++) {
                n = n * 10 + (s.charAt(i) - '0');
            }
            return n;
        }
    }
}
