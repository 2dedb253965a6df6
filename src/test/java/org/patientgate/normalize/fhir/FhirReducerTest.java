package org.patientgate.normalize.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.patientgate.normalize.BundleValidator;
import org.patientgate.normalize.UnmappableMessageException;

/**
 * FHIR R4 input reduced to the canonical bundle: official R4 examples and small hand-written inputs
 * (see {@code src/test/resources/normalize/fhir/SOURCE.md}). Every bundle produced here is checked by
 * {@link #reduce}: zero R4 validation errors and every reference resolving.
 */
class FhirReducerTest {

    private static final Path INPUTS = Path.of("src/test/resources/normalize/fhir");
    private static final Path EXAMPLES = INPUTS.resolve("r4-examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SENDER = "https://fhir.hospital.example.org/r4";

    private static FhirReducer reducer;
    private static BundleValidator validator;

    @BeforeAll
    static void setUp() {
        FhirContext r4 = FhirContext.forR4();
        reducer = new FhirReducer(r4);
        validator = new BundleValidator(r4);
    }

    @Test
    void reducesTransactionToCollectionWhoseUrnUuidReferencesResolve() throws Exception {
        JsonNode bundle = reduce(read("transaction-urn-uuid.json"), SENDER);

        assertThat(types(bundle))
                .containsExactly(
                        "Patient", "Practitioner", "Specimen", "Observation", "Observation", "DiagnosticReport");
        assertThat(bundle.get("identifier").get("system").asText())
                .isEqualTo("urn:patientgate:https%3A%2F%2Ffhir.hospital.example.org%2Fr4:message");
        assertThat(bundle.get("identifier").get("value").asText())
                .isEqualTo("urn:uuid:5c1f0b6e-7c51-4f0e-9a57-0d6c8b1e2a01");
        assertThat(bundle.get("timestamp").asText()).isEqualTo("2024-05-02T09:15:00.123+02:00");
        for (JsonNode entry : bundle.get("entry")) {
            assertThat(fieldNames(entry)).containsExactly("fullUrl", "resource");
        }
        String patient = fullUrlOf(bundle, "Patient");
        assertThat(patient)
                .isEqualTo("urn:uuid:"
                        + uuid(
                                SENDER,
                                "urn:uuid:5c1f0b6e-7c51-4f0e-9a57-0d6c8b1e2a01",
                                "urn:uuid:8a4f3c2e-0001-4b7e-9d1a-2f6e5c4b3a21"));
        JsonNode report = only(bundle, "DiagnosticReport");
        assertThat(report.at("/subject/reference").asText()).isEqualTo(patient);
        assertThat(report.at("/specimen/0/reference").asText()).isEqualTo(fullUrlOf(bundle, "Specimen"));
        assertThat(report.at("/performer/0/reference").asText()).isEqualTo(fullUrlOf(bundle, "Practitioner"));
        assertThat(references(report.get("result"))).containsExactlyElementsOf(fullUrlsOf(bundle, "Observation"));
        JsonNode patientMeta = only(bundle, "Patient").get("meta");
        assertThat(fieldNames(patientMeta)).containsExactly("tag");
        assertThat(patientMeta.at("/tag/0/code").asText()).isEqualTo("lab-feed");
    }

    @Test
    void resolvesRelativeTypeAndIdReferencesToTheEntryWithThatTypeAndId() throws Exception {
        byte[] input = read("batch-relative-refs.json");

        JsonNode bundle = reduce(input, SENDER);

        assertThat(types(bundle)).containsExactly("Patient", "Observation", "DiagnosticReport");
        String patient = fullUrlOf(bundle, "Patient");
        assertThat(only(bundle, "Observation").at("/subject/reference").asText())
                .isEqualTo(patient);
        JsonNode report = only(bundle, "DiagnosticReport");
        assertThat(report.at("/subject/reference").asText())
                .as("versioned Patient/123/_history/2")
                .isEqualTo(patient);
        assertThat(report.at("/result/0/reference").asText()).isEqualTo(fullUrlOf(bundle, "Observation"));
        assertThat(only(bundle, "Patient").has("meta"))
                .as("versionId and lastUpdated removed")
                .isFalse();
        assertThat(bundle.at("/identifier/value").asText())
                .as("no Bundle identifier or id: the key is the input's SHA-256")
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(input)));
    }

    @Test
    void readsRelativeReferencesAgainstRestfulFullUrlsAndKeepsUnresolvedOnesAbsolute() throws Exception {
        JsonNode bundle = reduce(Files.readAllBytes(EXAMPLES.resolve("diagnosticreport-example.json")), SENDER);

        assertThat(types(bundle)).hasSize(18).startsWith("DiagnosticReport");
        JsonNode report = only(bundle, "DiagnosticReport");
        assertThat(references(report.get("result"))).containsExactlyElementsOf(fullUrlsOf(bundle, "Observation"));
        assertThat(report.at("/subject/reference").asText()).isEqualTo("https://example.com/base/Patient/pat2");
        assertThat(report.at("/performer/0/reference").asText())
                .isEqualTo("https://example.com/base/Organization/1832473e-2fe0-452d-abe9-3cdb9879522f");
        assertThat(report.at("/meta/tag/0/code").asText()).isEqualTo("01");
        assertThat(bundle.at("/identifier/value").asText())
                .as("the input Bundle's id")
                .isEqualTo("101");
    }

    @Test
    void liftsContainedReportResourcesOfASingleReportToEntries() throws Exception {
        JsonNode bundle = reduce(read("diagnosticreport-contained.json"), SENDER);

        assertThat(types(bundle)).containsExactly("DiagnosticReport", "Specimen", "Observation", "Observation");
        JsonNode report = only(bundle, "DiagnosticReport");
        List<String> observations = fullUrlsOf(bundle, "Observation");
        assertThat(references(report.get("result"))).containsExactlyElementsOf(observations);
        assertThat(report.at("/specimen/0/reference").asText()).isEqualTo(fullUrlOf(bundle, "Specimen"));
        assertThat(report.has("contained"))
                .as("the Substance only the Specimen used moved with it")
                .isFalse();
        JsonNode specimen = only(bundle, "Specimen");
        assertThat(specimen.at("/contained/0/resourceType").asText()).isEqualTo("Substance");
        assertThat(specimen.at("/contained/0/id").asText()).isEqualTo("edta");
        assertThat(specimen.at("/container/0/additiveReference/reference").asText())
                .isEqualTo("#edta");
        JsonNode second = resources(bundle, "Observation").get(1);
        assertThat(second.at("/hasMember/0/reference").asText()).isEqualTo(observations.get(0));
        assertThat(second.at("/specimen/reference").asText()).isEqualTo(fullUrlOf(bundle, "Specimen"));
        assertThat(report.get("subject"))
                .as("Patient/pat-1 is not in the input: identifier kept, reference removed, type added")
                .isEqualTo(JSON.readTree("{\"identifier\":{\"system\":\"urn:oid:1.2.36.146.595.217.0.1\","
                        + "\"value\":\"MRN-0815\"},\"type\":\"Patient\"}"));
        assertThat(resources(bundle, "Observation").get(0).get("subject"))
                .isEqualTo(JSON.readTree("{\"type\":\"Patient\",\"display\":\"the patient\"}"));
        assertThat(report.at("/meta/profile/0").asText())
                .isEqualTo("http://hl7.org/fhir/StructureDefinition/DiagnosticReport");
        assertThat(report.at("/meta").has("versionId")).isFalse();
        assertThat(bundle.at("/identifier/value").asText())
                .as("a single resource with id and version is keyed by both")
                .isEqualTo("DiagnosticReport/lab-77/_history/4");
    }

    @Test
    void dropsTheMessageHeaderOfAMessageBundle() throws Exception {
        ObjectNode message = bundle(
                "message",
                "urn:uuid:0c9f7a10-0000-4000-8000-00000000000",
                List.of(
                        "messageheader-example.json",
                        "patient-example.json",
                        "encounter-example.json",
                        "observation-example.json"));
        message.putObject("identifier")
                .put("system", "urn:ietf:rfc:3986")
                .put("value", "urn:uuid:77a1c1de-3f3b-4b2e-9e41-5d7c0c6a1f00");
        message.put("timestamp", "2016-03-28T10:00:00Z");

        JsonNode bundle = reduce(JSON.writeValueAsBytes(message), SENDER);

        assertThat(types(bundle)).containsExactly("Patient", "Encounter", "Observation");
        String patient = fullUrlOf(bundle, "Patient");
        JsonNode observation = only(bundle, "Observation");
        assertThat(observation.at("/subject/reference").asText()).isEqualTo(patient);
        assertThat(observation.at("/encounter/reference").asText()).isEqualTo(fullUrlOf(bundle, "Encounter"));
        assertThat(only(bundle, "Encounter").at("/subject/reference").asText()).isEqualTo(patient);
        assertThat(only(bundle, "Patient").get("managingOrganization"))
                .as("Organization/1 is not in the message")
                .isEqualTo(JSON.readTree("{\"type\":\"Organization\"}"));
        assertThat(bundle.get("timestamp").asText()).isEqualTo("2016-03-28T10:00:00Z");
    }

    @Test
    void keepsUnresolvedReferencesOfRestfulEntriesAsUrlsAndOtherContainedTypesContained() throws Exception {
        ObjectNode collection = bundle(
                "collection",
                "https://example.org/fhir/",
                List.of("patient-example.json", "specimen-example.json", "observation-example.json"));

        JsonNode bundle = reduce(JSON.writeValueAsBytes(collection), "api-client-7");

        assertThat(types(bundle)).containsExactly("Patient", "Specimen", "Observation");
        JsonNode specimen = only(bundle, "Specimen");
        assertThat(specimen.at("/subject/reference").asText()).isEqualTo(fullUrlOf(bundle, "Patient"));
        assertThat(specimen.at("/request/0/reference").asText())
                .isEqualTo("https://example.org/fhir/ServiceRequest/example");
        assertThat(specimen.at("/collection/collector/reference").asText())
                .isEqualTo("https://example.org/fhir/Practitioner/example");
        assertThat(specimen.at("/contained/0/resourceType").asText()).isEqualTo("Substance");
        assertThat(specimen.at("/container/0/additiveReference/reference").asText())
                .isEqualTo("#hep");
        assertThat(only(bundle, "Observation").at("/encounter/reference").asText())
                .isEqualTo("https://example.org/fhir/Encounter/example");
        assertThat(only(bundle, "Patient").at("/managingOrganization/reference").asText())
                .isEqualTo("https://example.org/fhir/Organization/1");
    }

    @Test
    void dropsOtherResourceTypesAndKeepsWhatTheirReferencesStillSay() throws Exception {
        JsonNode bundle = reduce(read("transaction-dropped-types.json"), SENDER);

        assertThat(types(bundle)).containsExactly("Patient", "ServiceRequest", "Observation");
        String order = fullUrlOf(bundle, "ServiceRequest");
        JsonNode request = only(bundle, "ServiceRequest");
        assertThat(request.get("requester"))
                .as("PractitionerRole dropped, known only by urn:uuid: display and type stay")
                .isEqualTo(JSON.readTree("{\"type\":\"PractitionerRole\",\"display\":\"Referring physician\"}"));
        assertThat(request.at("/performer/0/reference").asText())
                .as("absolute URL outside the bundle stays")
                .isEqualTo("https://directory.example.org/fhir/HealthcareService/77");
        assertThat(request.at("/locationReference/0/reference").asText())
                .as("Location dropped but its fullUrl is a web address")
                .isEqualTo("https://fhir.hospital.example.org/r4/Location/ward-3");
        JsonNode observation = only(bundle, "Observation");
        assertThat(observation.at("/basedOn/0/reference").asText()).isEqualTo(order);
        assertThat(observation.at("/extension/0/valueReference/reference").asText())
                .as("references inside extensions are rewritten too")
                .isEqualTo(order);
        assertThat(observation.at("/performer/0"))
                .as("a reference to nothing in the bundle and nothing else known says data is absent")
                .isEqualTo(
                        JSON.readTree(
                                "{\"extension\":[{\"url\":"
                                        + "\"http://hl7.org/fhir/StructureDefinition/data-absent-reason\",\"valueCode\":\"unknown\"}]}"));
        assertThat(bundle.at("/identifier/value").asText())
                .as("the input Bundle's id")
                .isEqualTo("order-2024-0042");
    }

    @Test
    void replayOfTheSameInputGivesIdenticalBytes() throws Exception {
        byte[] input = read("transaction-urn-uuid.json");

        FhirReducer.Result first = reducer.reduce(input, SENDER);
        FhirReducer.Result again = reducer.reduce(input, SENDER);

        assertThat(again.bundleId()).isEqualTo(first.bundleId());
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(JSON.readTree(first.json()).get("id").asText()).isEqualTo(first.bundleId());
    }

    @Test
    void anotherSenderGetsOtherIds() throws Exception {
        byte[] input = read("transaction-urn-uuid.json");

        JsonNode ours = reduce(input, SENDER);
        JsonNode theirs = reduce(input, "api-client-7");

        assertThat(theirs.get("id").asText()).isNotEqualTo(ours.get("id").asText());
        Set<String> ourUrls = new HashSet<>(fullUrls(ours));
        assertThat(fullUrls(theirs)).hasSize(6).noneMatch(ourUrls::contains);
        assertThat(theirs.at("/identifier/system").asText()).isEqualTo("urn:patientgate:api-client-7:message");
    }

    @Test
    void refusesMalformedJsonWithoutQuotingIt() {
        byte[] input =
                "{\"resourceType\":\"Patient\",\"name\":[{\"family\": Mustermann}]}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("input is not well-formed JSON (line 1, column 56)");
    }

    @Test
    void refusesNonR4ContentNamingElementsButNoValues() throws Exception {
        byte[] input = Files.readAllBytes(EXAMPLES.resolve("r4-caredove-bundle.json"));

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessageStartingWith("input is not valid FHIR R4 JSON: ")
                .hasMessageContaining("element 'performer' must be an array but is an object")
                .hasMessageContaining("unknown element 'created'")
                .hasMessageNotContainingAny("Smith", "John", "4455", "555", "caredove", "Waterloo");
    }

    @Test
    void refusesInvalidValuesNamingTheElementOnly() {
        byte[] input = "{\"resourceType\":\"Patient\",\"birthDate\":\"Mustermann\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("input is not valid FHIR R4 JSON: invalid value in element 'birthDate'");
    }

    @Test
    void refusesResourceTypesUnknownToR4WithoutQuotingThem() {
        byte[] input = "{\"resourceType\":\"Mustermann\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("input's resourceType is not a FHIR R4 resource type (HAPI-1684)");
    }

    @Test
    void refusesALoneResourceOfATypeItCannotReduce() {
        byte[] input = "{\"resourceType\":\"Medication\",\"id\":\"m1\",\"code\":{\"text\":\"Aspirin\"}}"
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessageStartingWith("a lone Medication cannot be reduced")
                .hasMessageNotContainingAny("m1", "Aspirin");
    }

    @Test
    void refusesABundleWithNeitherPatientNorReportResource() {
        byte[] input = ("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                        + "{\"fullUrl\":\"urn:uuid:9b2f0a4e-1111-4c3d-8e9f-0a1b2c3d4e5f\","
                        + "\"resource\":{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Mustermann\"}]}},"
                        + "{\"fullUrl\":\"urn:uuid:9b2f0a4e-2222-4c3d-8e9f-0a1b2c3d4e5f\","
                        + "\"resource\":{\"resourceType\":\"Medication\",\"code\":{\"text\":\"Aspirin\"}}}]}")
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage(
                        "input holds no AllergyIntolerance, DiagnosticReport, DocumentReference, Observation, Patient"
                                + " (found: {Medication=1, Practitioner=1})");
    }

    @Test
    void refusesBundleTypesOtherThanTheAcceptedOnes() {
        byte[] input =
                "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[]}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessageStartingWith("a Bundle of type searchset cannot be reduced");
    }

    @Test
    void refusesEntriesThatShareAFullUrl() {
        String patient = "{\"fullUrl\":\"urn:uuid:9b2f0a4e-1111-4c3d-8e9f-0a1b2c3d4e5f\","
                + "\"resource\":{\"resourceType\":\"Patient\"}}";
        byte[] input = ("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" + patient + "," + patient
                        + "]}")
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> reducer.reduce(input, SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("Bundle.entry[0] and Bundle.entry[1] have the same fullUrl");
    }

    @Test
    void refusesInputThatIsNotAJsonObject() {
        assertThatThrownBy(() ->
                        reducer.reduce("[{\"resourceType\":\"Patient\"}]".getBytes(StandardCharsets.UTF_8), SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("input is not a JSON object (HAPI-1859)");
        assertThatThrownBy(() -> reducer.reduce(new byte[0], SENDER))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessage("input is empty");
    }

    /**
     * Reduces and checks what every canonical bundle must be: R4-valid with zero errors, a
     * collection whose fullUrls are {@code urn:uuid:<resource id>}, and whose references either
     * resolve to an entry, are absolute web URLs, or name a contained resource of their resource.
     */
    private static JsonNode reduce(byte[] input, String sender) throws Exception {
        FhirReducer.Result result = reducer.reduce(input, sender);
        assertThat(validator.errors(result.json())).as("R4 validation errors").isEmpty();
        JsonNode bundle = JSON.readTree(result.json());
        assertThat(bundle.get("resourceType").asText()).isEqualTo("Bundle");
        assertThat(bundle.get("type").asText()).isEqualTo("collection");
        assertThat(bundle.get("id").asText()).isEqualTo(result.bundleId());
        Set<String> fullUrls = new HashSet<>(fullUrls(bundle));
        for (JsonNode entry : bundle.get("entry")) {
            JsonNode resource = entry.get("resource");
            assertThat(entry.get("fullUrl").asText())
                    .isEqualTo("urn:uuid:" + resource.get("id").asText());
            assertThat(UUID.fromString(resource.get("id").asText())).isNotNull();
            assertThat(resource.at("/meta/versionId").isMissingNode()).isTrue();
            assertThat(resource.at("/meta/lastUpdated").isMissingNode()).isTrue();
            Set<String> contained = new HashSet<>();
            for (JsonNode c : resource.path("contained")) {
                contained.add("#" + c.get("id").asText());
            }
            for (String reference : allReferences(resource)) {
                assertThat(reference)
                        .as("reference in " + resource.get("resourceType").asText())
                        .satisfiesAnyOf(
                                r -> assertThat(fullUrls).contains(r),
                                r -> assertThat(r).matches("https?://.+"),
                                r -> assertThat(contained).contains(r));
            }
        }
        return bundle;
    }

    private static byte[] read(String name) throws IOException {
        return Files.readAllBytes(INPUTS.resolve(name));
    }

    /** A Bundle of official examples; fullUrls are {@code <prefix><n>} or RESTful under a base. */
    private static ObjectNode bundle(String type, String fullUrlPrefix, List<String> examples) throws IOException {
        ObjectNode bundle =
                JSON.createObjectNode().put("resourceType", "Bundle").put("type", type);
        ArrayNode entries = bundle.putArray("entry");
        int n = 0;
        for (String example : examples) {
            JsonNode resource = JSON.readTree(EXAMPLES.resolve(example).toFile());
            String fullUrl = fullUrlPrefix.startsWith("http")
                    ? fullUrlPrefix + resource.get("resourceType").asText() + "/"
                            + resource.get("id").asText()
                    : fullUrlPrefix + (++n);
            entries.addObject().put("fullUrl", fullUrl).set("resource", resource);
        }
        return bundle;
    }

    private static List<String> types(JsonNode bundle) {
        return entries(bundle).stream()
                .map(e -> e.at("/resource/resourceType").asText())
                .toList();
    }

    private static List<JsonNode> entries(JsonNode bundle) {
        return StreamSupport.stream(bundle.path("entry").spliterator(), false).toList();
    }

    private static List<String> fullUrls(JsonNode bundle) {
        return entries(bundle).stream().map(e -> e.get("fullUrl").asText()).toList();
    }

    private static List<JsonNode> resources(JsonNode bundle, String type) {
        return entries(bundle).stream()
                .map(e -> e.get("resource"))
                .filter(r -> r.get("resourceType").asText().equals(type))
                .toList();
    }

    private static JsonNode only(JsonNode bundle, String type) {
        List<JsonNode> found = resources(bundle, type);
        assertThat(found).as(type).hasSize(1);
        return found.get(0);
    }

    private static List<String> fullUrlsOf(JsonNode bundle, String type) {
        return entries(bundle).stream()
                .filter(e -> e.at("/resource/resourceType").asText().equals(type))
                .map(e -> e.get("fullUrl").asText())
                .toList();
    }

    private static String fullUrlOf(JsonNode bundle, String type) {
        List<String> found = fullUrlsOf(bundle, type);
        assertThat(found).as(type).hasSize(1);
        return found.get(0);
    }

    private static List<String> references(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(r -> r.get("reference").asText())
                .toList();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> allReferences(JsonNode node) {
        List<String> found = new ArrayList<>();
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("reference") && field.getValue().isTextual()) {
                    found.add(field.getValue().asText());
                } else {
                    found.addAll(allReferences(field.getValue()));
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> found.addAll(allReferences(child)));
        }
        return found;
    }

    private static String uuid(String sender, String key, String name) {
        return UUID.nameUUIDFromBytes((sender + "|" + key + "|" + name).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
