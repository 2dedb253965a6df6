package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class V2DateTimeTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "2024;2024",
                "202403;2024-03",
                "20240315;2024-03-15",
                "20240229;2024-02-29",
                "2024031514;2024-03-15T14:00:00+01:00",
                "202403151430;2024-03-15T14:30:00+01:00",
                "20240315143005;2024-03-15T14:30:05+01:00",
                "20240315143005.1;2024-03-15T14:30:05.1+01:00",
                "20240315143005.12;2024-03-15T14:30:05.12+01:00",
                "20240315143005.123;2024-03-15T14:30:05.123+01:00",
                "20240315143005.1234;2024-03-15T14:30:05.1234+01:00"
            })
    void keepsThePrecisionSentAndAddsSecondsAndZoneOnlyWhereFhirRequiresThem(String v2, String fhir) {
        assertThat(V2DateTime.toFhirDateTime(v2, BERLIN)).isEqualTo(fhir);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "202403151430+0530;2024-03-15T14:30:00+05:30",
                "202403151430-0500;2024-03-15T14:30:00-05:00",
                "202403151430+05;2024-03-15T14:30:00+05:00",
                "202403151430+0000;2024-03-15T14:30:00+00:00",
                "202403151430-0000;2024-03-15T14:30:00+00:00",
                "202403151430+1400;2024-03-15T14:30:00+14:00",
                "202403151430-1400;2024-03-15T14:30:00-14:00",
                "202403151430+1359;2024-03-15T14:30:00+13:59",
                "20240315143005.5-0330;2024-03-15T14:30:05.5-03:30"
            })
    void usesTheZoneSentInsteadOfTheDefault(String v2, String fhir) {
        assertThat(V2DateTime.toFhirDateTime(v2, BERLIN)).isEqualTo(fhir);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {"20240315+0100;2024-03-15", "2024-0500;2024", "202403+05;2024-03"})
    void dropsAZoneSentWithADateBecauseFhirDatesHaveNone(String v2, String fhir) {
        assertThat(V2DateTime.toFhirDateTime(v2, BERLIN)).isEqualTo(fhir);
    }

    @Test
    void takesTheDefaultZonesOffsetAtThatLocalDateSoDaylightSavingTimeCounts() {
        assertThat(V2DateTime.toFhirDateTime("202401151200", BERLIN)).isEqualTo("2024-01-15T12:00:00+01:00");
        assertThat(V2DateTime.toFhirDateTime("202407151200", BERLIN)).isEqualTo("2024-07-15T12:00:00+02:00");
        assertThat(V2DateTime.toFhirDateTime("202407151200", ZoneId.of("America/New_York")))
                .isEqualTo("2024-07-15T12:00:00-04:00");
    }

    @Test
    void keepsTheWallClockDigitsInADaylightSavingGapOrOverlapWithTheOffsetBeforeTheChange() {
        // 2024-03-31 02:30 does not exist in Berlin; 2024-10-27 02:30 happens twice.
        assertThat(V2DateTime.toFhirDateTime("202403310230", BERLIN)).isEqualTo("2024-03-31T02:30:00+01:00");
        assertThat(V2DateTime.toFhirDateTime("202410270230", BERLIN)).isEqualTo("2024-10-27T02:30:00+02:00");
    }

    @Test
    void writesUtcAsPlusZeroRatherThanZ() {
        assertThat(V2DateTime.toFhirDateTime("202403151430", ZoneOffset.UTC)).isEqualTo("2024-03-15T14:30:00+00:00");
        assertThat(V2DateTime.toFhirDateTime("202403151430", ZoneId.of("UTC"))).isEqualTo("2024-03-15T14:30:00+00:00");
    }

    @Test
    void dropsTheSecondsOfAHistoricalOffsetBecauseFhirOffsetsAreInMinutes() {
        assertThat(V2DateTime.toFhirDateTime("190001011200", ZoneOffset.ofHoursMinutesSeconds(5, 21, 10)))
                .isEqualTo("1900-01-01T12:00:00+05:21");
        assertThat(V2DateTime.toFhirDateTime("190001011200", ZoneOffset.ofHoursMinutesSeconds(-3, -30, -15)))
                .isEqualTo("1900-01-01T12:00:00-03:30");
    }

    @Test
    void readsTheFirstComponentOfAnOlderTsOnceTheCallerStrippedThePrecision() {
        // HL7 v2.3 TS "200403151430^M": the caller passes component 1 only.
        assertThat(V2DateTime.toFhirDateTime("200403151430", BERLIN)).isEqualTo("2004-03-15T14:30:00+01:00");
    }

    @Test
    void trimsSurroundingWhitespace() {
        assertThat(V2DateTime.toFhirDateTime("  20240315 \t", BERLIN)).isEqualTo("2024-03-15");
        assertThat(V2DateTime.toFhirDate(" 20240315\u2003")).isEqualTo("2024-03-15");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "1980;1980",
                "198005;1980-05",
                "19800521;1980-05-21",
                "19800521143005;1980-05-21",
                "19800521233000-1000;1980-05-21",
                "19800521003000.25+1400;1980-05-21"
            })
    void takesOnlyTheDatePartForADateWithoutShiftingItByTheZone(String v2, String fhir) {
        assertThat(V2DateTime.toFhirDate(v2)).isEqualTo(fhir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"19800230", "1980052125", "19800521+1500", "1980-05-21"})
    void rejectsAnInvalidDateEvenWhenOnlyItsDateIsUsed(String v2) {
        assertThatThrownBy(() -> V2DateTime.toFhirDate(v2)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "2024031514;2024-03-15T14:00:00+01:00",
                "202403151430;2024-03-15T14:30:00+01:00",
                "20240315143005.123+0000;2024-03-15T14:30:05.123+00:00"
            })
    void padsMissingMinutesAndSecondsForAnInstant(String v2, String fhir) {
        assertThat(V2DateTime.toFhirInstant(v2, BERLIN)).isEqualTo(fhir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024", "202403", "20240315", "20240315+0100"})
    void rejectsAnInstantWithoutAnHour(String v2) {
        assertThatThrownBy(() -> V2DateTime.toFhirInstant(v2, BERLIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("; an instant needs at least 10 (date and hour)")
                .hasMessageNotContaining(v2);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t\r\n"})
    void rejectsAMissingValue(String v2) {
        assertThatThrownBy(() -> V2DateTime.toFhirDateTime(v2, BERLIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("DTM is empty");
        assertThatThrownBy(() -> V2DateTime.toFhirDate(v2)).hasMessage("DTM is empty");
        assertThatThrownBy(() -> V2DateTime.toFhirInstant(v2, BERLIN)).hasMessage("DTM is empty");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "20240|DTM has 5 digits; expected 4, 6, 8, 10, 12 or 14",
                "2024011|DTM has 7 digits; expected 4, 6, 8, 10, 12 or 14",
                "202401151|DTM has 9 digits; expected 4, 6, 8, 10, 12 or 14",
                "20240115123|DTM has 11 digits; expected 4, 6, 8, 10, 12 or 14",
                "2024011512345|DTM has 13 digits; expected 4, 6, 8, 10, 12 or 14",
                "202401151234567|DTM has 15 digits; expected 4, 6, 8, 10, 12 or 14",
                "+0100|DTM has 0 digits; expected 4, 6, 8, 10, 12 or 14",
                "2024X115|DTM has a non-digit character at position 5",
                "2024 0115|DTM has a non-digit character at position 5",
                "2024.01.15|DTM has a non-digit character at position 5",
                "0000|DTM year is zero; FHIR dates start at year 0001",
                "202400|DTM month is out of range; expected 01 to 12",
                "202413|DTM month is out of range; expected 01 to 12",
                "20240100|DTM day is out of range for its month and year",
                "20230229|DTM day is out of range for its month and year",
                "20240431|DTM day is out of range for its month and year",
                "2024011524|DTM hour is out of range; expected 00 to 23",
                "2024011525|DTM hour is out of range; expected 00 to 23",
                "202401151260|DTM minute is out of range; expected 00 to 59",
                "20240115123060|DTM second is out of range; expected 00 to 59",
                "202401151230.5|DTM has a fractional second but no seconds",
                "20240115123000.|DTM fractional second has 0 digits; expected 1 to 4",
                "20240115123000.12345|DTM fractional second has 5 digits; expected 1 to 4",
                "20240115123000.1a|DTM fractional second has a non-digit character at position 17",
                "202401151230+|DTM zone has 0 characters after its sign; expected HHMM or HH",
                "202401151230+1|DTM zone has 1 characters after its sign; expected HHMM or HH",
                "202401151230+123|DTM zone has 3 characters after its sign; expected HHMM or HH",
                "202401151230+01000|DTM zone has 5 characters after its sign; expected HHMM or HH",
                "2024-01-15|DTM zone has 5 characters after its sign; expected HHMM or HH",
                "202401151230+01a0|DTM zone has a non-digit character at position 16",
                "202401151230+0160|DTM zone minutes are out of range; expected 00 to 59",
                "202401151230+1500|DTM zone is out of range; expected -14:00 to +14:00",
                "202401151230-1401|DTM zone is out of range; expected -14:00 to +14:00"
            })
    void rejectsInvalidValuesSayingWhatIsWrongButNotTheValue(String v2, String message) {
        assertThatThrownBy(() -> V2DateTime.toFhirDateTime(v2, BERLIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        assertThat(message).doesNotContain(v2);
    }

    @Test
    void requiresADefaultZoneEvenForADate() {
        assertThatNullPointerException().isThrownBy(() -> V2DateTime.toFhirDateTime("2024", null));
        assertThatNullPointerException().isThrownBy(() -> V2DateTime.toFhirInstant("2024031514", null));
    }
}
