package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.patientgate.ingest.Hl7Envelope;

/**
 * The tokenizer the mapping engine reads by position: {@link V2Message}, {@link V2Segment} and
 * {@link V2Value}, fed the way the hub feeds it (bytes decoded by {@link Hl7Envelope}).
 */
class V2MessageTest {

    static final String MSH = "MSH|^~\\&|LAB|HOSP^1.2.3^ISO|HUB|HUB|20240131120000||ORU^R01^ORU_R01|MSG1|P|2.5.1";
    static final String PID = "PID|1||123^^^HOSP&2.16.840.1&ISO^MR~456^^^OTHER^PI||Doe^John^^^^^L||19800101|F";

    static V2Message parse(String text) throws Exception {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    static V2Message parse(byte[] bytes) throws Exception {
        return V2Message.of(Hl7Envelope.decode(bytes, StandardCharsets.UTF_8));
    }

    static V2Segment segment(String name, String text) throws Exception {
        V2Segment s = parse(text).first(name);
        assertThat(s).as(name).isNotNull();
        return s;
    }

    @Test
    void fieldsComponentsSubcomponentsAndRepetitions() throws Exception {
        V2Segment pid = segment("PID", MSH + "\r" + PID + "\r");

        assertThat(pid.name()).isEqualTo("PID");
        assertThat(pid.fieldCount()).isEqualTo(8);
        assertThat(pid.field(3)).hasSize(2);
        V2Value first = pid.first(3);
        assertThat(first.part(1).text()).isEqualTo("123");
        assertThat(first.part(4).text()).isEqualTo("HOSP");
        assertThat(first.part(4).part(1).text()).isEqualTo("HOSP");
        assertThat(first.part(4).part(2).text()).isEqualTo("2.16.840.1");
        assertThat(first.part(4).part(3).text()).isEqualTo("ISO");
        assertThat(first.part(5).text()).isEqualTo("MR");
        assertThat(pid.field(3).get(1).part(1).text()).isEqualTo("456");
        assertThat(pid.field(3).get(1).part(5).text()).isEqualTo("PI");
        assertThat(pid.first(5).part(2).text()).isEqualTo("John");
        assertThat(pid.first(5).part(7).text()).isEqualTo("L");
        assertThat(pid.first(8).text()).isEqualTo("F");
    }

    @Test
    void aCompositeReadAsAPrimitiveIsItsFirstPart() throws Exception {
        V2Segment pid = segment("PID", MSH + "\r" + PID);

        assertThat(pid.first(3).text()).isEqualTo("123");
        assertThat(pid.first(5).text()).isEqualTo("Doe");
        assertThat(pid.first(3).fullText()).isEqualTo("123^^^HOSP&2.16.840.1&ISO^MR");
    }

    @Test
    void positionsBeyondTheValueAreEmpty() throws Exception {
        V2Segment pid = segment("PID", MSH + "\r" + PID);

        assertThat(pid.first(99).isEmpty()).isTrue();
        assertThat(pid.first(99).text()).isEmpty();
        assertThat(pid.field(99)).isEmpty();
        assertThat(pid.field(0)).isEmpty();
        assertThat(pid.first(3).part(20).text()).isEmpty();
        assertThat(pid.first(3).part(4).part(9).text()).isEmpty();
        // a subcomponent has no parts but itself
        V2Value sub = pid.first(3).part(4).part(2);
        assertThat(sub.part(1).text()).isEqualTo("2.16.840.1");
        assertThat(sub.part(2).isEmpty()).isTrue();
    }

    @Test
    void mshFieldsAreNumberedAsInTheStandard() throws Exception {
        V2Segment msh = segment("MSH", MSH);

        assertThat(msh.first(1).text()).isEqualTo("|");
        assertThat(msh.first(2).text()).isEqualTo("^~\\&");
        // MSH-2 is never split nor escape-decoded
        assertThat(msh.first(2).part(1).text()).isEqualTo("^~\\&");
        assertThat(msh.field(2)).hasSize(1);
        assertThat(msh.first(3).text()).isEqualTo("LAB");
        assertThat(msh.first(4).part(2).text()).isEqualTo("1.2.3");
        assertThat(msh.first(9).part(1).text()).isEqualTo("ORU");
        assertThat(msh.first(9).part(2).text()).isEqualTo("R01");
        assertThat(msh.first(9).part(3).text()).isEqualTo("ORU_R01");
        assertThat(msh.first(10).text()).isEqualTo("MSG1");
        assertThat(msh.first(12).text()).isEqualTo("2.5.1");
    }

    @Test
    void customDelimitersFromMsh1And2() throws Exception {
        V2Message message = parse("MSH#$*@%#LAB#HOSP$1.2.3$ISO#HUB#HUB#20240131##ORU$R01#MSG1#P#2.5.1\r"
                + "PID#1##123$$$HOSP%2.16.840.1%ISO$MR*456$$$OTHER##Doe$John|Jr#\r"
                + "NTE#1##a@T@b@S@c@F@d@R@e@E@f\r");
        V2Segment msh = message.first("MSH");
        V2Segment pid = message.first("PID");
        V2Segment nte = message.first("NTE");

        assertThat(message.delimiters().field()).isEqualTo('#');
        assertThat(msh.first(1).text()).isEqualTo("#");
        assertThat(msh.first(2).text()).isEqualTo("$*@%");
        assertThat(msh.first(4).part(2).text()).isEqualTo("1.2.3");
        assertThat(msh.first(9).part(2).text()).isEqualTo("R01");
        assertThat(pid.field(3)).hasSize(2);
        assertThat(pid.first(3).part(4).part(2).text()).isEqualTo("2.16.840.1");
        assertThat(pid.field(3).get(1).part(4).text()).isEqualTo("OTHER");
        // the standard delimiters are plain text here
        assertThat(pid.first(5).part(2).text()).isEqualTo("John|Jr");
        assertThat(nte.first(3).text()).isEqualTo("a%b$c#d*e@f");
    }

    @ParameterizedTest(name = "separator {0}")
    @ValueSource(strings = {"CR", "LF", "CRLF"})
    void segmentSeparators(String separator) throws Exception {
        String sep =
                switch (separator) {
                    case "CR" -> "\r";
                    case "LF" -> "\n";
                    default -> "\r\n";
                };
        V2Message message = parse(MSH + sep + PID + sep + "OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L" + sep);

        assertThat(message.segments()).extracting(V2Segment::name).containsExactly("MSH", "PID", "OBX");
        assertThat(message.segments()).extracting(V2Segment::index).containsExactly(0, 1, 2);
        assertThat(message.first("MSH").first(12).text()).isEqualTo("2.5.1");
        assertThat(message.first("PID").first(8).text()).isEqualTo("F");
        assertThat(message.first("OBX").first(6).text()).isEqualTo("mmol/L");
        assertThat(message.first("OBX").first(6).fullText())
                .doesNotContain("\r")
                .doesNotContain("\n");
    }

    @Test
    void aUtf8ByteOrderMarkIsNotPartOfTheFirstSegment() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bytes.write((MSH + "\r" + "PID|1||123||Müller^Jürgen\r").getBytes(StandardCharsets.UTF_8));

        V2Message message = parse(bytes.toByteArray());

        assertThat(message.segments().get(0).name()).isEqualTo("MSH");
        assertThat(message.first("MSH").first(3).text()).isEqualTo("LAB");
        assertThat(message.first("PID").first(5).part(1).text()).isEqualTo("Müller");
        assertThat(message.first("PID").first(5).part(2).text()).isEqualTo("Jürgen");
    }

