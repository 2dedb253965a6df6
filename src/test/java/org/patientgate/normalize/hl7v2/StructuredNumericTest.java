package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.patientgate.normalize.hl7v2.StructuredNumeric.Kind;

class StructuredNumericTest {

    @Test
    void readsAPlainNumberAsAQuantityWithoutComparator() {
        StructuredNumeric sn = StructuredNumeric.parse(null, "5.4", null, null);

        assertThat(sn.kind()).isEqualTo(Kind.QUANTITY);
        assertThat(sn.value()).isEqualTo(new BigDecimal("5.4"));
        assertThat(sn.comparator()).isNull();
        assertThat(sn.low()).isNull();
        assertThat(sn.high()).isNull();
        assertThat(sn.numerator()).isNull();
        assertThat(sn.denominator()).isNull();
        assertThat(sn.text()).isEqualTo("5.4");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"<", ">", "<=", ">="})
    void keepsAComparatorFhirQuantityHas(String comparator) {
        StructuredNumeric sn = StructuredNumeric.parse(comparator, "5", "", "");

        assertThat(sn.kind()).isEqualTo(Kind.QUANTITY);
        assertThat(sn.comparator()).isEqualTo(comparator);
        assertThat(sn.value()).isEqualTo(new BigDecimal("5"));
        assertThat(sn.text()).isEqualTo(comparator + " 5");
    }

    @Test
    void readsEqualsAsAQuantityWithoutComparator() {
        StructuredNumeric sn = StructuredNumeric.parse("=", "5", "", "");

        assertThat(sn.kind()).isEqualTo(Kind.QUANTITY);
        assertThat(sn.comparator()).isNull();
        assertThat(sn.value()).isEqualTo(new BigDecimal("5"));
    }

    @Test
    void trimsEachComponent() {
        StructuredNumeric sn = StructuredNumeric.parse(" <= ", " 5 ", " ", " ");

        assertThat(sn.kind()).isEqualTo(Kind.QUANTITY);
        assertThat(sn.comparator()).isEqualTo("<=");
        assertThat(sn.text()).isEqualTo("<= 5");
    }

    @Test
    void keepsTheReportedPrecisionOfAQuantity() {
        assertThat(StructuredNumeric.parse("", "1.50", "", "").value()).hasToString("1.50");
    }

    @Test
    void readsADashAsARangeFromNum1ToNum2() {
        StructuredNumeric sn = StructuredNumeric.parse("", "1", "-", "5");

        assertThat(sn.kind()).isEqualTo(Kind.RANGE);
        assertThat(sn.low()).isEqualTo(new BigDecimal("1"));
        assertThat(sn.high()).isEqualTo(new BigDecimal("5"));
        assertThat(sn.value()).isNull();
        assertThat(sn.numerator()).isNull();
        assertThat(sn.denominator()).isNull();
        assertThat(sn.comparator()).isNull();
        assertThat(sn.text()).isEqualTo("1 - 5");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {":", "/"})
    void readsAColonOrSlashAsARatio(String separator) {
        StructuredNumeric sn = StructuredNumeric.parse(null, "1", separator, "128");

        assertThat(sn.kind()).isEqualTo(Kind.RATIO);
        assertThat(sn.numerator()).isEqualTo(new BigDecimal("1"));
        assertThat(sn.denominator()).isEqualTo(new BigDecimal("128"));
        assertThat(sn.value()).isNull();
        assertThat(sn.low()).isNull();
        assertThat(sn.high()).isNull();
        assertThat(sn.comparator()).isNull();
    }

    @Test
    void acceptsEqualsOnARangeOrRatioBecauseItAddsNothing() {
        assertThat(StructuredNumeric.parse("=", "1", "-", "5").kind()).isEqualTo(Kind.RANGE);
        assertThat(StructuredNumeric.parse("=", "1", ":", "2").kind()).isEqualTo(Kind.RATIO);
    }

    @ParameterizedTest(name = "[{0}] [{1}] [{2}] [{3}] -> {4}")
    @CsvSource(
            delimiter = ';',
            value = {
                "<>;5;;;<> 5",
                ";2;+;;2 +",
                ">;1;-;5;> 1 - 5",
                "<;1;:;2;< 1 : 2",
                ";1;-;;1 -",
                ";1;-;x;1 - x",
                ";1;/;;1 /",
                ";abc;;;abc",
                ";;-;5;- 5",
                ";5;;7;5 7",
                "~;5;;;~ 5",
                ";1;x;2;1 x 2",
                ";1e3;;;1e3"
            })
    void keepsWhatFhirHasNoStructureForAsText(
            String comparator, String num1, String separator, String num2, String text) {
        StructuredNumeric sn = StructuredNumeric.parse(comparator, num1, separator, num2);

        assertThat(sn.kind()).isEqualTo(Kind.STRING);
        assertThat(sn.text()).isEqualTo(text);
        assertThat(sn.comparator()).isNull();
        assertThat(sn.value()).isNull();
        assertThat(sn.low()).isNull();
        assertThat(sn.high()).isNull();
        assertThat(sn.numerator()).isNull();
        assertThat(sn.denominator()).isNull();
    }

    @Test
    void readsAnAllEmptyValueAsEmptyText() {
        StructuredNumeric sn = StructuredNumeric.parse(null, null, null, null);

        assertThat(sn.kind()).isEqualTo(Kind.STRING);
        assertThat(sn.text()).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {"+.5;0.5", "-.25;-0.25", "007;7", "1.50;1.50", "-3;-3", "+3;3", "5.;5", "' 42 ';42", "0.000;0.000"
            })
    void readsNmValuesKeepingTheirReportedPrecision(String nm, String expected) {
        BigDecimal decimal = StructuredNumeric.decimal(nm);

        assertThat(decimal).isEqualTo(new BigDecimal(expected));
        assertThat(decimal).hasToString(expected);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void rejectsAnEmptyNm(String nm) {
        assertThatThrownBy(() -> StructuredNumeric.decimal(nm))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NM is empty");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "abc;NM has an unexpected character at position 1",
                "1e3;NM has an unexpected character at position 2",
                "1.2.3;NM has an unexpected character at position 4",
                "+-1;NM has an unexpected character at position 2",
                "12-;NM has an unexpected character at position 3",
                "<5;NM has an unexpected character at position 1",
                "1 000;NM has an unexpected character at position 2",
                "+;NM has no digits",
                ".;NM has no digits",
                "-.;NM has no digits"
            })
    void rejectsNonNumericNmSayingWhereButNotTheValue(String nm, String message) {
        assertThatThrownBy(() -> StructuredNumeric.decimal(nm))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message)
                .hasMessageNotContaining(nm);
    }
}
