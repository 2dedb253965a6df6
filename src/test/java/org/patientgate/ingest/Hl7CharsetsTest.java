package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class Hl7CharsetsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "ASCII;US-ASCII",
                "8859/1;ISO-8859-1",
                "8859/2;ISO-8859-2",
                "8859/3;ISO-8859-3",
                "8859/4;ISO-8859-4",
                "8859/5;ISO-8859-5",
                "8859/6;ISO-8859-6",
                "8859/7;ISO-8859-7",
                "8859/8;ISO-8859-8",
                "8859/9;ISO-8859-9",
                "8859/15;ISO-8859-15",
                "UNICODE UTF-8;UTF-8",
                "UNICODE UTF-16;UTF-16",
                "UNICODE;UTF-16",
                "GB 18030-2000;GB18030",
                "KS X 1001;EUC-KR",
                "BIG-5;Big5",
                "ISO IR87;ISO-2022-JP",
                "ISO IR14;JIS_X0201"
            })
    void mapsTable0211NamesToJavaCharsets(String hl7Name, String javaName) {
        assertThat(Hl7Charsets.forHl7Name(hl7Name)).contains(Charset.forName(javaName));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {"UTF-8;UTF-8", "UTF8;UTF-8", "GB18030;GB18030", "GB 18030;GB18030"})
    void acceptsCommonIanaSpellingsSendersUseInsteadOfTheTableValue(String msh18, String javaName) {
        assertThat(Hl7Charsets.forHl7Name(msh18)).contains(Charset.forName(javaName));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unicode utf-8", "  UNICODE UTF-8  ", "Unicode Utf-8", "\tUNICODE UTF-8"})
    void ignoresCaseAndSurroundingSpace(String msh18) {
        assertThat(Hl7Charsets.forHl7Name(msh18)).contains(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"KLINGON", "UNICODE UTF-32", "8859/16", "UNICODEUTF-8", "windows-1252", "LATIN1"})
    void findsNothingForNamesOutsideTable0211(String msh18) {
        assertThat(Hl7Charsets.forHl7Name(msh18)).isEmpty();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void findsNothingForAnEmptyMsh18(String msh18) {
        assertThat(Hl7Charsets.forHl7Name(msh18)).isEmpty();
    }

    @Test
    void resolvesAConfiguredTable0211Name() {
        assertThat(Hl7Charsets.forConfiguredName("GB 18030-2000")).isEqualTo(Charset.forName("GB18030"));
        assertThat(Hl7Charsets.forConfiguredName("8859/1")).isEqualTo(StandardCharsets.ISO_8859_1);
    }

    @Test
    void resolvesAConfiguredJavaCharsetName() {
        assertThat(Hl7Charsets.forConfiguredName("windows-1252")).isEqualTo(Charset.forName("windows-1252"));
        assertThat(Hl7Charsets.forConfiguredName("ISO-8859-1")).isEqualTo(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"KLINGON-1", "not a charset!", "UNICODE UTF-99"})
    void refusesAnUnknownConfiguredNameWithAHint(String name) {
        assertThatThrownBy(() -> Hl7Charsets.forConfiguredName(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("UNICODE UTF-8");
    }
}
