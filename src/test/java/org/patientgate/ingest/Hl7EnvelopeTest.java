package org.patientgate.ingest;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_16;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.patientgate.ingest.Hl7TestMessages.concat;
import static org.patientgate.ingest.Hl7TestMessages.msh;
import static org.patientgate.ingest.Hl7TestMessages.obr;
import static org.patientgate.ingest.Hl7TestMessages.obx;
import static org.patientgate.ingest.Hl7TestMessages.pid;
import static org.patientgate.ingest.Hl7TestMessages.sample;

import java.nio.charset.Charset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Hl7EnvelopeTest {

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final Charset GB18030 = Charset.forName("GB18030");

    private static List<String> segmentIds(Hl7Envelope envelope) {
        return envelope.segments().stream().map(s -> s.substring(0, 3)).toList();
    }

    /** PID-5 of the first PID, as decoded. */
    private static String patientName(Hl7Envelope envelope) {
        String pid = envelope.segments().stream()
                .filter(s -> s.startsWith("PID|"))
                .findFirst()
                .orElseThrow();
        return Hl7Envelope.splitFields(pid, '|').get(5);
    }

    // --- segment separators -------------------------------------------------------------------

    @Test
    void splitsSegmentsOnCarriageReturn() throws Exception {
        Hl7Envelope envelope = Hl7TestMessages.decode(msh() + pid() + obr() + obx("NM", "182", "F"));

        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID", "OBR", "OBX");
        assertThat(envelope.segments().get(3)).isEqualTo("OBX|1|NM|2093-3^Cholesterol^LN||182|mg/dL|<200||||F");
    }

    @Test
    void splitsSegmentsOnLineFeed() throws Exception {
        String text = (msh() + pid() + obr()).replace('\r', '\n');

        Hl7Envelope envelope = Hl7TestMessages.decode(text);

        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID", "OBR");
        assertThat(envelope.segments()).noneMatch(s -> s.contains("\n") || s.contains("\r"));
    }

    @Test
    void splitsSegmentsOnCrLfWithoutEmptySegments() throws Exception {
        String text = (msh() + pid() + obr()).replace("\r", "\r\n");

        Hl7Envelope envelope = Hl7TestMessages.decode(text);

        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID", "OBR");
        assertThat(envelope.segments()).noneMatch(String::isBlank);
    }

    @Test
    void toleratesMixedSeparatorsTrailingBlankLinesAndLeadingLineBreaks() throws Exception {
        String text = "\r\n\n" + msh().segment() + "\r\n" + pid().strip() + "\n" + obr().strip() + "\r\r\n\n  \r";

        Hl7Envelope envelope = Hl7TestMessages.decode(text);

        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID", "OBR");
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
    }

    @Test
    void normalizedTextUsesCarriageReturnAsTheOnlySeparator() throws Exception {
        String crText = msh() + pid() + obr();
        Hl7Envelope envelope = Hl7TestMessages.decode(crText.replace("\r", "\r\n"));

        assertThat(envelope.normalizedText()).isEqualTo(crText).doesNotContain("\n");
    }

    // --- byte order mark ----------------------------------------------------------------------

    @Test
    void stripsUtf8ByteOrderMark() throws Exception {
        byte[] bytes = concat(UTF8_BOM, (msh() + pid()).getBytes(UTF_8));

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.segments().get(0)).startsWith("MSH|^~\\&|LABSYS|");
        assertThat(envelope.normalizedText()).doesNotContain("\uFEFF").startsWith("MSH|");
        assertThat(envelope.sendingApplication()).isEqualTo("LABSYS");
        assertThat(envelope.charsetError()).isEmpty();
    }

    @Test
    void stripsUtf8ByteOrderMarkEvenWhenMsh18DeclaresLatin1() throws Exception {
        byte[] bytes = concat(UTF8_BOM, (msh().charset("8859/1") + pid()).getBytes(ISO_8859_1));

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.segments().get(0)).startsWith("MSH|");
        assertThat(envelope.normalizedText()).doesNotContain("ï»¿");
        assertThat(envelope.charset()).isEqualTo(ISO_8859_1);
    }

    @Test
    void readsRealSampleWithByteOrderMarkAndLineFeeds() throws Exception {
        Hl7Envelope envelope = Hl7Envelope.decode(sample("LAB-ORU-1.hl7"), UTF_8);

        assertThat(envelope.charsetError()).isEmpty();
        assertThat(envelope.segments()).hasSize(16);
        assertThat(segmentIds(envelope)).startsWith("MSH", "PID", "OBR", "OBX").endsWith("SPM");
        assertThat(envelope.messageType()).isEqualTo("ORU^R01");
        assertThat(envelope.version()).isEqualTo("2.5");
        assertThat(envelope.processingId()).isEqualTo("T");
        assertThat(envelope.controlId()).isEqualTo("182");
        assertThat(envelope.sendingApplication()).isEqualTo("SomeSystem");
        assertThat(patientName(envelope)).isEqualTo("DUCK^DONALD^D");
    }

    @Test
    void readsRealSampleHeaderWithComponentsInSenderAndReceiver() throws Exception {
        Hl7Envelope envelope = Hl7Envelope.decode(sample("ADT-A01-01.hl7"), UTF_8);

        assertThat(envelope.msh(4)).isEqualTo("GHHSFacility^2.16.840.1.122848.1.30^ISO");
        assertThat(envelope.msh(4, 2)).isEqualTo("2.16.840.1.122848.1.30");
        assertThat(envelope.msh(5, 1)).isEqualTo("EHRApp");
        assertThat(envelope.msh(8)).isEqualTo("SECURITY");
        assertThat(envelope.messageType()).isEqualTo("ADT^A01");
        assertThat(envelope.msh(9, 3)).isEqualTo("ADT_A01");
        assertThat(envelope.version()).isEqualTo("2.8");
        assertThat(envelope.msh(17)).isEqualTo("USA");
        assertThat(envelope.msh(19)).isEqualTo("en-US");
        assertThat(envelope.enhancedMode()).isFalse();
    }

    // --- MSH-18 character sets ----------------------------------------------------------------

    @Test
    void decodesAsciiDeclaredInMsh18() throws Exception {
        byte[] bytes = (msh().charset("ASCII") + pid()).getBytes(US_ASCII);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, ISO_8859_1);

        assertThat(envelope.charset()).isEqualTo(US_ASCII);
        assertThat(envelope.charsetDeclared()).isTrue();
        assertThat(envelope.charsetError()).isEmpty();
        assertThat(patientName(envelope)).isEqualTo("DOE^JANE");
    }

    @Test
    void reportsCharsetErrorWhenAsciiDeclaredButBytesAreNot() throws Exception {
        byte[] bytes = (msh().charset("ASCII") + pid("MRN1", "MÜLLER^ANNA")).getBytes(ISO_8859_1);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charsetError())
                .hasValueSatisfying(
                        reason -> assertThat(reason).contains("US-ASCII").contains("declared in MSH-18"));
        // the header is still readable so the refusal can be addressed
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
        assertThat(envelope.msh(18)).isEqualTo("ASCII");
    }

    @Test
    void decodesLatin1DeclaredAs8859Slash1() throws Exception {
        byte[] bytes = (msh().charset("8859/1") + pid("MRN1", "MÜLLER^RENÉE")).getBytes(ISO_8859_1);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(ISO_8859_1);
        assertThat(envelope.charsetDeclared()).isTrue();
        assertThat(envelope.charsetError()).isEmpty();
        assertThat(patientName(envelope)).isEqualTo("MÜLLER^RENÉE");
    }

    @Test
    void decodesUnicodeUtf8DeclaredInMsh18OverALatin1ListenerDefault() throws Exception {
        byte[] bytes = (msh().charset("UNICODE UTF-8") + pid("MRN1", "NÚÑEZ^ZOË")).getBytes(UTF_8);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, ISO_8859_1);

        assertThat(envelope.charset()).isEqualTo(UTF_8);
        assertThat(envelope.charsetDeclared()).isTrue();
        assertThat(patientName(envelope)).isEqualTo("NÚÑEZ^ZOË");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GB 18030-2000", "GB 18030", "GB18030"})
    void decodesChinesePatientNameInGb18030(String msh18) throws Exception {
        byte[] bytes = (msh().charset(msh18) + pid("MRN1", "张^三")).getBytes(GB18030);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(GB18030);
        assertThat(envelope.charsetDeclared()).isTrue();
        assertThat(envelope.charsetError()).isEmpty();
        assertThat(patientName(envelope)).isEqualTo("张^三");
    }

    @Test
    void gb18030BytesAreNotReadableAsTheUtf8DefaultWithoutMsh18() throws Exception {
        // guards the test above: the name only decodes because MSH-18 was honoured
        byte[] bytes = (msh() + pid("MRN1", "张^三")).getBytes(GB18030);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charsetError()).isPresent();
        assertThat(patientName(envelope)).isNotEqualTo("张^三");
    }

    @Test
    void usesListenerDefaultWhenMsh18IsEmpty() throws Exception {
        byte[] bytes = (msh() + pid("MRN1", "MÜLLER^ANNA")).getBytes(ISO_8859_1);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, ISO_8859_1);

        assertThat(envelope.charset()).isEqualTo(ISO_8859_1);
        assertThat(envelope.charsetDeclared()).isFalse();
        assertThat(envelope.charsetError()).isEmpty();
        assertThat(patientName(envelope)).isEqualTo("MÜLLER^ANNA");
    }

    @Test
    void usesUtf8ListenerDefaultWhenMsh18IsEmpty() throws Exception {
        byte[] bytes = (msh() + pid("MRN1", "张^三")).getBytes(UTF_8);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(UTF_8);
        assertThat(envelope.charsetDeclared()).isFalse();
        assertThat(patientName(envelope)).isEqualTo("张^三");
    }

    @Test
    void reportsCharsetErrorForBytesThatAreNotValidInTheDeclaredUtf8() throws Exception {
        byte[] bytes = concat(
                (msh().charset("UNICODE UTF-8") + "PID|1||MRN1||").getBytes(US_ASCII),
                new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF},
                "^ANNA\r".getBytes(US_ASCII));

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, ISO_8859_1);

        assertThat(envelope.charsetError())
                .hasValueSatisfying(
                        reason -> assertThat(reason).contains("UTF-8").contains("declared in MSH-18"));
        assertThat(envelope.charset()).isEqualTo(UTF_8);
        assertThat(envelope.charsetDeclared()).isTrue();
        // read as ISO-8859-1 so the header and segment structure survive
        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID");
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
        assertThat(envelope.messageType()).isEqualTo("ORU^R01");
    }

    @Test
    void reportsCharsetErrorNamingTheListenerDefaultWhenMsh18IsEmpty() throws Exception {
        byte[] bytes = (msh() + pid("MRN1", "MÜLLER^ANNA")).getBytes(ISO_8859_1);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charsetError())
                .hasValueSatisfying(reason -> assertThat(reason).contains("listener default"));
        assertThat(envelope.charsetDeclared()).isFalse();
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
    }

    @Test
    void reportsCharsetErrorForMsh18OutsideTable0211AndFallsBackToListenerDefault() throws Exception {
        byte[] bytes = (msh().charset("KLINGON-1") + pid()).getBytes(US_ASCII);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charsetError())
                .hasValueSatisfying(reason -> assertThat(reason).contains("table 0211"));
        assertThat(envelope.charset()).isEqualTo(UTF_8);
        assertThat(envelope.charsetDeclared()).isFalse();
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
    }

    @Test
    void readsTheFirstRepetitionOfMsh18() throws Exception {
        byte[] bytes = (msh().charset("8859/1~UNICODE UTF-8") + pid("MRN1", "MÜLLER^ANNA")).getBytes(ISO_8859_1);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(ISO_8859_1);
        assertThat(patientName(envelope)).isEqualTo("MÜLLER^ANNA");
    }

    @Test
    void decodesUtf16WithBigEndianByteOrderMark() throws Exception {
        byte[] bytes = (msh().charset("UNICODE UTF-16") + pid("MRN1", "张^三")).getBytes(UTF_16);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(UTF_16);
        assertThat(envelope.charsetDeclared()).isTrue();
        assertThat(envelope.charsetError()).isEmpty();
        assertThat(envelope.controlId()).isEqualTo("MSG00001");
        assertThat(patientName(envelope)).isEqualTo("张^三");
    }

    @Test
    void decodesUtf16WithLittleEndianByteOrderMark() throws Exception {
        byte[] bytes =
                concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, (msh() + pid("MRN1", "ŁUKASZ^ŻÓŁW")).getBytes(UTF_16LE));

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, UTF_8);

        assertThat(envelope.charset()).isEqualTo(UTF_16);
        assertThat(segmentIds(envelope)).containsExactly("MSH", "PID");
        assertThat(patientName(envelope)).isEqualTo("ŁUKASZ^ŻÓŁW");
    }

    // --- unreadable frames --------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   \r\n",
                "hello world",
                "PID|1||MRN1||DOE^JANE\rMSH|^~\\&|LABSYS|GENHOSP\r",
                "MSH|^~",
                "<?xml version=\"1.0\"?><ORU_R01/>"
            })
    void rejectsFrameThatDoesNotStartWithMsh_asUnreadable(String frame) {
        Hl7Envelope.UnreadableMessageException e = catchThrowableOfType(
                () -> Hl7Envelope.decode(frame.getBytes(UTF_8), UTF_8), Hl7Envelope.UnreadableMessageException.class);

        assertThat(e).isNotNull();
        assertThat(e.error().code()).isEqualTo(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR);
        assertThat(e.error().segment()).isEqualTo("MSH");
        assertThat(e.headerReadable()).isFalse();
        assertThat(e.getMessage()).contains("does not start with an MSH segment");
        assertThat(AckBuilder.canAnswer(e)).isFalse();
    }

    @Test
    void rejectsRandomBinaryGarbage_asUnreadable() {
        byte[] garbage = {0x00, 0x13, (byte) 0x9C, 0x7F, (byte) 0xEE, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};

        assertThat(catchThrowableOfType(
                        () -> Hl7Envelope.decode(garbage, UTF_8), Hl7Envelope.UnreadableMessageException.class))
                .isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"MSHA^~\\&ALABSYS", "MSH1^~\\&1LABSYS", "MSH ^~\\& LABSYS"})
    void rejectsLetterDigitOrSpaceAsFieldSeparator_asUnreadable(String frame) {
        Hl7Envelope.UnreadableMessageException e = catchThrowableOfType(
                () -> Hl7Envelope.decode(frame.getBytes(US_ASCII), UTF_8),
                Hl7Envelope.UnreadableMessageException.class);

        assertThat(e).isNotNull();
        assertThat(e.error().code()).isEqualTo(Hl7ErrorCode.DATA_TYPE_ERROR);
        assertThat(e.error().location()).isEqualTo("MSH-1");
        assertThat(e.headerReadable()).isFalse();
    }

    // --- header access ------------------------------------------------------------------------

    @Test
    void numbersMshFieldsAsHl7Does() throws Exception {
        Hl7Envelope envelope =
                Hl7TestMessages.decode(msh().field(4, "GENHOSP^1.2.3^ISO").toString());

        assertThat(envelope.msh(0)).isEqualTo("MSH");
        assertThat(envelope.msh(1)).isEqualTo("|");
        assertThat(envelope.msh(2)).isEqualTo("^~\\&");
        assertThat(envelope.msh(3)).isEqualTo("LABSYS");
        assertThat(envelope.msh(4)).isEqualTo("GENHOSP^1.2.3^ISO");
        assertThat(envelope.msh(5)).isEqualTo("PATIENTGATE");
        assertThat(envelope.msh(6)).isEqualTo("HUB");
        assertThat(envelope.msh(7)).isEqualTo("20261123101500+0100");
        assertThat(envelope.msh(8)).isEmpty();
        assertThat(envelope.msh(9)).isEqualTo("ORU^R01^ORU_R01");
        assertThat(envelope.msh(10)).isEqualTo("MSG00001");
        assertThat(envelope.msh(11)).isEqualTo("P");
        assertThat(envelope.msh(12)).isEqualTo("2.5.1");
        assertThat(envelope.msh(13)).isEmpty();
        assertThat(envelope.msh(40)).isEmpty();
    }

    @Test
    void readsComponentsOfTheFirstRepetition() throws Exception {
        Hl7Envelope envelope = Hl7TestMessages.decode(
                msh().field(4, "GENHOSP^1.2.3^ISO~OTHER^9.9^ISO").toString());

        assertThat(envelope.msh(9, 1)).isEqualTo("ORU");
        assertThat(envelope.msh(9, 2)).isEqualTo("R01");
        assertThat(envelope.msh(9, 3)).isEqualTo("ORU_R01");
        assertThat(envelope.msh(9, 4)).isEmpty();
        assertThat(envelope.msh(4, 1)).isEqualTo("GENHOSP");
        assertThat(envelope.msh(4, 2)).isEqualTo("1.2.3");
        assertThat(envelope.msh(4, 3)).isEqualTo("ISO");
        assertThat(envelope.msh(3, 1)).isEqualTo("LABSYS");
        assertThat(envelope.msh(8, 1)).isEmpty();
        assertThat(envelope.msh(30, 1)).isEmpty();
    }

    @Test
    void readsHeaderWithTheMessagesOwnDelimiters() throws Exception {
        String text = "MSH#$*@%#LABSYS#GENHOSP$1.2.3#PATIENTGATE#HUB#20261123101500##ADT$A01$ADT_A01#C1#P$T#2.5$USA\r"
                + "PID#1##MRN1$$$GENHOSP$MR##DOE$JANE\r";

        Hl7Envelope envelope = Hl7TestMessages.decode(text);

        assertThat(envelope.delimiters()).isEqualTo(new Hl7Delimiters('#', '$', '*', '@', '%'));
        assertThat(envelope.msh(1)).isEqualTo("#");
        assertThat(envelope.msh(2)).isEqualTo("$*@%");
        assertThat(envelope.msh(4, 2)).isEqualTo("1.2.3");
        assertThat(envelope.messageType()).isEqualTo("ADT^A01");
        assertThat(envelope.processingId()).isEqualTo("P");
        assertThat(envelope.version()).isEqualTo("2.5");
        assertThat(envelope.controlId()).isEqualTo("C1");
    }

    @Test
    void exposesStandardDelimitersForATypicalHeader() throws Exception {
        assertThat(Hl7TestMessages.decode(msh().toString()).delimiters()).isEqualTo(Hl7Delimiters.STANDARD);
    }

    @Test
    void trimsControlIdAndReadsFirstComponentOfProcessingIdAndVersion() throws Exception {
        Hl7Envelope envelope = Hl7TestMessages.decode(msh().controlId("  C-42 ")
                .processingId("T^I")
                .version("2.4^USA^V2")
                .toString());

        assertThat(envelope.controlId()).isEqualTo("C-42");
        assertThat(envelope.processingId()).isEqualTo("T");
        assertThat(envelope.version()).isEqualTo("2.4");
    }

    @Test
    void messageTypeLeavesOutTheStructureAndAnEmptyEvent() throws Exception {
        assertThat(Hl7TestMessages.decode(msh().type("ORU^R01^ORU_R01").toString())
                        .messageType())
                .isEqualTo("ORU^R01");
        assertThat(Hl7TestMessages.decode(msh().type("ORU").toString()).messageType())
                .isEqualTo("ORU");
        assertThat(Hl7TestMessages.decode(msh().type("ORU").toString()).triggerEvent())
                .isEmpty();
    }

    // --- acknowledgment mode ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"AL", "NE", "ER", "SU"})
    void isInEnhancedModeWhenMsh15IsValued(String msh15) throws Exception {
        assertThat(Hl7TestMessages.decode(msh().field(15, msh15).toString()).enhancedMode())
                .isTrue();
    }

    @Test
    void isInOriginalModeWhenMsh15IsEmptyOrBlank() throws Exception {
        assertThat(Hl7TestMessages.decode(msh().toString()).enhancedMode()).isFalse();
        assertThat(Hl7TestMessages.decode(msh().field(15, "  ").toString()).enhancedMode())
                .isFalse();
    }

    @Test
    void readsEnhancedModeFromRealSample() throws Exception {
        Hl7Envelope envelope = Hl7Envelope.decode(sample("MDM-T02-03.hl7"), UTF_8);

        assertThat(envelope.msh(15)).isEqualTo("AL");
        assertThat(envelope.enhancedMode()).isTrue();
        assertThat(envelope.charset()).isEqualTo(US_ASCII);
        assertThat(envelope.charsetDeclared()).isTrue();
    }

    // --- version ordering ---------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "2.2, 2.3, true",
        "2.3, 2.3.1, true",
        "2.3.1, 2.4, true",
        "2.4, 2.5, true",
        "2.5.1, 2.6, true",
        "2.6, 2.7, true",
        "2.7, 2.7, false",
        "2.7.1, 2.7, false",
        "2.8, 2.7, false",
        "2.10, 2.9, false",
        "2.9, 2.10, true",
        "2.5, 2.5.0, false",
        "'', 2.5, false",
        "V2.4, 2.5, false",
        "2.x, 2.5, false"
    })
    void comparesVersionsByNumber(String version, String bound, boolean before) {
        assertThat(Hl7Envelope.versionBefore(version, bound)).isEqualTo(before);
    }
}
