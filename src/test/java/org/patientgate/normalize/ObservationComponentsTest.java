package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A repeating OBX-5 (IG ORU_R01 row 4.2.4.3.1 and OBX[Observation-Component]): the Observation gets
 * one component per value, each with the Observation's code and the value converted by OBX-2, and no
 * value[x] of its own; no repetition is lost. TX lines stay one string, and a single value (even
 * after an empty repetition) stays the Observation's value. The message is the golden case {@code
 * ORU_R01/v251-repeating-obx5-components.hl7}; this test pins the values independently of its
 * regenerated expected file.
 */
class ObservationComponentsTest {

    static final Path CASE = Path.of("src/test/resources/golden/ORU_R01/v251-repeating-obx5-components.hl7");
    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> observations;

    @BeforeAll
    static void convert() throws Exception {
        Normalizer normalizer = Normalizer.load(Path.of("mappings"), ZoneId.of("Europe/Berlin"));
        JsonNode bundle = JSON.readTree(
                normalizer.fromHl7v2(Files.readAllBytes(CASE), null).json());
        observations = new ArrayList<>();
        for (JsonNode entry : bundle.path("entry")) {
            if (entry.path("resource").path("resourceType").asText().equals("Observation")) {
                observations.add(entry.path("resource"));
            }
        }
        assertThat(observations).hasSize(7);
    }

    static JsonNode observation(String loinc) {
        return observations.stream()
                .filter(o -> o.path("code")
                        .path("coding")
                        .path(0)
                        .path("code")
                        .asText()
                        .equals(loinc))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Observation " + loinc));
    }

    /** The components, after checking each has exactly the Observation's code and one value. */
    static List<JsonNode> components(JsonNode observation, String valueElement) {
        List<String> values = new ArrayList<>();
        observation.fieldNames().forEachRemaining(name -> {
            if (name.startsWith("value")) {
                values.add(name);
            }
        });
        assertThat(values).as("value[x] beside components (obs-7)").isEmpty();
        List<JsonNode> components = new ArrayList<>();
        for (JsonNode component : observation.path("component")) {
            assertThat(component.path("code")).isEqualTo(observation.path("code"));
            List<String> names = new ArrayList<>();
            component.fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactly("code", valueElement);
            components.add(component.path(valueElement));
        }
        return components;
    }

    @Test
    void repeatingNumericGivesOneQuantityComponentPerValue() {
        List<JsonNode> values = components(observation("8480-6"), "valueQuantity");
        // 120~~118: the empty repetition is not a value
        assertThat(values).hasSize(2);
        assertThat(values.get(0).path("value").decimalValue()).isEqualByComparingTo("120");
        assertThat(values.get(1).path("value").decimalValue()).isEqualByComparingTo("118");
        for (JsonNode q : values) {
            assertThat(q.path("code").asText()).isEqualTo("mm[Hg]");
            assertThat(q.path("system").asText()).isEqualTo("http://unitsofmeasure.org");
        }
    }

    @Test
    void repeatingStringGivesOneStringComponentPerValue() {
        List<JsonNode> values = components(observation("5778-6"), "valueString");
        assertThat(values).extracting(JsonNode::asText).containsExactly("Pale yellow", "Amber & cloudy");
    }

    @Test
    void repeatingCodedValueGivesOneConceptComponentPerValue() {
        List<JsonNode> values = components(observation("600-7"), "valueCodeableConcept");
        assertThat(values)
                .extracting(v -> v.path("coding").path(0).path("code").asText())
                .containsExactly("3092008", "112283007");
    }

    @Test
    void repeatingStructuredNumericGivesOneRatioComponentPerValue() {
        List<JsonNode> values = components(observation("5048-4"), "valueRatio");
        assertThat(values)
                .extracting(v -> v.path("denominator").path("value").asText())
                .containsExactly("160", "320");
    }

    @Test
    void oneValueAfterAnEmptyRepetitionIsTheObservationsValue() {
        JsonNode glucose = observation("2345-7");
        assertThat(glucose.has("component")).isFalse();
        assertThat(glucose.path("valueQuantity").path("value").decimalValue()).isEqualByComparingTo("98");
    }

    @Test
    void textRepetitionsAreLinesOfOneString() {
        JsonNode report = observation("11529-5");
        assertThat(report.has("component")).isFalse();
        assertThat(report.path("valueString").asText()).isEqualTo("Line one\nLine two");
    }

    @Test
    void aSingleValueIsUnchanged() {
        JsonNode glucose = observation("2339-0");
        assertThat(glucose.has("component")).isFalse();
        assertThat(glucose.path("valueQuantity").path("value").decimalValue()).isEqualByComparingTo("5.4");
    }
}
