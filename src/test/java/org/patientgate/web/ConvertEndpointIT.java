package org.patientgate.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ResourceType;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.patientgate.normalize.Normalizer;
import org.patientgate.support.Hl7Messages;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.OperationsApi;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * {@code POST /fhir/$convert-hl7v2} in the running hub: engineers with the operations token get the
 * canonical bundle the pipeline would make, byte for byte, and nothing is stored; senders and
 * anonymous callers are refused; every refusal is an OperationOutcome with the right status.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConvertEndpointIT extends HubIntegrationTest {

    private static final String ER7 = "x-application/hl7-v2+er7";
    private static final String FAMILY = "QZXCONVERTFAMILY";
    private static final String VALUE = "937.25";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    Normalizer normalizer;

    private URI convertUri() {
        return URI.create(baseUrl() + "/fhir/$convert-hl7v2");
    }

    private HttpResponse<byte[]> post(String token, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(convertUri()).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
        return JSON.readTree(response.body());
    }

    /** Asserts an OperationOutcome with one error issue of the code, and returns its diagnostics. */
    private static String outcome(HttpResponse<byte[]> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/fhir+json"));
        JsonNode body = json(response);
        assertThat(body.get("resourceType").asText()).isEqualTo("OperationOutcome");
        JsonNode issue = body.get("issue").get(0);
        assertThat(issue.get("severity").asText()).isEqualTo("error");
        assertThat(issue.get("code").asText()).isEqualTo(code);
        return issue.get("diagnostics").asText();
    }

    private static String oru(String controlId, String family) {
        return Hl7Messages.msh("ORU^R01^ORU_R01", "2.5.1", controlId)
                + Hl7Messages.pid("MRN" + controlId, family + "^JANE")
                + Hl7Messages.obr()
                + Hl7Messages.obx("NM", "182", "F")
                + "OBX|2|NM|2085-9^HDL Cholesterol^LN||55|mg/dL|>40||||F\r";
    }

    /** An ORU whose OBR-25 holds a result status the mappings reject (as in NormalizePipelineIT). */
    private static String unmappableOru(String controlId) {
        return Hl7Messages.msh("ORU^R01^ORU_R01", "2.5.1", controlId)
                + Hl7Messages.pid("MRN" + controlId, FAMILY + "^JANE")
                + "OBR|1|ORD1|FIL1|24331-1^Lipid panel^LN|||20261123090000" + "|".repeat(18) + "Q\r"
                + Hl7Messages.obx("NM", VALUE, "F");
    }

    private int storedCount(String path) throws Exception {
        OperationsApi.Response response = new OperationsApi(baseUrl(), API_TOKEN).get(path);
        assertThat(response.status()).isEqualTo(200);
        return response.body().size();
    }

    @Test
    void oruBecomesTheCanonicalBundle_byteForByteAsTheNormalizer_andNothingIsStored(CapturedOutput output)
            throws Exception {
        int messagesBefore = storedCount("/api/messages?limit=500");
        int deadLettersBefore = storedCount("/api/dead-letters?limit=500");
        String controlId = "CONV-" + System.nanoTime();
        String family = FAMILY + "MÜLLER";
        String text = oru(controlId, family);

        // ISO 8859-1 bytes, said so by the Content-Type charset (MSH-18 is empty)
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<byte[]> response = post(API_TOKEN, ER7 + "; charset=ISO-8859-1", latin1);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/fhir+json"));
        byte[] expected = normalizer.fromHl7v2(latin1, "ISO-8859-1").json();
        assertThat(response.body()).isEqualTo(expected);
        JsonNode bundle = json(response);
        assertThat(bundle.get("resourceType").asText()).isEqualTo("Bundle");
        assertThat(bundle.get("type").asText()).isEqualTo("collection");
        List<String> types = bundle.get("entry").findValuesAsText("resourceType");
        assertThat(types).contains("DiagnosticReport", "Patient");
        assertThat(types.stream().filter("Observation"::equals).count()).isEqualTo(2);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains(family);

        // deterministic: the same request gives the same bytes
        assertThat(post(API_TOKEN, ER7 + "; charset=ISO-8859-1", latin1).body()).isEqualTo(expected);

        // text/plain in UTF-8; the charset parameter is what makes MÜLLER come out right
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> plain = post(API_TOKEN, "text/plain;charset=UTF-8", utf8);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo(normalizer.fromHl7v2(utf8, "UTF-8").json());
        assertThat(new String(plain.body(), StandardCharsets.UTF_8)).contains(family);

        // a message the mappings reject, and one that is no HL7 at all
        String diagnostics = outcome(
                post(API_TOKEN, ER7, unmappableOru(controlId + "Q").getBytes(StandardCharsets.UTF_8)),
                422,
                "processing");
        assertThat(diagnostics).contains("OBR-25").doesNotContain(VALUE).doesNotContain(FAMILY);
        assertThat(outcome(
                        post(API_TOKEN, ER7, ("garbage " + FAMILY).getBytes(StandardCharsets.UTF_8)),
                        422,
                        "processing"))
                .contains("not a readable HL7 v2 message")
                .doesNotContain(FAMILY);

        // senders' token and no token: refused here, before HAPI's gatekeeper could dead-letter anything
        HttpResponse<byte[]> sender = post(FHIR_TOKEN, ER7, latin1);
        outcome(sender, 401, "login");
        HttpResponse<byte[]> anonymous = post(null, ER7, latin1);
        outcome(anonymous, 401, "login");
        assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));

        // a dry run: nothing stored, nothing dead-lettered
        OperationsApi api = new OperationsApi(baseUrl(), API_TOKEN);
        assertThat(api.messageByControlId(controlId)).isNull();
        assertThat(api.messageByControlId(controlId + "Q")).isNull();
        assertThat(storedCount("/api/messages?limit=500")).isEqualTo(messagesBefore);
        assertThat(storedCount("/api/dead-letters?limit=500")).isEqualTo(deadLettersBefore);

        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("hub_convert_requests_total{outcome=\"converted\"}")
                .contains("hub_convert_requests_total{outcome=\"unmappable\"}")
                .contains("hub_convert_requests_total{outcome=\"unauthorized\"}");

        assertThat(output.getAll()).contains("Dry-run HL7 v2 conversion");
        assertThat(output.getAll()).doesNotContain(FAMILY).doesNotContain(VALUE);
    }

    @Test
    void parametersWithTheMessageAsValueString_overPlainHttp() throws Exception {
        String text = oru("CONVP-" + System.nanoTime(), "DOE");
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("message").setValue(new StringType(text));
        byte[] body = FHIR.newJsonParser().encodeResourceToString(parameters).getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> response = post(API_TOKEN, "application/fhir+json", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .isEqualTo(normalizer
                        .fromHl7v2(text.getBytes(StandardCharsets.UTF_8), "UTF-8")
                        .json());

        Parameters noMessage = new Parameters();
        noMessage.addParameter().setName("msg").setValue(new StringType(text));
        outcome(
                post(
                        API_TOKEN,
                        "application/fhir+json",
                        FHIR.newJsonParser().encodeResourceToString(noMessage).getBytes(StandardCharsets.UTF_8)),
                400,
                "invalid");
        outcome(
                post(
                        API_TOKEN,
                        "application/fhir+json",
                        "{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8)),
                400,
                "invalid");
    }

    @Test
    void parametersThroughTheHapiGenericClient() {
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient client = FHIR.newRestfulGenericClient(baseUrl() + "/fhir");
        client.registerInterceptor(new BearerTokenAuthInterceptor(API_TOKEN));
        String controlId = "CONVH-" + System.nanoTime();

        Parameters parameters = new Parameters();
        parameters.addParameter().setName("message").setValue(new StringType(oru(controlId, "DOE")));
        Bundle bundle = client.operation()
                .onServer()
                .named("$convert-hl7v2")
                .withParameters(parameters)
                .returnResourceType(Bundle.class)
                .execute();
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        assertThat(bundle.getEntry())
                .extracting(e -> e.getResource().getResourceType())
                .contains(ResourceType.DiagnosticReport, ResourceType.Observation);

        Parameters unmappable = new Parameters();
        unmappable.addParameter().setName("message").setValue(new StringType(unmappableOru(controlId + "Q")));
        assertThatThrownBy(() -> client.operation()
                        .onServer()
                        .named("$convert-hl7v2")
                        .withParameters(unmappable)
                        .returnResourceType(Bundle.class)
                        .execute())
                .isInstanceOfSatisfying(UnprocessableEntityException.class, e -> {
                    OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
                    assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.PROCESSING);
                    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("OBR-25");
                });

        IGenericClient sender = FHIR.newRestfulGenericClient(baseUrl() + "/fhir");
        sender.registerInterceptor(new BearerTokenAuthInterceptor(FHIR_TOKEN));
        assertThatThrownBy(() -> sender.operation()
                        .onServer()
                        .named("$convert-hl7v2")
                        .withParameters(parameters)
                        .returnResourceType(Bundle.class)
                        .execute())
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void refusesEmptyBodiesWrongMethodsAndMediaTypes() throws Exception {
        byte[] message = oru("CONVE-" + System.nanoTime(), "DOE").getBytes(StandardCharsets.UTF_8);
        outcome(post(API_TOKEN, ER7, new byte[0]), 400, "required");
        outcome(post(API_TOKEN, null, new byte[0]), 400, "required");

        HttpResponse<byte[]> get = http.send(
                HttpRequest.newBuilder(convertUri())
                        .header("Authorization", "Bearer " + API_TOKEN)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        outcome(get, 405, "not-supported");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");

        outcome(post(API_TOKEN, "application/x-www-form-urlencoded", message), 415, "not-supported");
        outcome(post(API_TOKEN, null, message), 415, "not-supported");
        outcome(post(API_TOKEN, ER7 + "; charset=NO-SUCH-CHARSET", message), 415, "not-supported");
        // the charset parameter also takes HL7 table 0211 names
        assertThat(post(API_TOKEN, ER7 + "; charset=\"UNICODE UTF-8\"", message).statusCode())
                .isEqualTo(200);
    }
}
