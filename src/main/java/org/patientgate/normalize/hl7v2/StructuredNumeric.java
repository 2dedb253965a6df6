package org.patientgate.normalize.hl7v2;

import java.math.BigDecimal;

/**
 * An HL7 v2 structured numeric (SN, HL7 v2.5.1 section 2.A.74: comparator ^ num1 ^ separator/suffix
 * ^ num2) read the way the HL7 V2-to-FHIR IG maps OBX-5: a quantity with an optional comparator
 * ({@code <5}), a range ({@code 1-5}), a ratio ({@code 1:128}, {@code 1/2}), or, for what FHIR has
 * no structure for ({@code <>}, a {@code +} suffix, a comparator on a range or ratio, anything
 * non-numeric), the text as sent. Also reads NM values ({@link #decimal}), keeping their precision.
 */
public final class StructuredNumeric {

    /** Which FHIR type carries the value: valueQuantity, valueRange, valueRatio or valueString. */
    public enum Kind {
        QUANTITY,
        RANGE,
        RATIO,
        STRING
    }

    private final Kind kind;
    private final String comparator;
    private final BigDecimal first;
    private final BigDecimal second;
    private final String text;

    private StructuredNumeric(Kind kind, String comparator, BigDecimal first, BigDecimal second, String text) {
        this.kind = kind;
        this.comparator = comparator;
        this.first = first;
        this.second = second;
        this.text = text;
    }

    /** Reads the four SN components as the caller split them; null or blank components are absent. */
    public static StructuredNumeric parse(String comparator, String num1, String separator, String num2) {
        String comp = clean(comparator);
        String n1 = clean(num1);
        String sep = clean(separator);
        String n2 = clean(num2);
        String text = join(comp, n1, sep, n2);
        BigDecimal first = decimalOrNull(n1);
        BigDecimal second = decimalOrNull(n2);
        Kind kind = kind(comp, first, sep, n2, second);
        if (kind == Kind.STRING) {
            return new StructuredNumeric(kind, null, null, null, text);
        }
        return new StructuredNumeric(kind, isNoComparator(comp) ? null : comp, first, second, text);
    }

    private static Kind kind(String comparator, BigDecimal first, String separator, String num2, BigDecimal second) {
        if (first == null) {
            return Kind.STRING;
        }
        boolean noComparator = isNoComparator(comparator);
        // FHIR Range and Ratio have no comparator of their own: dropping one would change the
        // meaning, so such a value stays text. So do "+" ("2^+", a grade such as 2+) and unknown
        // separators, which have no FHIR structure.
        return switch (separator) {
            case "" -> num2.isEmpty() && (noComparator || isFhirComparator(comparator)) ? Kind.QUANTITY : Kind.STRING;
            case "-" -> second != null && noComparator ? Kind.RANGE : Kind.STRING;
            case ":", "/" -> second != null && noComparator ? Kind.RATIO : Kind.STRING;
            default -> Kind.STRING;
        };
    }

    /** "=" states equality, which is what a FHIR Quantity without a comparator means. */
    private static boolean isNoComparator(String comparator) {
        return comparator.isEmpty() || comparator.equals("=");
    }

    /** Quantity.comparator's codes; {@code <>} (not equal) is not one of them, so it stays text. */
    private static boolean isFhirComparator(String comparator) {
        return switch (comparator) {
            case "<", ">", "<=", ">=" -> true;
            default -> false;
        };
    }

    /**
     * An NM value (HL7 v2.5.1 section 2.A.47): digits with an optional leading sign and decimal
     * point, e.g. {@code +.5} or {@code 007}. Trailing decimal zeros are kept ({@code 1.50} has scale
     * 2) because FHIR decimals preserve the precision a laboratory reported.
     *
     * @throws IllegalArgumentException if the value is empty or not a plain decimal number
     */
    public static BigDecimal decimal(String nm) {
        String s = clean(nm);
        String problem = problem(s);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new BigDecimal(s);
    }

    private static BigDecimal decimalOrNull(String s) {
        return problem(s) == null ? new BigDecimal(s) : null;
    }

    /**
     * What makes the trimmed text not an NM, or null. Checked by hand because BigDecimal would also
     * accept exponents ({@code 1E3}), which NM does not allow.
     */
    private static String problem(String s) {
        if (s.isEmpty()) {
            return "NM is empty";
        }
        boolean dot = false;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !dot) {
                dot = true;
            } else if (!(i == 0 && (c == '+' || c == '-'))) {
                return "NM has an unexpected character at position " + (i + 1)
                        + "; expected digits, one decimal point and an optional leading sign";
            }
        }
        return digits == 0 ? "NM has no digits" : null;
    }

    private static String clean(String component) {
        return component == null ? "" : component.strip();
    }

    private static String join(String... parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (!part.isEmpty()) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                out.append(part);
            }
        }
        return out.toString();
    }

    public Kind kind() {
        return kind;
    }

    /** The FHIR Quantity.comparator ({@code <, >, <=, >=}) of a QUANTITY, else null. */
    public String comparator() {
        return comparator;
    }

    /** The number of a QUANTITY, else null. */
    public BigDecimal value() {
        return kind == Kind.QUANTITY ? first : null;
    }

    /** The low end of a RANGE, else null. */
    public BigDecimal low() {
        return kind == Kind.RANGE ? first : null;
    }

    /** The high end of a RANGE, else null. */
    public BigDecimal high() {
        return kind == Kind.RANGE ? second : null;
    }

    /** The numerator of a RATIO, else null. */
    public BigDecimal numerator() {
        return kind == Kind.RATIO ? first : null;
    }

    /** The denominator of a RATIO, else null. */
    public BigDecimal denominator() {
        return kind == Kind.RATIO ? second : null;
    }

    /**
     * The components as sent joined by single spaces, empty ones skipped ({@code "< 5"}, {@code "2
     * +"}): the value of a STRING, and a readable form of any kind.
     */
    public String text() {
        return text;
    }
}
