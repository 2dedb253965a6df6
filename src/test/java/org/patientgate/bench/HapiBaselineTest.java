package org.patientgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves the benchmark's HAPI-only baseline does the whole conversion, read back from its JSON. */
class HapiBaselineTest {

    private static HapiBaseline baseline;
    private static byte[] message;

    @BeforeAll
    static void setUp() {
        baseline = new HapiBaseline();
        message = NormalizeBenchmark.readMessage();
    }

    @AfterAll
    static void tearDown() throws Exception {
        baseline.close();
    }

    @Test
    void messageFileKeepsCarriageReturnSeparators() {
        String text = new String(message, StandardCharsets.UTF_8);
        assertThat(text).startsWith("MSH|^~\\&|").doesNotContain("\n").contains("\rPID|");
        assertThat(text.split("\r")).filteredOn(s -> s.startsWith("OBX|")).hasSize(10);
    }

    @Test
    void convertsTheReportIntoACollectionBundle() throws Exception {
        byte[] json = baseline.toBundleJson(message);
        Bundle bundle = baseline.fhirContext()
                .newJsonParser()
                .parseResource(Bundle.class, new String(json, StandardCharsets.UTF_8));

        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        assertThat(bundle.getEntry()).allSatisfy(e -> assertThat(e.getFullUrl()).startsWith("urn:uuid:"));
        Set<String> fullUrls = bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getFullUrl)
                .collect(Collectors.toSet());
        assertThat(fullUrls).hasSize(bundle.getEntry().size());

        List<Patient> patients = resources(bundle, Patient.class);
        assertThat(patients).hasSize(1);
        Patient patient = patients.get(0);
        assertThat(patient.getIdentifierFirstRep().getValue()).isEqualTo("PG-000123");
        assertThat(patient.getIdentifierFirstRep().getSystem()).isEqualTo("urn:oid:2.16.840.1.113883.9.999.1");
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Testperson");
        assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1980-02-14");
        assertThat(patient.getGender().toCode()).isEqualTo("female");
        assertThat(patient.getAddressFirstRep().getCity()).isEqualTo("Sampletown");
        assertThat(patient.getTelecom()).hasSize(2);

        List<DiagnosticReport> reports = resources(bundle, DiagnosticReport.class);
        assertThat(reports).hasSize(1);
        DiagnosticReport report = reports.get(0);
        assertThat(report.getStatus()).isEqualTo(DiagnosticReport.DiagnosticReportStatus.FINAL);
        assertThat(report.getCode().getCodingFirstRep().getSystem()).isEqualTo("http://loinc.org");
        assertThat(report.getCode().getCodingFirstRep().getCode()).isEqualTo("58410-2");
        assertThat(report.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2025-03-01T07:45:00+01:00");
        assertThat(report.getResult()).hasSize(10);

        List<Observation> observations = resources(bundle, Observation.class);
        assertThat(observations).hasSize(10);
        Set<String> observationUrls = bundle.getEntry().stream()
                .filter(e -> e.getResource() instanceof Observation)
                .map(Bundle.BundleEntryComponent::getFullUrl)
                .collect(Collectors.toSet());
        assertThat(report.getResult())
                .extracting(Reference::getReference)
                .containsExactlyInAnyOrderElementsOf(observationUrls);
        assertThat(observations).allSatisfy(o -> {
            assertThat(o.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
            assertThat(o.getCode().getCodingFirstRep().getSystem()).isEqualTo("http://loinc.org");
            assertThat(o.getSubject().getReference()).isEqualTo(entryUrl(bundle, patient));
            assertThat(o.hasEffectiveDateTimeType()).isTrue();
            assertThat(o.hasValue()).isTrue();
        });
        assertThat(observations)
                .filteredOn(o -> o.getValue() instanceof Quantity)
                .hasSize(8);
        assertThat(observations)
                .filteredOn(o -> o.getValue() instanceof StringType)
                .hasSize(1);
        assertThat(observations)
                .filteredOn(o -> o.getValue() instanceof CodeableConcept)
                .hasSize(1);
        Observation hemoglobin = observations.get(2);
        assertThat(hemoglobin.getValueQuantity().getValue()).isEqualByComparingTo("11.2");
        assertThat(hemoglobin.getValueQuantity().getSystem()).isEqualTo("http://unitsofmeasure.org");
        assertThat(hemoglobin.getValueQuantity().getCode()).isEqualTo("g/dL");
        assertThat(hemoglobin.getReferenceRangeFirstRep().getText()).isEqualTo("12.0-16.0");
        assertThat(hemoglobin.getInterpretationFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("L");
        assertThat(observations.get(3).getNote()).hasSize(1);
        Quantity crp = observations.get(9).getValueQuantity();
        assertThat(crp.getComparator()).isEqualTo(Quantity.QuantityComparator.LESS_THAN);
        assertThat(crp.getValue()).isEqualByComparingTo("5");

        assertThat(bundle.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .contains("Encounter", "Specimen", "Organization", "Practitioner");
    }

    @Test
    void givesTheSameBytesForTheSameMessage() throws Exception {
        assertThat(baseline.toBundleJson(message)).isEqualTo(baseline.toBundleJson(message));
    }

    private static <T extends Resource> List<T> resources(Bundle bundle, Class<T> type) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    private static String entryUrl(Bundle bundle, Resource resource) {
        return bundle.getEntry().stream()
                .filter(e -> e.getResource() == resource)
                .map(Bundle.BundleEntryComponent::getFullUrl)
                .findFirst()
                .orElseThrow();
    }
}
