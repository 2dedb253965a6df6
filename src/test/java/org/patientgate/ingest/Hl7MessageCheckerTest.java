package org.patientgate.ingest;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.patientgate.ingest.Hl7TestMessages.adtA01;
import static org.patientgate.ingest.Hl7TestMessages.concat;
import static org.patientgate.ingest.Hl7TestMessages.evn;
import static org.patientgate.ingest.Hl7TestMessages.mdmT02;
import static org.patientgate.ingest.Hl7TestMessages.msh;
import static org.patientgate.ingest.Hl7TestMessages.obr;
import static org.patientgate.ingest.Hl7TestMessages.obx;
import static org.patientgate.ingest.Hl7TestMessages.orc;
import static org.patientgate.ingest.Hl7TestMessages.oru;
import static org.patientgate.ingest.Hl7TestMessages.pid;
import static org.patientgate.ingest.Hl7TestMessages.pv1;
import static org.patientgate.ingest.Hl7TestMessages.sample;
import static org.patientgate.ingest.Hl7TestMessages.txa;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Hl7MessageCheckerTest {

    private final Hl7MessageChecker checker =
            new Hl7MessageChecker(Set.of("ORU^R01", "ADT^A01", "ADT^A04", "MDM^T02"), Set.of("P", "T"));

    private List<Hl7Error> check(String text) throws Exception {
        return checker.check(Hl7TestMessages.decode(text));
    }

    private List<Hl7Error> checkSample(String fileName) throws Exception {
        return checker.check(Hl7Envelope.decode(sample(fileName), UTF_8));
    }

    /** The only problem found, asserted to be the one expected. */
    private static Hl7Error single(List<Hl7Error> errors, Hl7ErrorCode code, String location) {
        assertThat(errors).as("problems found").hasSize(1);
        Hl7Error error = errors.get(0);
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.location()).isEqualTo(location);
        return error;
    }

    // --- accepted messages --------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
    void acceptsOruR01(String version) throws Exception {
        assertThat(check(oru(version))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
    void acceptsAdtA01(String version) throws Exception {
        assertThat(check(adtA01(version))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
    void acceptsMdmT02(String version) throws Exception {
        assertThat(check(mdmT02(version))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "LAB-ORU-1.hl7",
                "LRI_2.0-NG_CBC_Typ_Message.hl7",
                "ADT-A01-01.hl7",
                "ADT01-23.hl7",
                "ADT01-28.hl7",
                "MDM-T02-01.hl7",
                "MDM-T02-03.hl7"
            })
    void acceptsRealSampleMessages(String fileName) throws Exception {
        assertThat(checkSample(fileName)).isEmpty();
    }

    @Test
    void acceptsOruWithSeveralOrdersAndRepeatedNumericValues() throws Exception {
        String text = msh()
                + pid()
                + orc()
                + obr()
                + obx("NM", "182", "F")
                + obx("NM", "1.5~2.0", "C")
                + obr()
                + obx("ST", "see note", "P")
                + "NTE|1||free text\r";

        assertThat(check(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"182", "-3", "+1.5", ".5", "12.", "0.001", "  42  ", "1~2~3", "7~"})
    void acceptsNumericObservationValues(String value) throws Exception {
        assertThat(check(msh() + pid() + obr() + obx("NM", value, "F"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026", "202611", "20261123", "202611231015", "20261123101500.1234-0500"})
    void acceptsMsh7AtAnyHl7Precision(String timestamp) throws Exception {
        assertThat(check(msh().field(7, timestamp) + pid() + obr())).isEmpty();
    }

    // --- 100 segment sequence error -----------------------------------------------------------

    @Test
    void rejectsOruWithObxBeforeObr_with100() throws Exception {
        List<Hl7Error> errors = check(msh() + pid() + obx("NM", "182", "F") + obr());

        Hl7Error error = single(errors, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX");
        assertThat(error.text()).isEqualTo("OBX comes before any OBR");
    }

    @Test
    void rejectsOruWithObrBeforePid_with100() throws Exception {
        List<Hl7Error> errors = check(msh() + obr() + pid() + obx("NM", "182", "F"));

        Hl7Error error = single(errors, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBR");
        assertThat(error.text()).isEqualTo("OBR comes before PID");
    }

    @Test
    void rejectsOruWithoutPid_with100ForTheMissingSegment() throws Exception {
        List<Hl7Error> errors = check(msh() + obr() + obx("NM", "182", "F"));

        assertThat(errors)
                .extracting(Hl7Error::code, Hl7Error::location)
                .containsExactly(
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBR"),
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "PID"));
        assertThat(errors.get(1).text()).isEqualTo("required segment PID is missing");
    }

    @Test
    void rejectsOruWithoutObr_with100() throws Exception {
        Hl7Error error = single(check(msh() + pid()), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBR");

        assertThat(error.text()).isEqualTo("required segment OBR is missing");
    }

    @Test
    void rejectsAdtWithoutEvn_with100() throws Exception {
        single(check(msh().type("ADT^A01^ADT_A01") + pid() + pv1()), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "EVN");
    }

    @Test
    void rejectsRealAdtA04SampleWithoutEvn_with100() throws Exception {
        single(checkSample("ADT04-251.hl7"), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "EVN");
    }

    @Test
    void rejectsMdmWithoutTxa_with100() throws Exception {
        single(
                check(msh().type("MDM^T02^MDM_T02") + evn("T02") + pid() + pv1()),
                Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                "TXA");
    }

    @Test
    void rejectsMdmWithoutEvnAndPid_with100ForEach() throws Exception {
        List<Hl7Error> errors = check(msh().type("MDM^T02^MDM_T02") + txa());

        assertThat(errors)
                .extracting(Hl7Error::code, Hl7Error::segment)
                .containsExactlyInAnyOrder(
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "EVN"),
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "PID"));
    }

    @Test
    void rejectsABatchWithASecondMsh_with100() throws Exception {
        List<Hl7Error> errors = check(oru("2.5.1") + oru("2.5.1"));

        assertThat(errors).extracting(Hl7Error::code).contains(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR);
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.location()).isEqualTo("MSH(2)");
            assertThat(e.text()).contains("second MSH");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"pid|1||MRN1", "Hello there", "PIDX|1||MRN1", "P1", "1AB|x"})
    void rejectsALineThatIsNotASegment_with100(String line) throws Exception {
        List<Hl7Error> errors = check(msh() + pid() + line + "\r" + obr());

        Hl7Error error = single(errors, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "message");
        assertThat(error.sequence()).isEqualTo(3);
        assertThat(error.text()).isEqualTo("segment 3 does not start with a segment id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.7", "2.7.1", "2.8"})
    void acceptsPatientObservationObxAfterPidFromVersion27(String version) throws Exception {
        String text = msh().version(version) + pid() + obx("NM", "72", "F") + pv1() + obr() + obx("NM", "182", "F");

        assertThat(check(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.4", "2.5", "2.5.1", "2.6"})
    void rejectsObxAfterPidBeforeVersion27_with100(String version) throws Exception {
        String text = msh().version(version) + pid() + obx("NM", "72", "F") + pv1() + obr() + obx("NM", "182", "F");

        single(check(text), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX");
    }

    @Test
    void rejectsObxAfterVisitOrOrderControlButBeforeObrEvenInVersion28_with100() throws Exception {
        single(
                check(msh().version("2.8") + pid() + pv1() + obx("NM", "72", "F") + obr()),
                Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                "OBX");
        single(
                check(msh().version("2.8") + pid() + orc() + obx("NM", "72", "F") + obr()),
                Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                "OBX");
    }

    @Test
    void rejectsRealOruSampleWithObxBeforeObr_with100() throws Exception {
        List<Hl7Error> errors = checkSample("ORU-R01-01.hl7");

        assertThat(errors)
                .extracting(Hl7Error::code, Hl7Error::location)
                .containsExactly(
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX"),
                        tuple(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX(2)"));
    }

    // --- 101 required field missing -----------------------------------------------------------

    @Test
    void rejectsOruWithEmptyPid3_with101() throws Exception {
        Hl7Error error = single(
                check(msh() + pid("", "DOE^JANE") + obr() + obx("NM", "182", "F")),
                Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                "PID-3");

        assertThat(error.text()).isEqualTo("PID-3 patient identifier list is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"^^^GENHOSP^MR", "~", "  ^^^GENHOSP^MR~^^^OTHER^PI", "   "})
    void rejectsPid3WithoutAnyIdNumber_with101(String pid3) throws Exception {
        single(check(msh() + pid(pid3, "DOE^JANE") + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3");
    }

    @Test
    void acceptsPid3WhenALaterRepetitionHasTheIdNumber() throws Exception {
        assertThat(check(msh() + pid("^^^GENHOSP^MR~12345^^^OTHER^PI", "DOE^JANE") + obr()))
                .isEmpty();
    }

    @Test
    void rejectsAdtWithPidThatEndsBeforePid3_with101() throws Exception {
        single(
                check(msh().type("ADT^A01^ADT_A01") + evn("A01") + "PID|1\r" + pv1()),
                Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                "PID-3");
    }

    @Test
    void rejectsMissingMsh10ControlId_with101() throws Exception {
        Hl7Error error =
                single(check(msh().controlId("") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10");

        assertThat(error.text()).contains("control id");
    }

    @Test
    void rejectsBlankMsh10ControlId_with101() throws Exception {
        single(check(msh().controlId("   ") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10");
    }

    @Test
    void rejectsEmptyMsh9_with101() throws Exception {
        single(check(msh().type("") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-9");
    }

    @Test
    void rejectsMsh9WithoutTriggerEvent_with101() throws Exception {
        Hl7Error error = single(check(msh().type("ORU") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-9");

        assertThat(error.text()).contains("trigger event");
    }

    @Test
    void rejectsEmptyMsh11ProcessingId_with101() throws Exception {
        single(check(msh().processingId("") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-11");
    }

    @Test
    void rejectsEmptyMsh12Version_with101() throws Exception {
        single(check(msh().version("") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-12");
    }

    @Test
    void rejectsEmptyMsh7Timestamp_with101() throws Exception {
        single(check(msh().field(7, "") + pid() + obr()), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-7");
    }

    // --- 102 data type error ------------------------------------------------------------------

    @Test
    void rejectsNonNumericObx5WhenObx2IsNm_with102() throws Exception {
        Hl7Error error = single(
                check(msh() + pid() + obr() + obx("NM", "SECRET-HIGH", "F")), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX-5");

        assertThat(error.text())
                .isEqualTo("OBX-5 is not a number but OBX-2 is NM")
                .doesNotContain("SECRET");
    }

    @ParameterizedTest
    @ValueSource(strings = {"high", "1,5", "1.2.3", "<5", "5 mg", "1e3", "--1", "12~abc", "5^mg"})
    void rejectsValuesThatAreNotNm_with102(String value) throws Exception {
        single(check(msh() + pid() + obr() + obx("NM", value, "F")), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX-5");
    }

    @Test
    void locatesTheSecondObxBySequence_with102() throws Exception {
        String text = msh() + pid() + obr() + obx("NM", "182", "F") + obx("NM", "n/a", "F");

        single(check(text), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX(2)-5");
    }

    @Test
    void acceptsTextInObx5WhenObx2IsNotNm() throws Exception {
        assertThat(check(msh() + pid() + obr() + obx("ST", "high", "F"))).isEmpty();
        assertThat(check(msh() + pid() + obr() + obx("NM", "", "X"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-23", "23.11.2026", "20261123 1015", "NOW", "20261123101500+01"})
    void rejectsMsh7ThatIsNotAnHl7DateTime_with102(String timestamp) throws Exception {
        single(check(msh().field(7, timestamp) + pid() + obr()), Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-7");
    }

    @Test
    void rejectsMsh10LongerThan199Characters_with102() throws Exception {
        single(check(msh().controlId("X".repeat(200)) + pid() + obr()), Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-10");
        assertThat(check(msh().controlId("X".repeat(199)) + pid() + obr())).isEmpty();
    }

    @Test
    void rejectsBytesNotValidInTheDeclaredCharset_with102() throws Exception {
        byte[] bytes = concat(
                (msh().charset("UNICODE UTF-8") + "PID|1||MRN1||").getBytes(US_ASCII),
                new byte[] {(byte) 0xC3, (byte) 0x28},
                ("^ANNA\r" + obr()).getBytes(US_ASCII));

        List<Hl7Error> errors = checker.check(Hl7Envelope.decode(bytes, ISO_8859_1));

        Hl7Error error = single(errors, Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-18");
        assertThat(error.text()).contains("declared in MSH-18");
    }

    @Test
    void rejectsBytesNotValidInTheListenerDefault_with102() throws Exception {
        byte[] bytes = (msh() + pid("MRN1", "MÜLLER^ANNA") + obr()).getBytes(ISO_8859_1);

        List<Hl7Error> errors = checker.check(Hl7Envelope.decode(bytes, UTF_8));

        Hl7Error error = single(errors, Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-18");
        assertThat(error.text()).contains("listener default");
    }

    // --- 103 table value not found ------------------------------------------------------------

    @Test
    void rejectsObx11OutsideTable0085_with103() throws Exception {
        Hl7Error error = single(
                check(msh() + pid() + obr() + obx("NM", "182", "Q")), Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "OBX-11");

        assertThat(error.text()).contains("table 0085");
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "W", "X", "A", "B"})
    void acceptsEveryTable0085ResultStatus(String status) throws Exception {
        assertThat(check(msh() + pid() + obr() + obx("NM", "182", status))).isEmpty();
    }

    @Test
    void rejectsMsh11OutsideTable0103_with103() throws Exception {
        single(check(msh().processingId("X") + pid() + obr()), Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH-11");
    }

    @Test
    void rejectsMsh15AndMsh16OutsideTable0155_with103() throws Exception {
        List<Hl7Error> errors = check(msh().field(15, "ALWAYS").field(16, "X") + pid() + obr());

        assertThat(errors)
                .extracting(Hl7Error::code, Hl7Error::location)
                .containsExactly(
                        tuple(Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH-15"),
                        tuple(Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH-16"));
    }

    @Test
    void acceptsTable0155ValuesInMsh15AndMsh16() throws Exception {
        assertThat(check(msh().field(15, "AL").field(16, "NE") + pid() + obr())).isEmpty();
        assertThat(check(msh().field(15, "ER").field(16, "SU") + pid() + obr())).isEmpty();
    }

    @Test
    void rejectsMsh18OutsideTable0211_with103() throws Exception {
        byte[] bytes = (msh().charset("KLINGON-1") + pid() + obr()).getBytes(US_ASCII);

        List<Hl7Error> errors = checker.check(Hl7Envelope.decode(bytes, UTF_8));

        Hl7Error error = single(errors, Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH-18");
        assertThat(error.text()).contains("table 0211");
    }

    // --- 200-203 rejects ----------------------------------------------------------------------

    @Test
    void rejectsUnsupportedMessageType_with200() throws Exception {
        // the content problem (empty PID-3) is not reported once the envelope is rejected
        List<Hl7Error> errors = check(msh().type("ORM^O01^ORM_O01") + pid("", "DOE^JANE") + orc() + obr());

        Hl7Error error = single(errors, Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE, "MSH-9");
        assertThat(error.code().reject()).isTrue();
        assertThat(error.text()).contains("ORM");
    }

    @Test
    void rejectsUnsupportedEventOfAnAcceptedType_with201() throws Exception {
        Hl7Error error = single(
                check(msh().type("ORU^R30^ORU_R30") + pid() + obr()), Hl7ErrorCode.UNSUPPORTED_EVENT_CODE, "MSH-9");

        assertThat(error.code().reject()).isTrue();
        assertThat(error.text()).contains("ORU^R30");
    }

    @Test
    void rejectsAdtEventNotConfiguredOnTheListener_with201() throws Exception {
        single(
                check(msh().type("ADT^A08^ADT_A01") + evn("A08") + pid() + pv1()),
                Hl7ErrorCode.UNSUPPORTED_EVENT_CODE,
                "MSH-9");
    }

    @Test
    void rejectsProcessingIdNotAcceptedOnTheListener_with202() throws Exception {
        Hl7Error error = single(
                check(msh().processingId("D") + pid() + obr()), Hl7ErrorCode.UNSUPPORTED_PROCESSING_ID, "MSH-11");

        assertThat(error.code().reject()).isTrue();
    }

    @Test
    void acceptsProcessingIdWithProcessingModeComponent() throws Exception {
        assertThat(check(msh().processingId("P^T") + pid() + obr())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.1", "2.2", "2.9", "2.5.2", "3.0", "V2.5"})
    void rejectsUnsupportedVersion_with203(String version) throws Exception {
        Hl7Error error =
                single(check(msh().version(version) + pid() + obr()), Hl7ErrorCode.UNSUPPORTED_VERSION_ID, "MSH-12");

        assertThat(error.code().reject()).isTrue();
        assertThat(error.text()).startsWith("version " + version + " is not supported");
    }

    @Test
    void quotesAnUnsupportedVersionOnlyAfterStrippingOddCharacters() throws Exception {
        Hl7Error error = single(
                check(msh().version("2.9<script>alert(1)</script>") + pid() + obr()),
                Hl7ErrorCode.UNSUPPORTED_VERSION_ID,
                "MSH-12");

        assertThat(error.text())
                .isEqualTo("version 2.9?script?a... is not supported (2.3 to 2.8)")
                .doesNotContain("<", ">", "alert");
    }

    // --- ordering and combinations ------------------------------------------------------------

    @Test
    void listsRejectsBeforeContentErrorsAndSkipsSegmentChecksOnReject() throws Exception {
        List<Hl7Error> errors =
                check(msh().controlId("").version("2.9") + pid("", "DOE^JANE") + obx("NM", "x", "Q") + obr());

        assertThat(errors)
                .extracting(Hl7Error::code)
                .containsExactly(Hl7ErrorCode.UNSUPPORTED_VERSION_ID, Hl7ErrorCode.REQUIRED_FIELD_MISSING);
        assertThat(errors.get(1).location()).isEqualTo("MSH-10");
    }

    @Test
    void reportsEveryContentProblemOfAMessage() throws Exception {
        List<Hl7Error> errors =
                check(msh() + pid("", "DOE^JANE") + obr() + obx("NM", "high", "F") + obx("NM", "182", "Q"));

        assertThat(errors)
                .extracting(Hl7Error::code, Hl7Error::location)
                .containsExactlyInAnyOrder(
                        tuple(Hl7ErrorCode.DATA_TYPE_ERROR, "OBX-5"),
                        tuple(Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "OBX(2)-11"),
                        tuple(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3"));
        assertThat(errors).noneMatch(e -> e.code().reject());
    }

    @Test
    void knowsTheVersionsItSupports() {
        assertThat(Hl7MessageChecker.SUPPORTED_VERSIONS)
                .containsExactlyInAnyOrder("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8");
    }
}
