package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;

/**
 * Every sample message in {@code src/test/resources/samples/hl7v2/} sent over MLLP, as the file holds
 * it (LF or CRLF separators, some with a UTF-8 BOM), gets the answer {@code expected-acks.csv} lists,
 * with the reason for each refusal written next to it.
 */
class SampleMessagesIT extends HubIntegrationTest {

    static Stream<Arguments> samples() throws IOException {
        return SampleExpectations.load().stream().map(e -> Arguments.of(e.file(), e.msa1(), e.errCode(), e.why()));
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @MethodSource("samples")
    void answersEachSampleAsExpected(String file, String msa1, String errCode, String why) throws Exception {
        byte[] message = SampleExpectations.read(file);
        try (MllpTestClient client = mllp()) {
            String ack = new String(client.send(message).orElseThrow(), StandardCharsets.ISO_8859_1);
            assertThat(MllpIngestIT.field(ack, "MSA", 1)).as(why).isEqualTo(msa1);
            if (!errCode.isEmpty()) {
                assertThat(MllpIngestIT.errSegment(ack)).as(why).contains(errCode);
            } else {
                assertThat(MllpIngestIT.errSegment(ack)).isEmpty();
            }
        }
    }

    /** The expectations file and the sample bytes, shared with the checker's unit test. */
    static final class SampleExpectations {
        record Expectation(String file, String msa1, String errCode, String why) {}

        static List<Expectation> load() throws IOException {
            List<Expectation> out = new ArrayList<>();
            try (InputStream in = resource("expected-acks.csv")) {
                String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
                for (int i = 1; i < lines.length; i++) {
                    if (lines[i].isBlank()) {
                        continue;
                    }
                    String[] c = lines[i].split(",", 4);
                    String why = c[3].strip();
                    if (why.startsWith("\"") && why.endsWith("\"")) {
                        why = why.substring(1, why.length() - 1);
                    }
                    out.add(new Expectation(c[0], c[1], c[2], why));
                }
            }
            return out;
        }

        static byte[] read(String file) throws IOException {
            try (InputStream in = resource("fhir-converter/" + file)) {
                return in.readAllBytes();
            }
        }

        private static InputStream resource(String name) throws IOException {
            InputStream in = SampleMessagesIT.class.getResourceAsStream("/samples/hl7v2/" + name);
            if (in == null) {
                throw new IOException("missing test resource samples/hl7v2/" + name);
            }
            return in;
        }
    }
}
