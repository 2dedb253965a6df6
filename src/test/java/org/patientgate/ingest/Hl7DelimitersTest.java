package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Hl7DelimitersTest {

    private static final Hl7Delimiters CUSTOM = new Hl7Delimiters('#', '$', '*', '@', '%');

    @Test
    void standardDelimitersAreTheOnesHl7Recommends() {
        assertThat(Hl7Delimiters.STANDARD.field()).isEqualTo('|');
        assertThat(Hl7Delimiters.STANDARD.encodingCharacters()).isEqualTo("^~\\&");
    }

    @Test
    void writesMsh2InComponentRepetitionEscapeSubcomponentOrder() {
        assertThat(CUSTOM.encodingCharacters()).isEqualTo("$*@%");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "a|b;a\\F\\b",
                "a^b;a\\S\\b",
                "a~b;a\\R\\b",
                "a\\b;a\\E\\b",
                "a&b;a\\T\\b",
                "plain text 1.5 mg/dL;plain text 1.5 mg/dL"
            })
    void escapesEachDelimiterAsHl7Section274Says(String text, String escaped) {
        assertThat(Hl7Delimiters.STANDARD.escape(text)).isEqualTo(escaped);
    }

    @Test
    void escapesTheEscapeCharacterOnlyOnce() {
        assertThat(Hl7Delimiters.STANDARD.escape("\\F\\")).isEqualTo("\\E\\F\\E\\");
    }

    @Test
    void turnsSegmentTerminatorsAndLineBreaksIntoSpaces() {
        assertThat(Hl7Delimiters.STANDARD.escape("line1\rMSH|x\nline3\r\n")).isEqualTo("line1 MSH\\F\\x line3  ");
    }

    @Test
    void escapesWithTheMessagesOwnDelimiters() {
        assertThat(CUSTOM.escape("#$*@%|^~\\&")).isEqualTo("@F@@S@@R@@E@@T@|^~\\&");
    }

    @Test
    void leavesNoBareDelimiterOrLineBreakInEscapedText() {
        String escaped = Hl7Delimiters.STANDARD.escape("x|y^z~w&v\rMSH|^~\\&|\n");

        assertThat(escaped.replaceAll("\\\\[FSRET]\\\\", "")).doesNotContainPattern("[|^~&\\\\\r\n]");
    }

    @Test
    void keepsNonAsciiTextAsIs() {
        assertThat(Hl7Delimiters.STANDARD.escape("张三 Müller")).isEqualTo("张三 Müller");
    }
}
