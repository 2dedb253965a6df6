package org.patientgate.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.patientgate.ingest.Hl7TestMessages.msh;
import static org.patientgate.ingest.Hl7TestMessages.obr;
import static org.patientgate.ingest.Hl7TestMessages.pid;
import static org.patientgate.ingest.Hl7TestMessages.sample;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AckBuilderTest {

    private static final Instant NOW = Instant.parse("2026-11-23T09:15:30.250Z");

    private static final Hl7Error PID3_MISSING =
            Hl7Error.of(Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID", 1, 3, "PID-3 patient identifier list is empty");
    private static final Hl7Error OBX5_NOT_NUMERIC =
            Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "OBX", 2, 5, "OBX-5 is not a number but OBX-2 is NM");
    private static final Hl7Error VERSION_UNSUPPORTED =
            Hl7Error.of(Hl7ErrorCode.UNSUPPORTED_VERSION_ID, "MSH", 1, 12, "version 2.2 is not supported (2.3 to 2.8)");

    private static HapiContext hapi;
    private static PipeParser parser;

    private final AckBuilder acks = new AckBuilder(Clock.fixed(NOW, ZoneOffset.UTC), "PG");

    @BeforeAll
    static void startHapi() {
        hapi = new DefaultHapiContext();
        parser = hapi.getPipeParser();
    }

    @AfterAll
    static void stopHapi() throws IOException {
        hapi.close();
    }

    private static Hl7Envelope inbound(Hl7TestMessages.Msh msh) throws Exception {
        return Hl7TestMessages.decode(msh + pid() + obr());
    }

    private static List<String> segments(String ack) {
        assertThat(ack).endsWith("\r").doesNotContain("\n");
        return List.of(ack.split("\r"));
    }

    /** Field n of a segment, counting as HL7 does (MSH-1 is the separator itself). */
    private static String field(String segment, int n) {
        List<String> fields = Hl7Envelope.splitFields(segment, '|');
        int index = segment.startsWith("MSH") ? n - 1 : n;
        return index < fields.size() ? fields.get(index) : null;
    }

    /** The number of the last field written (MSH-1 being the separator itself). */
    private static int fieldCount(String segment) {
        int parts = Hl7Envelope.splitFields(segment, '|').size();
        return segment.startsWith("MSH") ? parts : parts - 1;
    }

    // --- MSH ----------------------------------------------------------------------------------

    @Test
    void swapsSendingAndReceivingApplicationAndFacility() throws Exception {
        Hl7Envelope in = inbound(msh().field(3, "LABSYS^1.2.3^ISO")
                .field(4, "GENHOSP")
                .field(5, "PATIENTGATE")
                .field(6, "HUB^9.8.7^ISO"));

        String msh = segments(acks.accept(in)).get(0);

        assertThat(field(msh, 3)).isEqualTo("PATIENTGATE");
        assertThat(field(msh, 4)).isEqualTo("HUB^9.8.7^ISO");
        assertThat(field(msh, 5)).isEqualTo("LABSYS^1.2.3^ISO");
        assertThat(field(msh, 6)).isEqualTo("GENHOSP");
    }

    @Test
    void writesEncodingCharactersAndTimestampFromTheClock() throws Exception {
        String msh = segments(acks.accept(inbound(msh()))).get(0);

        assertThat(msh).startsWith("MSH|^~\\&|");
        assertThat(field(msh, 7)).isEqualTo("20261123091530.250+0000");
        assertThat(field(msh, 8)).isEmpty();
    }

    @Test
    void echoesProcessingIdAndVersionAsWritten() throws Exception {
        String msh = segments(acks.accept(inbound(msh().processingId("T^I").version("2.4^USA"))))
                .get(0);

        assertThat(field(msh, 11)).isEqualTo("T^I");
        assertThat(field(msh, 12)).isEqualTo("2.4^USA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
    void writesAckEventAndStructureInMsh9(String version) throws Exception {
        String msh = segments(acks.accept(inbound(msh().type("ADT^A08^ADT_A01").version(version))))
                .get(0);

        assertThat(field(msh, 9)).isEqualTo("ACK^A08^ACK");
    }

    @Test
    void writesTwoComponentMsh9ForVersion23() throws Exception {
        String msh = segments(acks.accept(inbound(msh().type("ORU^R01").version("2.3"))))
                .get(0);

        assertThat(field(msh, 9)).isEqualTo("ACK^R01");
    }

    @Test
    void keepsTheEmptyEventPositionWhenInboundMsh9HasNoEvent() throws Exception {
        Hl7Envelope in = inbound(msh().type("ORU").version("2.5.1"));

        String ack = acks.refuse(
                in,
                List.of(Hl7Error.of(
                        Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH", 1, 9, "MSH-9.2 trigger event is empty")));

        assertThat(field(segments(ack).get(0), 9)).isEqualTo("ACK^^ACK");
        Terser terser = new Terser(parser.parse(ack));
        assertThat(terser.get("/MSH-9-2")).isNull();
        assertThat(terser.get("/MSH-9-3")).isEqualTo("ACK");
    }

    @Test
    void writesOnlyAckInMsh9ForVersion23WithoutEvent() throws Exception {
        String msh =
                segments(acks.accept(inbound(msh().type("ORU").version("2.3")))).get(0);

        assertThat(field(msh, 9)).isEqualTo("ACK");
    }

    @Test
    void givesEachAckItsOwnControlIdWithTheNodePrefix() throws Exception {
        Hl7Envelope in = inbound(msh().controlId("MSG00001"));
        Set<String> controlIds = new HashSet<>();

        for (int i = 0; i < 50; i++) {
            controlIds.add(field(segments(acks.accept(in)).get(0), 10));
        }

        assertThat(controlIds).hasSize(50).allMatch(id -> id.startsWith("PG")).doesNotContain("MSG00001");
        assertThat(controlIds).allMatch(id -> id.length() <= 20, "fits ST(20) of MSH-10 before v2.5");
    }

    @Test
    void writesAsciiControlIdEvenUnderATurkishDefaultLocale() throws Exception {
        // base 36 of these millis contains 'i', which Turkish upper-cases to a dotted capital I
        long millis = Long.parseLong("mixi0000", 36);
        AckBuilder builder = new AckBuilder(Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC), "PG");
        Locale saved = Locale.getDefault();
        String controlId;
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            controlId = field(segments(builder.accept(inbound(msh()))).get(0), 10);
        } finally {
            Locale.setDefault(saved);
        }

        assertThat(controlId).matches("PG[0-9A-Z]+").contains("MIXI");
    }

    @Test
    void echoesMsh18WhenTheInboundMessageDeclaredIt() throws Exception {
        Hl7Envelope in = Hl7Envelope.decode(
                (msh().charset("UNICODE UTF-8") + pid("MRN1", "NÚÑEZ^ZOË")).getBytes(UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);

        String msh = segments(acks.accept(in)).get(0);

        assertThat(fieldCount(msh)).isEqualTo(18);
        assertThat(field(msh, 18)).isEqualTo("UNICODE UTF-8");
        for (int n = 13; n <= 17; n++) {
            assertThat(field(msh, n)).as("MSH-%d", n).isEmpty();
        }
    }

    @Test
    void endsMshAtMsh12WhenTheInboundMessageUsedTheListenerDefault() throws Exception {
        String msh = segments(acks.accept(inbound(msh()))).get(0);

        assertThat(fieldCount(msh)).isEqualTo(12);
    }

    @Test
    void answersWithTheInboundDelimiters() throws Exception {
        Hl7Envelope in = Hl7TestMessages.decode(
                "MSH#$*@%#LABSYS#GENHOSP#PATIENTGATE#HUB#20261123101500##ORU$R01$ORU_R01#C1#P#2.5\r"
                        + "PID#1##MRN1$$$GENHOSP$MR##DOE$JANE\r");

        List<String> ack = segments(acks.refuse(
                in, List.of(Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "OBX", 1, 5, "value has # and $ in it"))));

        assertThat(ack.get(0))
                .startsWith("MSH#$*@%#PATIENTGATE#HUB#LABSYS#GENHOSP#")
                .contains("#ACK$R01$ACK#");
        assertThat(ack.get(1)).startsWith("MSA#AE#C1#Data type error: value has @F@ and @S@ in it");
        assertThat(ack.get(2)).isEqualTo("ERR##OBX$1$5#102$Data type error$HL70357#E####value has @F@ and @S@ in it");
    }

    // --- MSA ----------------------------------------------------------------------------------

    @Test
    void acceptsWithAaInOriginalMode() throws Exception {
        List<String> ack = segments(acks.accept(inbound(msh().controlId("CTRL-7"))));

        assertThat(ack).hasSize(2);
        assertThat(ack.get(1)).isEqualTo("MSA|AA|CTRL-7");
    }

    @Test
    void acceptsWithCaInEnhancedMode() throws Exception {
        List<String> ack =
                segments(acks.accept(inbound(msh().controlId("CTRL-7").field(15, "AL"))));

        assertThat(ack.get(1)).isEqualTo("MSA|CA|CTRL-7");
    }

    @Test
    void refusesContentErrorWithAeInOriginalMode() throws Exception {
        String msa =
                segments(acks.refuse(inbound(msh()), List.of(PID3_MISSING))).get(1);

        assertThat(field(msa, 1)).isEqualTo("AE");
        assertThat(field(msa, 2)).isEqualTo("MSG00001");
    }

    @Test
    void refusesContentErrorWithCeInEnhancedMode() throws Exception {
        String msa = segments(acks.refuse(inbound(msh().field(15, "AL").field(16, "NE")), List.of(PID3_MISSING)))
                .get(1);

        assertThat(field(msa, 1)).isEqualTo("CE");
    }

    @Test
    void rejectsWithArWhenAnyErrorIsAReject() throws Exception {
        String msa = segments(acks.refuse(inbound(msh()), List.of(PID3_MISSING, VERSION_UNSUPPORTED)))
                .get(1);

        assertThat(field(msa, 1)).isEqualTo("AR");
    }

    @Test
    void rejectsWithCrInEnhancedMode() throws Exception {
        String msa = segments(acks.refuse(inbound(msh().field(15, "ER")), List.of(VERSION_UNSUPPORTED)))
                .get(1);

        assertThat(field(msa, 1)).isEqualTo("CR");
    }

    @Test
    void echoesTheTrimmedInboundControlIdInMsa2() throws Exception {
        String msa = segments(acks.accept(inbound(msh().controlId(" 2.16.840.1-20120314235954.325 "))))
                .get(1);

        assertThat(field(msa, 2)).isEqualTo("2.16.840.1-20120314235954.325");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"})
    void writesFirstErrorAsMsa3BeforeVersion27(String version) throws Exception {
        String msa = segments(acks.refuse(inbound(msh().version(version)), List.of(PID3_MISSING, OBX5_NOT_NUMERIC)))
                .get(1);

        assertThat(fieldCount(msa)).isEqualTo(3);
        assertThat(field(msa, 3)).isEqualTo("Required field missing: PID-3 patient identifier list is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.7", "2.7.1", "2.8"})
    void leavesOutMsa3FromVersion27(String version) throws Exception {
        String msa = segments(acks.refuse(inbound(msh().version(version)), List.of(PID3_MISSING)))
                .get(1);

        assertThat(msa).isEqualTo("MSA|AE|MSG00001");
    }

    @Test
    void leavesOutMsa3WhenAccepting() throws Exception {
        assertThat(segments(acks.accept(inbound(msh().version("2.4")))).get(1)).isEqualTo("MSA|AA|MSG00001");
    }

    // --- ERR ----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4"})
    void writesErrorsAsErr1EldRepetitionsInOneErrSegmentBeforeVersion25(String version) throws Exception {
        List<String> ack =
                segments(acks.refuse(inbound(msh().version(version)), List.of(PID3_MISSING, OBX5_NOT_NUMERIC)));

        assertThat(ack).hasSize(3);
        assertThat(ack.get(2))
                .isEqualTo("ERR|PID^1^3^101&Required field missing&HL70357~OBX^2^5^102&Data type error&HL70357");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
    void writesErrorAsErr2To8FromVersion25(String version) throws Exception {
        List<String> ack =
                segments(acks.refuse(inbound(msh().version(version)), List.of(PID3_MISSING, OBX5_NOT_NUMERIC)));

        assertThat(ack).hasSize(4);
        assertThat(ack.get(2))
                .isEqualTo(
                        "ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 patient identifier list is empty");
        assertThat(ack.get(3))
                .isEqualTo("ERR||OBX^2^5|102^Data type error^HL70357|E||||OBX-5 is not a number but OBX-2 is NM");
        assertThat(field(ack.get(2), 1)).as("ERR-1 withdrawn").isEmpty();
    }

    @Test
    void leavesUnknownLocationPartsEmpty() throws Exception {
        Hl7Error internal =
                Hl7Error.of(Hl7ErrorCode.APPLICATION_INTERNAL_ERROR, "", 0, 0, "the message store is unavailable");

        String eld = segments(acks.refuse(inbound(msh().version("2.4")), List.of(internal)))
                .get(2);
        String erl = segments(acks.refuse(inbound(msh().version("2.5")), List.of(internal)))
                .get(2);

        assertThat(eld).isEqualTo("ERR|^^^207&Application internal error&HL70357");
        assertThat(erl)
                .isEqualTo("ERR||^^|207^Application internal error^HL70357|E||||the message store is unavailable");
    }

    @Test
    void escapesDelimitersInReasonTextSoTheAckKeepsItsStructure() throws Exception {
        Hl7Error tricky =
                Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "OBX", 1, 5, "expected a|b^c~d\\e&f\rMSH|^~\\&|EVIL\nnext");

        List<String> ack = segments(acks.refuse(inbound(msh().version("2.5")), List.of(tricky)));

        assertThat(ack).hasSize(3);
        assertThat(field(ack.get(1), 3))
                .isEqualTo(
                        "Data type error: expected a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f MSH\\F\\\\S\\\\R\\\\E\\\\T\\\\F\\EVIL next");
        assertThat(field(ack.get(2), 8))
                .isEqualTo("expected a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f MSH\\F\\\\S\\\\R\\\\E\\\\T\\\\F\\EVIL next");
    }

    @Test
    void refusesAVersion22SenderWithReasonsInFieldsItsVersionHas() throws Exception {
        Hl7Envelope in = inbound(msh().type("ADT^A01").version("2.2"));

        List<String> ack = segments(acks.refuse(in, List.of(VERSION_UNSUPPORTED)));

        assertThat(field(ack.get(0), 9)).isEqualTo("ACK^A01");
        assertThat(field(ack.get(0), 12)).isEqualTo("2.2");
        assertThat(ack.get(1))
                .isEqualTo("MSA|AR|MSG00001|Unsupported version id: version 2.2 is not supported (2.3 to 2.8)");
        assertThat(ack.get(2)).isEqualTo("ERR|MSH^1^12^203&Unsupported version id&HL70357");
    }

    @Test
    void refusesAVersion29SenderInTheNewestFormat() throws Exception {
        Hl7Error unsupported29 = Hl7Error.of(
                Hl7ErrorCode.UNSUPPORTED_VERSION_ID, "MSH", 1, 12, "version 2.9 is not supported (2.3 to 2.8)");

        List<String> ack = segments(acks.refuse(inbound(msh().version("2.9")), List.of(unsupported29)));

        assertThat(field(ack.get(0), 9)).isEqualTo("ACK^R01^ACK");
        assertThat(ack.get(1)).isEqualTo("MSA|AR|MSG00001");
        assertThat(ack.get(2)).startsWith("ERR||MSH^1^12|203^Unsupported version id^HL70357|E|");
    }

    @Test
    void treatsAnEmptyVersionAs25() throws Exception {
        List<String> ack = segments(acks.refuse(inbound(msh().version("")), List.of(PID3_MISSING)));

        assertThat(field(ack.get(0), 9)).isEqualTo("ACK^R01^ACK");
        assertThat(field(ack.get(1), 3)).startsWith("Required field missing");
        assertThat(ack.get(2)).startsWith("ERR||PID^1^3|101^");
    }

    // --- well-formed for HAPI -----------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.8"})
    void acceptIsAWellFormedAckForHapi(String version) throws Exception {
        Hl7Envelope in = inbound(msh().type(version.equals("2.3") ? "ORU^R01" : "ORU^R01^ORU_R01")
                .version(version)
                .controlId("CTRL-" + version));

        Message message = parser.parse(acks.accept(in));

        assertThat(message.getName()).isEqualTo("ACK");
        assertThat(message.getVersion()).isEqualTo(version);
        Terser terser = new Terser(message);
        assertThat(terser.get("/MSH-3")).isEqualTo("PATIENTGATE");
        assertThat(terser.get("/MSH-4")).isEqualTo("HUB");
        assertThat(terser.get("/MSH-5")).isEqualTo("LABSYS");
        assertThat(terser.get("/MSH-6")).isEqualTo("GENHOSP");
        assertThat(terser.get("/MSH-9-1")).isEqualTo("ACK");
        assertThat(terser.get("/MSH-9-2")).isEqualTo("R01");
        assertThat(terser.get("/MSH-11")).isEqualTo("P");
        assertThat(terser.get("/MSH-12")).isEqualTo(version);
        assertThat(terser.get("/MSA-1")).isEqualTo("AA");
        assertThat(terser.get("/MSA-2")).isEqualTo("CTRL-" + version);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4"})
    void refusalBeforeVersion25IsAWellFormedAckWithErr1ForHapi(String version) throws Exception {
        Hl7Envelope in = inbound(msh().type(version.equals("2.3") ? "ORU^R01" : "ORU^R01^ORU_R01")
                .version(version));

        Message message = parser.parse(acks.refuse(in, List.of(PID3_MISSING, OBX5_NOT_NUMERIC)));

        assertThat(message.getName()).isEqualTo("ACK");
        assertThat(message.getVersion()).isEqualTo(version);
        Terser terser = new Terser(message);
        assertThat(terser.get("/MSA-1")).isEqualTo("AE");
        assertThat(terser.get("/MSA-2")).isEqualTo("MSG00001");
        assertThat(terser.get("/MSA-3")).startsWith("Required field missing");
        assertThat(terser.get("/ERR-1(0)-1")).isEqualTo("PID");
        assertThat(terser.get("/ERR-1(0)-2")).isEqualTo("1");
        assertThat(terser.get("/ERR-1(0)-3")).isEqualTo("3");
        assertThat(terser.get("/ERR-1(0)-4-1")).isEqualTo("101");
        assertThat(terser.get("/ERR-1(0)-4-3")).isEqualTo("HL70357");
        assertThat(terser.get("/ERR-1(1)-1")).isEqualTo("OBX");
        assertThat(terser.get("/ERR-1(1)-4-1")).isEqualTo("102");
        // the ACK of these versions allows one ERR; HAPI would keep a second one as an extra structure
        assertThat(message.getNames()).containsExactly("MSH", "MSA", "ERR");
        assertThat(message.getAll("ERR")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.5", "2.5.1", "2.6", "2.7", "2.8"})
    void refusalFromVersion25IsAWellFormedAckWithErrLocationCodeAndSeverityForHapi(String version) throws Exception {
        Hl7Envelope in = inbound(msh().version(version).field(15, "AL"));

        Message message = parser.parse(acks.refuse(in, List.of(PID3_MISSING, VERSION_UNSUPPORTED)));

        assertThat(message.getName()).isEqualTo("ACK");
        assertThat(message.getVersion()).isEqualTo(version);
        Terser terser = new Terser(message);
        assertThat(terser.get("/MSH-9-3")).isEqualTo("ACK");
        assertThat(terser.get("/MSA-1")).isEqualTo("CR");
        assertThat(terser.get("/MSA-2")).isEqualTo("MSG00001");
        assertThat(terser.get("/ERR(0)-2-1")).isEqualTo("PID");
        assertThat(terser.get("/ERR(0)-2-2")).isEqualTo("1");
        assertThat(terser.get("/ERR(0)-2-3")).isEqualTo("3");
        assertThat(terser.get("/ERR(0)-3-1")).isEqualTo("101");
        assertThat(terser.get("/ERR(0)-3-2")).isEqualTo("Required field missing");
        assertThat(terser.get("/ERR(0)-3-3")).isEqualTo("HL70357");
        assertThat(terser.get("/ERR(0)-4")).isEqualTo("E");
        assertThat(terser.get("/ERR(0)-8")).isEqualTo("PID-3 patient identifier list is empty");
        assertThat(terser.get("/ERR(1)-3-1")).isEqualTo("203");
        assertThat(message.getAll("ERR")).hasSize(2);
        assertThat(terser.get("/ERR(1)-2-3")).isEqualTo("12");
    }

    @Test
    void acknowledgesRealSampleAsHapiReadableAck() throws Exception {
        Hl7Envelope in = Hl7Envelope.decode(sample("ADT-A01-01.hl7"), UTF_8);

        Message message = parser.parse(acks.accept(in));

        Terser terser = new Terser(message);
        assertThat(terser.get("/MSH-3-1")).isEqualTo("EHRApp");
        assertThat(terser.get("/MSH-4-2")).isEqualTo("2.16.840.1.1122848.1.32");
        assertThat(terser.get("/MSH-5")).isEqualTo("ADTApp");
        assertThat(terser.get("/MSH-6-1")).isEqualTo("GHHSFacility");
        assertThat(terser.get("/MSH-9-2")).isEqualTo("A01");
        assertThat(terser.get("/MSA-1")).isEqualTo("AA");
        assertThat(terser.get("/MSA-2")).isEqualTo("MSG00001");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "2.3,true,false",
        "2.5.1,true,true",
        "2.7,false,true",
        "2.8,false,true"
    })
    void anApplicationOutcomeAcceptsWithTheTextInMsa3BeforeV27AndInAnInformationalErrFromV25(
            String version, boolean inMsa3, boolean inErr) throws Exception {
        Hl7Envelope in = inbound(msh().version(version).field(15, "AL").field(16, "AL"));
        List<String> ack = segments(acks.applicationOutcome(in, "released to the patient"));

        assertThat(field(ack.get(1), 1)).isEqualTo("AA");
        assertThat(field(ack.get(1), 2)).isEqualTo(in.controlId());
        assertThat(field(ack.get(1), 3)).isEqualTo(inMsa3 ? "released to the patient" : null);
        if (inErr) {
            assertThat(ack).hasSize(3);
            assertThat(field(ack.get(2), 2)).isEmpty();
            assertThat(field(ack.get(2), 3)).isEqualTo("0^Message accepted^HL70357");
            assertThat(field(ack.get(2), 4)).isEqualTo("I");
            assertThat(field(ack.get(2), 8)).isEqualTo("released to the patient");
            assertThat(fieldCount(ack.get(2))).isEqualTo(8);
        } else {
            assertThat(ack).hasSize(2);
        }
    }
}
