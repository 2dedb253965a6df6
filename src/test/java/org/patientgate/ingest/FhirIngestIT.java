package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.OperationsApi;

/**
 * The FHIR R4 endpoint with HAPI's generic client: CapabilityStatement, creates answered after the
 * durable write, validation failures as 422 OperationOutcomes kept as dead letters, unparseable input
 * as 400, a missing token as 401, and transaction Bundles.
 */
class FhirIngestIT extends HubIntegrationTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private IGenericClient client;

    @BeforeEach
    void client() {
        FHIR.getRestfulClientFactory()
                .setServerValidationMode(ca.uhn.fhir.rest.client.api.ServerValidationModeEnum.NEVER);
        client = FHIR.newRestfulGenericClient(baseUrl() + "/fhir");
        client.registerInterceptor(new BearerTokenAuthInterceptor(FHIR_TOKEN));
    }

    private OperationsApi api() {
        return new OperationsApi(baseUrl(), API_TOKEN);
    }

    @Test
    void publishesACapabilityStatementWithoutAToken() {
        IGenericClient anonymous = FHIR.newRestfulGenericClient(baseUrl() + "/fhir");
        CapabilityStatement capabilities =
                anonymous.capabilities().ofType(CapabilityStatement.class).execute();
        assertThat(capabilities.getFhirVersion()).isEqualTo(Enumerations.FHIRVersion._4_0_1);
        assertThat(capabilities.getRestFirstRep().getResource())
                .extracting(r -> r.getType())
                .contains("Bundle", "DiagnosticReport", "Observation", "Patient");
    }

    @Test
    void createsAValidPatient_with201_andTheMessageIsProcessed() {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem("urn:oid:1.2.3.4").setValue("MRN-" + UUID.randomUUID());
        patient.addName().setFamily("Doe").addGiven("Jane");
        patient.setGender(Enumerations.AdministrativeGender.FEMALE);

        MethodOutcome outcome = client.create().resource(patient).execute();

        assertThat(outcome.getCreated()).isTrue();
        String messageId = outcome.getId().getIdPart();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode message = api().get("/api/messages/" + messageId).body().get("message");
            assertThat(message.get("status").asText()).isEqualTo("PROCESSED");
            assertThat(message.get("source").asText()).isEqualTo("FHIR_REST");
        });
    }

    @Test
    void aResentBundleVersionIsAcknowledged200_withoutASecondEffect() throws Exception {
        Bundle bundle = collection("urn:uuid:" + UUID.randomUUID());
        MethodOutcome first = client.create().resource(bundle).execute();
        MethodOutcome second = client.create().resource(bundle).execute();
        assertThat(first.getCreated()).isTrue();
        assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
        JsonNode matches = api().get("/api/messages?controlId="
                        + java.net.URLEncoder.encode(
                                "Bundle|urn:ietf:rfc:3986|"
                                        + bundle.getIdentifier().getValue(),
                                "UTF-8"))
                .body();
        assertThat(matches.size()).isEqualTo(1);
    }

    @Test
    void refusesAnInvalidObservationWith422OperationOutcome_andKeepsItAsDeadLetter() throws Exception {
        Observation invalid = new Observation(); // status and code are required (1..1) in R4
        invalid.setValue(new Quantity(5));
        assertThatThrownBy(() -> client.create().resource(invalid).execute())
                .isInstanceOfSatisfying(UnprocessableEntityException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(422);
                    OperationOutcome oo = (OperationOutcome) e.getOperationOutcome();
                    assertThat(oo.getIssue()).anySatisfy(issue -> {
                        assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
                        assertThat(issue.getDiagnostics()).containsIgnoringCase("status");
                    });
                });
        JsonNode dead = api().get("/api/dead-letters?limit=500").body();
        assertThat(dead.findValuesAsText("failureCode")).contains("422");
    }

    @Test
    void refusesUnparseableJsonWith400OperationOutcome_andKeepsIt() throws Exception {
        long before = api().get("/api/dead-letters?limit=500").body().size();
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/Patient"))
                                .header("Content-Type", "application/fhir+json")
                                .header("Authorization", "Bearer " + FHIR_TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\", broken"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("OperationOutcome");
        assertThat(api().get("/api/dead-letters?limit=500").body().size()).isGreaterThan((int) before);
    }

    @Test
    void refusesAWriteWithoutTheBearerToken_with401() {
        IGenericClient anonymous = FHIR.newRestfulGenericClient(baseUrl() + "/fhir");
        Patient patient = new Patient();
        patient.addName().setFamily("Nobody");
        assertThatThrownBy(() -> anonymous.create().resource(patient).execute())
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void answersATransactionWithATransactionResponseAfterStoring() {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Patient patient = new Patient();
        patient.addName().setFamily("Roe");
        String patientRef = "urn:uuid:" + UUID.randomUUID();
        transaction
                .addEntry()
                .setFullUrl(patientRef)
                .setResource(patient)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(report(patientRef))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("DiagnosticReport");

        Bundle response = client.transaction().withBundle(transaction).execute();

        assertThat(response.getType()).isEqualTo(Bundle.BundleType.TRANSACTIONRESPONSE);
        assertThat(response.getEntry())
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
    }

    private static DiagnosticReport report(String subject) {
        DiagnosticReport report = new DiagnosticReport();
        report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
        report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24331-1", "Lipid panel")));
        report.setSubject(new Reference(subject));
        return report;
    }

    private static Bundle collection(String identifier) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        bundle.getIdentifier().setSystem("urn:ietf:rfc:3986").setValue(identifier);
        Patient patient = new Patient();
        patient.addName().setFamily("Poe");
        String ref = "urn:uuid:" + UUID.randomUUID();
        bundle.addEntry().setFullUrl(ref).setResource(patient);
        bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(report(ref));
        return bundle;
    }
}
