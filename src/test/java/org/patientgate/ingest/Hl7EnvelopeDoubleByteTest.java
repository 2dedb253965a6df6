package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * GB 18030 header text whose bytes contain the field separator: a Chinese facility name in MSH-4
 * must not hide MSH-18 from the charset detection.
 */
class Hl7EnvelopeDoubleByteTest {

    private static final Charset GB18030 = Charset.forName("GB18030");

    /** A CJK character whose GB 18030 encoding has '|' (0x7C) as its second byte. */
    static String characterWithPipeByte() {
        for (char c = '\u4E00'; c < '\u9FFF'; c++) {
            byte[] b = String.valueOf(c).getBytes(GB18030);
            if (b.length == 2 && b[1] == '|') {
                return String.valueOf(c);
            }
        }
        throw new IllegalStateException("no such character");
    }

    @Test
    void findsMsh18WhenAChineseFacilityNameContainsTheSeparatorByte() throws Exception {
        String tricky = characterWithPipeByte();
        String message = "MSH|^~\\&|LIS|" + tricky + "医院|PG|HUB|20261123101500||ORU^R01|C1|P|2.5.1||||||GB 18030-2000\r"
                + "PID|1||M1^^^H^MR||张^三\r";
        byte[] bytes = message.getBytes(GB18030);
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1).split("\\|").length)
                .as("the byte-wise view sees an extra field")
                .isGreaterThan(message.split("\\|").length);

        Hl7Envelope envelope = Hl7Envelope.decode(bytes, StandardCharsets.UTF_8);

        assertThat(envelope.charsetError()).isEmpty();
        assertThat(envelope.charset()).isEqualTo(GB18030);
        assertThat(envelope.msh(4)).isEqualTo(tricky + "医院");
        assertThat(envelope.controlId()).isEqualTo("C1");
        assertThat(envelope.normalizedText()).contains("张^三");
    }
}