    @Test
    void emptyAndHl7NullValues() throws Exception {
        V2Segment obx = segment("OBX", MSH + "\rOBX|1|ST|\"\"||^^&^|  |~~|a^\"\"^c|x~\"\"~y");

        // "" (HL7 explicit null) reads as empty, like a field that is not sent
        assertThat(obx.first(3).isEmpty()).isTrue();
        assertThat(obx.first(3).text()).isEmpty();
        assertThat(obx.first(3).fullText()).isEmpty();
        assertThat(obx.first(4).isEmpty()).isTrue();
        assertThat(obx.field(4)).isEmpty();
        // only delimiters or blanks are empty too
        assertThat(obx.first(5).isEmpty()).isTrue();
        assertThat(obx.first(6).isEmpty()).isTrue();
        // empty repetitions are skipped
        assertThat(obx.field(7)).isEmpty();
        // a null component is empty, its neighbours are not
        assertThat(obx.first(8).part(1).text()).isEqualTo("a");
        assertThat(obx.first(8).part(2).isEmpty()).isTrue();
        assertThat(obx.first(8).part(2).text()).isEmpty();
        assertThat(obx.first(8).part(3).text()).isEqualTo("c");
        // a null repetition stays a repetition, read as empty
        List<V2Value> reps = obx.field(9);
        assertThat(reps).hasSize(3);
        assertThat(reps).extracting(V2Value::text).containsExactly("x", "", "y");
    }

    @Test
    void escapesAreDecodedAfterSplitting() throws Exception {
        V2Segment nte =
                segment("NTE", MSH + "\rNTE|1||a\\S\\b\\T\\c\\F\\d\\R\\e\\E\\f^second|  padded  |\\X4D\\\\XC3BC\\");

        // an escaped delimiter does not split
        assertThat(nte.first(3).part(1).text()).isEqualTo("a^b&c|d~e\\f");
        assertThat(nte.first(3).text()).isEqualTo("a^b&c|d~e\\f");
        assertThat(nte.first(3).part(2).text()).isEqualTo("second");
        assertThat(nte.first(3).fullText()).isEqualTo("a^b&c|d~e\\f^second");
        assertThat(nte.first(4).text()).isEqualTo("padded");
        assertThat(nte.first(5).text()).isEqualTo("M" + "\u00fc");
    }

    @Test
    void segmentsShorterThanANameAreSkipped() {
        V2Message message = V2Message.of(
                List.of(MSH, "XY", "PID|1"), org.patientgate.ingest.Hl7Delimiters.STANDARD, StandardCharsets.UTF_8);

        assertThat(message.segments()).extracting(V2Segment::name).containsExactly("MSH", "PID");
        assertThat(message.first("PID").index()).isEqualTo(1);
        assertThat(message.first("OBX")).isNull();
    }

    @Test
    void trailingEmptyFieldsAreCounted() throws Exception {
        V2Segment pid = segment("PID", MSH + "\rPID|1||123|||");

        assertThat(pid.fieldCount()).isEqualTo(6);
        assertThat(pid.first(6).isEmpty()).isTrue();
    }
}
