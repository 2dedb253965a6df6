package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.adtA01;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.oru;
import static org.patientgate.support.Hl7Messages.pid;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.GenericModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;

/**
 * The MLLP listener end to end over real sockets, with the embedded PostgreSQL and Artemis: each
 * acknowledgment code, each ERR code the hub produces, charsets, duplicates, limits, and the
 * dead-letter store behind every refusal.
 */
class MllpIngestIT extends HubIntegrationTest {

    private static HapiContext hapi;

    @BeforeAll
    static void hapiClient() {
        hapi = new DefaultHapiContext(new GenericModelClassFactory());
        hapi.getParserConfiguration().setValidating(false);
    }

    @AfterAll
    static void closeHapi() throws Exception {
        hapi.close();
    }

    private OperationsApi api() {
        return new OperationsApi(baseUrl(), API_TOKEN);
    }

    private static String id(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.8"})
    void acceptsOruOfEveryVersion_withAaAfterDurableStore_andProcessesIt(String version) throws Exception {
        String controlId = id("V" + version.replace(".", ""));
        Connection connection = hapi.newClient("127.0.0.1", MLLP_PORT, false);
        try {
            Message request = hapi.getPipeParser().parse(oru(version, controlId));
            Message response = connection.getInitiator().sendAndReceive(request);
            Terser ack = new Terser(response);
            assertThat(ack.get("/MSA-1")).isEqualTo("AA");
            assertThat(ack.get("/MSA-2")).isEqualTo(controlId);
            assertThat(ack.get("/MSH-3")).isEqualTo("PATIENTGATE");
            assertThat(ack.get("/MSH-5")).isEqualTo("LABSYS");
            assertThat(ack.get("/MSH-6")).isEqualTo("GENHOSP");
            assertThat(ack.get("/MSH-12")).isEqualTo(version);
            assertThat(ack.get("/MSH-11")).isEqualTo("P");
        } finally {
            connection.close();
        }
        // The AA came after the durable write: the row is there, and the processing stage finishes it.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode message = api().messageByControlId(controlId);
            assertThat(message).isNotNull();
            assertThat(message.get("status").asText()).isEqualTo("PROCESSED");
            assertThat(message.get("messageType").asText()).isEqualTo("ORU^R01");
        });
    }

    @Test
    void answersCaInEnhancedMode() throws Exception {
        String controlId = id("ENH");
        String message = msh("ORU^R01", "2.5.1", controlId, "P", "AL", "")
                + pid("MRN1", "DOE^JANE")
                + obr()
                + obx("NM", "5", "F");
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("CA");
            assertThat(field(ack, "MSA", 2)).isEqualTo(controlId);
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(
                        "segment sequence: OBX before OBR",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s") + pid("M1", "DOE^JANE") + obx("NM", "1", "F") + obr(),
                        "AE",
                        "100",
                        ""),
                Arguments.of(
                        "required field: empty PID-3",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s") + "PID|1||||DOE^JANE\r" + obr() + obx("NM", "1", "F"),
                        "AE",
                        "101",
                        ""),
                Arguments.of(
                        "data type: NM value not numeric",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s") + pid("M1", "DOE^JANE") + obr() + obx("NM", "high", "F"),
                        "AE",
                        "102",
                        ""),
                Arguments.of(
                        "table value: OBX-11 not in table 0085",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s") + pid("M1", "DOE^JANE") + obr() + obx("NM", "1", "Q"),
                        "AE",
                        "103",
                        ""),
                Arguments.of(
                        "unsupported message type",
                        "2.5.1",
                        msh("ZZZ^R01", "2.5.1", "%s") + pid("M1", "DOE^JANE"),
                        "AR",
                        "200",
                        ""),
                Arguments.of(
                        "unsupported event",
                        "2.5.1",
                        msh("ADT^A05", "2.5.1", "%s") + "EVN|A05\r" + pid("M1", "DOE^JANE"),
                        "AR",
                        "201",
                        ""),
                Arguments.of(
                        "unsupported processing id",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s", "D", "", "") + pid("M1", "DOE^JANE") + obr(),
                        "AR",
                        "202",
                        ""),
                Arguments.of(
                        "processing id not in table 0103",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s", "X", "", "") + pid("M1", "DOE^JANE") + obr(),
                        "AE",
                        "103",
                        ""),
                Arguments.of(
                        "unsupported version",
                        "2.2",
                        msh("ORU^R01", "2.2", "%s") + pid("M1", "DOE^JANE") + obr(),
                        "AR",
                        "203",
                        ""),
                Arguments.of(
                        "enhanced mode error",
                        "2.5.1",
                        msh("ORU^R01", "2.5.1", "%s", "P", "AL", "") + "PID|1||||DOE^JANE\r" + obr(),
                        "CE",
                        "101",
                        ""),
                Arguments.of(
                        "enhanced mode reject",
                        "2.5.1",
                        msh("ZZZ^R01", "2.5.1", "%s", "P", "AL", "") + pid("M1", "DOE^JANE"),
                        "CR",
                        "200",
                        ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesWithStandardAckAndErrCode_andKeepsTheMessageAsDeadLetter(
            String why, String version, String template, String msa1, String errCode, String unused) throws Exception {
        String controlId = id("R");
        String message = template.replace("%s", controlId);
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            assertThat(field(ack, "MSA", 1)).as(why).isEqualTo(msa1);
            assertThat(field(ack, "MSA", 2)).isEqualTo(controlId);
            assertThat(ack).as("ERR segment carries table 0357 code " + errCode).contains("ERR|");
            assertThat(errSegment(ack)).contains(errCode);
        }
        JsonNode stored = api().messageByControlId(controlId);
        assertThat(stored).as("refused message is kept").isNotNull();
        assertThat(stored.get("status").asText()).isEqualTo("DEAD_LETTER");
        assertThat(stored.get("failureCode").asText()).isEqualTo(errCode);
        assertThat(stored.get("failureReason").asText()).isNotBlank();
    }

    @Test
    void answersV23ErrorsWithErr1Eld() throws Exception {
        String controlId = id("E23");
        String message = msh("ORU^R01", "2.3", controlId) + "PID|1||||DOE^JANE\r" + obr();
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("AE");
            assertThat(field(ack, "MSH", 9)).isEqualTo("ACK^R01");
            // v2.3 ERR-1 is an ELD: segment^sequence^field^code&text
            assertThat(field(ack, "ERR", 1)).startsWith("PID^1^3^101");
        }
    }

    static Stream<Arguments> charsets() {
        return Stream.of(
                Arguments.of("", StandardCharsets.UTF_8, "MULLER^ANNA"),
                Arguments.of("ASCII", StandardCharsets.US_ASCII, "MULLER^ANNA"),
                Arguments.of("8859/1", StandardCharsets.ISO_8859_1, "MÜLLER^ANNA"),
                Arguments.of("UNICODE UTF-8", StandardCharsets.UTF_8, "MÜLLER^ÅSA"),
                Arguments.of("GB 18030-2000", Charset.forName("GB18030"), "张^三"));
    }

    @ParameterizedTest(name = "MSH-18 ''{0}''")
    @MethodSource("charsets")
    void decodesTheDeclaredCharset_andEchoesItInTheAck(String msh18, Charset charset, String name) throws Exception {
        String controlId = id("CS");
        String message =
                msh("ORU^R01", "2.5.1", controlId, "P", "", msh18) + pid("MRN9", name) + obr() + obx("NM", "1", "F");
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, charset).orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
            assertThat(field(ack, "MSH", 18)).isEqualTo(msh18);
        }
        assertStoredContentContains(controlId, name);
    }

    @Test
    void toleratesUtf8BomAndLfSeparators() throws Exception {
        String controlId = id("BOM");
        String message = (msh("ORU^R01", "2.5.1", controlId, "P", "", "UNICODE UTF-8")
                        + pid("MRN2", "ÉMILE^ZOÉ")
                        + obr()
                        + obx("NM", "1", "F"))
                .replace("\r", "\n");
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        try (MllpTestClient client = mllp()) {
            String ack = new String(client.send(withBom).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
        }
        assertStoredContentContains(controlId, "ÉMILE^ZOÉ");
    }

    @Test
    void toleratesCrLfSeparators() throws Exception {
        String controlId = id("CRLF");
        String message = adtA01("2.4", controlId).replace("\r", "\r\n");
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
        }
    }

    @Test
    void refusesBytesInvalidForTheDeclaredCharset() throws Exception {
        String controlId = id("BAD");
        byte[] head = (msh("ORU^R01", "2.5.1", controlId, "P", "", "UNICODE UTF-8") + "PID|1||M3^^^H^MR||")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("^X\r" + obr()).getBytes(StandardCharsets.US_ASCII);
        byte[] message = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, message, 0, head.length);
        message[head.length] = (byte) 0xC3; // a UTF-8 lead byte followed by an invalid continuation
        message[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, message, head.length + 2, tail.length);
        try (MllpTestClient client = mllp()) {
            String ack = new String(client.send(message).orElseThrow(), StandardCharsets.ISO_8859_1);
            assertThat(field(ack, "MSA", 1)).isIn("AE", "AR");
            assertThat(errSegment(ack)).contains("MSH");
        }
    }

    @Test
    void acknowledgesDuplicatesWithAa_butStoresAndProcessesOnce() throws Exception {
        String controlId = id("DUP");
        String message = oru("2.5.1", controlId);
        try (MllpTestClient client = mllp()) {
            for (int i = 0; i < 3; i++) {
                String ack =
                        client.sendText(message, StandardCharsets.ISO_8859_1).orElseThrow();
                assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
                assertThat(field(ack, "MSA", 2)).isEqualTo(controlId);
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode list = api().get("/api/messages?controlId=" + controlId).body();
            assertThat(list.size()).isEqualTo(1);
            assertThat(list.get(0).get("status").asText()).isEqualTo("PROCESSED");
            assertThat(list.get(0).get("deliveryCount").asInt()).isEqualTo(1);
        });
    }

    @Test
    void answersOversizedMessageWithAr207_andKeepsServing() throws Exception {
        String controlId = id("BIG");
        StringBuilder big = new StringBuilder(oru("2.5.1", controlId));
        while (big.length() <= MAX_MESSAGE_BYTES + 100) {
            big.append("NTE|1||").append("x".repeat(1000)).append('\r');
        }
        try (MllpTestClient client = mllp()) {
            String ack =
                    client.sendText(big.toString(), StandardCharsets.ISO_8859_1).orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("AR");
            assertThat(errSegment(ack)).contains("207");
            String next = client.sendText(oru("2.5.1", id("AFTERBIG")), StandardCharsets.ISO_8859_1)
                    .orElseThrow();
            assertThat(field(next, "MSA", 1)).isEqualTo("AA");
        }
        assertThat(api().messageByControlId(controlId).get("status").asText()).isEqualTo("DEAD_LETTER");
    }

    @Test
    void closesTheConnectionOnAFrameBeyondTheFrameLimit_andKeepsServingOthers() throws Exception {
        try (MllpTestClient client = mllp()) {
            byte[] huge = new byte[MAX_FRAME_BYTES * 2];
            Arrays.fill(huge, (byte) 'A');
            Optional<byte[]> answer;
            try {
                answer = client.send(huge);
            } catch (java.io.IOException e) {
                answer = Optional.empty();
            }
            assertThat(answer).isEmpty();
        }
        try (MllpTestClient client = mllp()) {
            assertThat(field(
                            client.sendText(oru("2.5.1", id("AFTERHUGE")), StandardCharsets.ISO_8859_1)
                                    .orElseThrow(),
                            "MSA",
                            1))
                    .isEqualTo("AA");
        }
    }

    @Test
    void closesAnIdleConnection_afterTheIdleTimeout() throws Exception {
        try (MllpTestClient client = mllp()) {
            String ack = client.sendText(oru("2.5.1", id("IDLE")), StandardCharsets.ISO_8859_1)
                    .orElseThrow();
            assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
            long started = System.nanoTime();
            await().atMost(Duration.ofMillis(IDLE_TIMEOUT_MS * 4L)).until(client::closedByPeer);
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isGreaterThan(Duration.ofMillis(IDLE_TIMEOUT_MS / 2));
        }
    }

    @Test
    void dropsAFrameThatStopsHalfway_withoutAcknowledgingIt_andKeepsServing() throws Exception {
        String controlId = id("HALF");
        try (MllpTestClient client = mllp()) {
            byte[] whole = oru("2.5.1", controlId).getBytes(StandardCharsets.ISO_8859_1);
            byte[] half = new byte[whole.length / 2 + 1];
            half[0] = 0x0B;
            System.arraycopy(whole, 0, half, 1, half.length - 1);
            client.writeRaw(half);
            // No end of frame arrives: after the read timeout the hub closes the connection or answers
            // AR; it never acknowledges the incomplete message as accepted.
            Optional<byte[]> answer = client.readFrame();
            answer.ifPresent(a -> assertThat(field(new String(a, StandardCharsets.ISO_8859_1), "MSA", 1))
                    .isNotEqualTo("AA"));
        }
        JsonNode stored = api().messageByControlId(controlId);
        assertThat(stored == null || !stored.get("accepted").asBoolean())
                .as("an incomplete frame is never accepted")
                .isTrue();
        try (MllpTestClient client = mllp()) {
            assertThat(field(
                            client.sendText(oru("2.5.1", controlId), StandardCharsets.ISO_8859_1)
                                    .orElseThrow(),
                            "MSA",
                            1))
                    .isEqualTo("AA");
        }
    }

    @Test
    void closesTheConnectionOnGarbageWithoutMsh_andKeepsTheFrame() throws Exception {
        long before = deadLetterCount();
        try (MllpTestClient client = mllp()) {
            Optional<byte[]> answer = client.send("this is not HL7 at all".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).isEmpty();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetterCount() > before);
        try (MllpTestClient client = mllp()) {
            assertThat(field(
                            client.sendText(oru("2.5.1", id("AFTERGARBAGE")), StandardCharsets.ISO_8859_1)
                                    .orElseThrow(),
                            "MSA",
                            1))
                    .isEqualTo("AA");
        }
    }

    @Test
    void replayOfAStillInvalidDeadLetterSaysWhy_andChangesNothing() throws Exception {
        String controlId = id("RPL");
        try (MllpTestClient client = mllp()) {
            client.sendText(
                    msh("ORU^R01", "2.5.1", controlId) + "PID|1||||DOE^JANE\r" + obr(), StandardCharsets.ISO_8859_1);
        }
        String deadId = api().messageByControlId(controlId).get("id").asText();
        OperationsApi.Response replay = api().post("/api/dead-letters/" + deadId + "/replay");
        assertThat(replay.status()).isEqualTo(422);
        assertThat(replay.body().get("outcome").asText()).isEqualTo("STILL_REFUSED");
        assertThat(replay.body().get("reasons").toString()).contains("101");
        assertThat(api().messageByControlId(controlId).get("status").asText()).isEqualTo("DEAD_LETTER");
        assertThat(api().post("/api/dead-letters/" + UUID.randomUUID() + "/replay")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void operationsApiNeedsTheBearerToken_andHidesContentUnlessAsked() throws Exception {
        String controlId = id("API");
        try (MllpTestClient client = mllp()) {
            client.sendText(oru("2.5.1", controlId), StandardCharsets.ISO_8859_1)
                    .orElseThrow();
        }
        assertThat(new OperationsApi(baseUrl(), null).get("/api/messages").status())
                .isEqualTo(401);
        assertThat(new OperationsApi(baseUrl(), "wrong").get("/api/messages").status())
                .isEqualTo(401);
        String messageId = api().messageByControlId(controlId).get("id").asText();
        JsonNode plain = api().get("/api/messages/" + messageId).body();
        assertThat(plain.has("content")).isFalse();
        assertThat(plain.toString()).doesNotContain("DOE^JANE");
        JsonNode withContent =
                api().get("/api/messages/" + messageId + "?includeContent=true").body();
        assertThat(withContent.get("content").asText()).contains("DOE^JANE");
        assertThat(api().get("/api/messages/" + UUID.randomUUID()).status()).isEqualTo(404);
    }

    @Test
    void exposesIngestMetricsForPrometheus() throws Exception {
        try (MllpTestClient client = mllp()) {
            client.sendText(oru("2.5.1", id("MET")), StandardCharsets.ISO_8859_1)
                    .orElseThrow();
        }
        var http = java.net.http.HttpClient.newHttpClient();
        String body = http.send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(body).contains("hub_messages_received_total{");
        assertThat(body).contains("sender=\"LABSYS\"");
        assertThat(body).contains("hub_ack_latency_seconds_bucket");
        assertThat(body).contains("hub_messages_stored{");
    }

    private long deadLetterCount() throws Exception {
        return api().get("/api/dead-letters?limit=500").body().size();
    }

    private void assertStoredContentContains(String controlId, String text) throws Exception {
        String messageId = api().messageByControlId(controlId).get("id").asText();
        JsonNode content =
                api().get("/api/messages/" + messageId + "?includeContent=true").body();
        assertThat(content.get("content").asText()).contains(text);
    }

    static String field(String ack, String segment, int n) {
        return org.patientgate.support.Hl7Messages.field(ack, segment, n);
    }

    static String errSegment(String ack) {
        return Arrays.stream(ack.split("[\r\n]+"))
                .filter(l -> l.startsWith("ERR|"))
                .findFirst()
                .orElse("");
    }
}
