package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class V2EscapesTest {

    private static String decode(String value) {
        return decode(value, StandardCharsets.UTF_8);
    }

    private static String decode(String value, Charset charset) {
        return V2Escapes.decode(value, '|', '^', '~', '\\', '&', charset);
    }

    @Test
    void returnsTheSameInstanceWhenThereIsNoEscapeCharacter() {
        String value = "plain text 1.5 mg/dL";

        assertThat(V2Escapes.decode(value, '|', '^', '~', '\\', '&', StandardCharsets.UTF_8))
                .isSameAs(value);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "a\\F\\b;a|b",
                "a\\S\\b;a^b",
                "a\\T\\b;a&b",
                "a\\R\\b;a~b",
                "a\\E\\b;a\\b",
                "a\\P\\b;a#b",
                "\\F\\\\S\\\\T\\;|^&"
            })
    void decodesDelimiterEscapesToTheDelimiters(String value, String decoded) {
        assertThat(decode(value)).isEqualTo(decoded);
    }

    @Test
    void decodesDelimiterEscapesToTheMessagesOwnDelimiters() {
        String decoded = V2Escapes.decode("@F@@S@@R@@E@@T@@P@", '#', '$', '*', '@', '%', StandardCharsets.UTF_8);

        assertThat(decoded).isEqualTo("#$*@%#");
    }

    @Test
    void leavesTheStandardEscapeCharacterAloneWhenTheMessageUsesAnother() {
        assertThat(V2Escapes.decode("a\\F\\b@F@c", '|', '^', '~', '@', '&', StandardCharsets.UTF_8))
                .isEqualTo("a\\F\\b|c");
    }

    @Test
    void decodesHexEscapeAsBytesInMessageCharset() {
        assertThat(decode("caf\\XE9\\", StandardCharsets.ISO_8859_1)).isEqualTo("café");
        assertThat(decode("caf\\XC3A9\\", StandardCharsets.UTF_8)).isEqualTo("café");
        assertThat(decode("\\XD6D0CEC4\\", Charset.forName("GB18030"))).isEqualTo("中文");
    }

    @Test
    void acceptsLowerCaseHexDigits() {
        assertThat(decode("\\Xc3a9\\")).isEqualTo("é");
    }

    @Test
    void joinsAdjacentHexEscapesSoAMultiByteCharacterSplitAcrossThemDecodes() {
        assertThat(decode("\\XE4B8\\\\XAD\\!")).isEqualTo("中!");
    }

    @Test
    void decodesHexRunsLongerThanTheInitialBuffer() {
        String hex = "41".repeat(20);

        assertThat(decode("\\X" + hex + "\\\\X" + hex + "\\")).isEqualTo("A".repeat(40));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {"\\X41\\\\F\\;A|", "\\X41\\b;Ab", "\\X41\\\\XZZ\\;A\\XZZ\\", "\\X41\\\\X42;A\\X42", "\\X41\\\\;A\\"
            })
    void endsAHexRunAtTheFirstTextOrSequenceThatIsNotHex(String value, String decoded) {
        assertThat(decode(value)).isEqualTo(decoded);
    }

    @Test
    void replacesBytesInvalidInTheCharsetInsteadOfThrowing() {
        assertThat(decode("\\XFF\\", StandardCharsets.UTF_8)).isEqualTo("\uFFFD");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\X\\", "\\XABC\\", "\\XZZ\\", "\\X4\u0661\\", "\\X4!\\"})
    void keepsHexEscapesWithoutWholeAsciiHexBytesAsSent(String value) {
        assertThat(decode(value)).isEqualTo(value);
    }

    @Test
    void removesHighlightingEscapes() {
        assertThat(decode("\\H\\HIGH\\N\\ normal")).isEqualTo("HIGH normal");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {"a\\C2842\\b;ab", "a\\C2d42\\b;ab", "a\\M242842\\b;ab", "a\\Zlocal code\\b;ab", "a\\Z\\b;ab"})
    void removesCharacterSetSwitchesAndLocallyDefinedEscapes(String value, String decoded) {
        assertThat(decode(value)).isEqualTo(decoded);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\C284\\", "\\C28ZZ\\", "\\C284200\\", "\\M2428\\", "\\M2428ZZ\\", "\\C\\", "\\M\\"})
    void keepsMalformedCharacterSetSwitchesAsSent(String value) {
        assertThat(decode(value)).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            ignoreLeadingAndTrailingWhitespace = false,
            value = {
                "a\\.br\\b;'a\nb'",
                "a\\.sp\\b;'a\nb'",
                "a\\.sp 3\\b;'a\n\n\nb'",
                "a\\.sp3\\b;'a\n\n\nb'",
                "a\\.sp 0\\b;ab",
                "a\\.sk 4\\b;a    b",
                "a\\.sk\\b;ab",
                "a\\.in\\b;ab",
                "a\\.in +4\\b;ab",
                "a\\.ti -2\\b;ab",
                "a\\.ti 2\\b;ab",
                "a\\.ce\\b;ab",
                "a\\.fi\\b;ab",
                "a\\.nf\\b;ab"
            })
    void appliesFormattedTextCommandsAsPlainText(String value, String decoded) {
        assertThat(decode(value)).isEqualTo(decoded);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\\.br 2\\",
                "\\.fi 1\\",
                "\\.sp 1000\\",
                "\\.sp x\\",
                "\\.sp 1x\\",
                "\\.sp -1\\",
                "\\.sk +2\\",
                "\\.in +\\",
                "\\.zz\\",
                "\\.zz 2\\",
                "\\.b\\",
                "\\.\\"
            })
    void keepsUnknownOrMalformedFormattingCommandsAsSent(String value) {
        assertThat(decode(value)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\\\", "\\Q\\", "\\f\\", "\\HX\\", "\\FF\\", "\\unknown\\"})
    void keepsUnknownSequencesAsSent(String value) {
        assertThat(decode(value)).isEqualTo(value);
    }

    @Test
    void continuesDecodingAfterAnUnknownSequence() {
        assertThat(decode("a\\Q\\b\\F\\c")).isEqualTo("a\\Q\\b|c");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {"C:\\temp;C:\\temp", "a\\F\\b\\c;a|b\\c", "trailing\\;trailing\\"})
    void keepsAnUnterminatedEscapeAndWhatFollowsAsSent(String value, String decoded) {
        assertThat(decode(value)).isEqualTo(decoded);
    }
}
