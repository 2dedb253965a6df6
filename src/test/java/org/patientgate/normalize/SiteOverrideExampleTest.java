package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.normalize.mapping.Mappings;

/**
 * The documented site example ({@code docs/examples/sites/example-lab}) installed on a copy of the
 * repository's mappings: ExampleLab's messages get the site's LOINC codes, interpretation rows, ZDS
 * segment and time zone; the same message from any other facility converts exactly as with the base
 * mappings alone.
 */
class SiteOverrideExampleTest {

    static final Path PROJECT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    static final Path MAPPINGS = PROJECT.resolve("mappings");
    static final Path EXAMPLE_SITE = PROJECT.resolve("docs/examples/sites/example-lab");
    static final Path EXAMPLE_MESSAGE = PROJECT.resolve("docs/examples/example-lab-oru-r01.hl7");

    /** Zone of senders without a site; the site sets America/Chicago. */
    static final ZoneId BASE_ZONE = ZoneId.of("UTC");

    static final String LOINC = "http://loinc.org";
    static final String LAB_CODES = "urn:patientgate:EXLIS%7CEXAMPLELAB:99EXL";
    static final String INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    static Path installed;
    static Path baseOnly;
    static Normalizer withSite;
    static Normalizer withoutSite;

    @BeforeAll
    static void install() throws Exception {
        installed = temp.resolve("installed");
        copyTree(MAPPINGS, installed);
        copyTree(EXAMPLE_SITE, installed.resolve("sites/example-lab"));
        baseOnly = temp.resolve("base");
        copyTree(MAPPINGS, baseOnly);
        withSite = Normalizer.load(installed, BASE_ZONE);
        withoutSite = Normalizer.load(baseOnly, BASE_ZONE);
    }

    @Test
    void theRepositoryMappingsHaveNoSitesOfTheirOwn() {
        // the example lives in docs/: production mappings are unchanged by it
        assertThat(MAPPINGS.resolve("sites/example-lab")).doesNotExist();
        assertThat(withoutSite.mappings().sites()).isEmpty();
    }

    @Test
    void installedExampleLoadsWithoutErrorsAsOneSite() throws Exception {
        // load() throws InvalidMappingsException on any error; reload() reads the folder again
        Mappings mappings = withSite.reload();
        assertThat(mappings.sites()).hasSize(1);
        Mappings.Site site = mappings.sites().get(0);
        assertThat(site.name()).isEqualTo("example-lab");
        assertThat(site.facilities()).containsExactly("EXAMPLELAB");
        assertThat(site.applications()).isEmpty();
        assertThat(site.set().defaultZone()).isEqualTo(ZoneId.of("America/Chicago"));
        assertThat(site.set().vocabularies()).containsKey("examplelab-obx3");
        // the base set is exactly the one loaded without the site
        assertThat(mappings.base().defaultZone()).isEqualTo(BASE_ZONE);
        assertThat(mappings.base().structures())
                .isEqualTo(withoutSite.mappings().base().structures());
        assertThat(mappings.base().datatypes())
                .isEqualTo(withoutSite.mappings().base().datatypes());
        assertThat(mappings.base().vocabularies()).doesNotContainKey("examplelab-obx3");
        assertThat(mappings.base().vocabularies().get("v2-0078").lookup("CRIT")).isNull();
        assertThat(mappings.forSender("EXLIS", "EXAMPLELAB")).isSameAs(site.set());
        assertThat(mappings.forSender("EXLIS", "OTHERLAB")).isSameAs(mappings.base());
    }

    @Test
    void exampleLabTestCodesGetLoincBesideTheLabsOwnCoding() throws Exception {
        JsonNode bundle = convert(withSite, message("EXAMPLELAB"));
        List<JsonNode> observations = resources(bundle, "Observation");
        assertThat(observations).hasSize(3);

        JsonNode glucose = observations.get(0).path("code");
        assertThat(codings(glucose)).containsExactly(LAB_CODES + "|GLU", LOINC + "|2345-7");
        assertThat(glucose.path("coding").get(1).path("display").asText())
                .isEqualTo("Glucose [Mass/volume] in Serum or Plasma");
        assertThat(glucose.path("text").asText()).isEqualTo("Glucose");
        assertThat(codings(observations.get(1).path("code"))).containsExactly(LAB_CODES + "|K", LOINC + "|2823-3");
        // a code the site table does not have keeps only the lab's coding (unmapped: drop)
        assertThat(codings(observations.get(2).path("code"))).containsExactly(LAB_CODES + "|REM");
    }

    @Test
    void componentsOfARepeatingResultCarryTheCodingTheSiteAdds() throws Exception {
        // split-copy runs after the site's add-rules: each component's code is the Observation's final code
        JsonNode bundle = convert(withSite, message("EXAMPLELAB").replace("|105|", "|105~111|"));
        JsonNode glucose = resources(bundle, "Observation").get(0);
        assertThat(glucose.has("valueQuantity")).isFalse();
        assertThat(glucose.path("component")).hasSize(2);
        List<String> values = new ArrayList<>();
        for (JsonNode component : glucose.path("component")) {
            assertThat(codings(component.path("code"))).containsExactly(LAB_CODES + "|GLU", LOINC + "|2345-7");
            assertThat(component.path("code")).isEqualTo(glucose.path("code"));
            values.add(component.path("valueQuantity").path("value").asText());
        }
        assertThat(values).containsExactly("105", "111");
    }

    @Test
    void exampleLabInterpretationSpellingsUseTheSiteRowsAndBaseRowsStay() throws Exception {
        JsonNode bundle = convert(withSite, message("EXAMPLELAB"));
        List<JsonNode> observations = resources(bundle, "Observation");
        assertThat(codings(observations.get(0).path("interpretation").get(0))).containsExactly(INTERPRETATION + "|H");
        assertThat(codings(observations.get(1).path("interpretation").get(0))).containsExactly(INTERPRETATION + "|AA");

        // base rows are still there for the site: the standard code H maps as for everyone
        JsonNode standard = convert(withSite, message("EXAMPLELAB").replace("|70-99|HI|", "|70-99|H|"));
        assertThat(codings(resources(standard, "Observation")
                        .get(0)
                        .path("interpretation")
                        .get(0)))
                .containsExactly(INTERPRETATION + "|H");
    }

    @Test
    void zdsSegmentLandsInTheDiagnosticReport() throws Exception {
        JsonNode bundle = convert(withSite, message("EXAMPLELAB"));
        List<JsonNode> reports = resources(bundle, "DiagnosticReport");
        assertThat(reports).hasSize(1);
        JsonNode report = reports.get(0);
        assertThat(report.path("conclusion").asText())
                .isEqualTo("Results reviewed; consistent with the clinical history.");
        assertThat(report.path("resultsInterpreter")).hasSize(1);
        String reference =
                report.path("resultsInterpreter").get(0).path("reference").asText();
        JsonNode practitioner = byFullUrl(bundle, reference);
        assertThat(practitioner)
                .as("resultsInterpreter resolves inside the bundle")
                .isNotNull();
        assertThat(practitioner.path("resourceType").asText()).isEqualTo("Practitioner");
        assertThat(practitioner.path("name").get(0).path("family").asText()).isEqualTo("Reviewer");
        assertThat(practitioner.path("name").get(0).path("prefix").get(0).asText())
                .isEqualTo("Dr");
        assertThat(practitioner.path("identifier").get(0).path("value").asText())
                .isEqualTo("P-77");
        // the ZDS plan writes into the report: no resource of its own
        assertThat(resources(bundle, "Practitioner")).hasSize(1);
    }

    @Test
    void exampleLabDateTimesWithoutOffsetAreChicagoTime() throws Exception {
        JsonNode bundle = convert(withSite, message("EXAMPLELAB"));
        // 4 November 2025 is after the end of daylight saving time in Chicago: CST, -06:00
        assertThat(bundle.path("timestamp").asText()).isEqualTo("2025-11-04T08:30:15-06:00");
        JsonNode report = resources(bundle, "DiagnosticReport").get(0);
        assertThat(report.path("effectiveDateTime").asText()).isEqualTo("2025-11-04T07:15:00-06:00");
        assertThat(report.path("issued").asText()).isEqualTo("2025-11-04T08:30:00-06:00");
        List<JsonNode> observations = resources(bundle, "Observation");
        assertThat(observations.get(0).path("effectiveDateTime").asText()).isEqualTo("2025-11-04T07:10:00-06:00");
        // an explicit offset is kept as sent
        JsonNode explicit = convert(withSite, message("EXAMPLELAB").replace("|20251104071000", "|20251104071000+0100"));
        assertThat(resources(explicit, "Observation")
                        .get(0)
                        .path("effectiveDateTime")
                        .asText())
                .isEqualTo("2025-11-04T07:10:00+01:00");
    }

    @Test
    void exampleLabBundleIsValidFhirR4() throws Exception {
        byte[] json = withSite.fromHl7v2(message("EXAMPLELAB").getBytes(StandardCharsets.UTF_8), null)
                .json();
        assertThat(new BundleValidator(FhirContext.forR4Cached()).errors(json))
                .as("R4 validation errors")
                .isEmpty();
    }

    @Test
    void anotherFacilityGetsTheBaseMappingOnly() throws Exception {
        String other = message("OTHERLAB");
        JsonNode bundle = convert(withSite, other);
        String otherCodes = "urn:patientgate:EXLIS%7COTHERLAB:99EXL";

        List<JsonNode> observations = resources(bundle, "Observation");
        assertThat(codings(observations.get(0).path("code"))).containsExactly(otherCodes + "|GLU");
        assertThat(codings(observations.get(1).path("code"))).containsExactly(otherCodes + "|K");
        assertThat(bundle.toString()).doesNotContain(LOINC);
        // CRIT is no base 0078 code: kept as the sender's own code, not mapped to AA
        assertThat(codings(observations.get(1).path("interpretation").get(0)))
                .containsExactly("urn:patientgate:EXLIS%7COTHERLAB:code|CRIT");
        JsonNode report = resources(bundle, "DiagnosticReport").get(0);
        assertThat(report.has("conclusion")).isFalse();
        assertThat(report.has("resultsInterpreter")).isFalse();
        assertThat(resources(bundle, "Practitioner")).isEmpty();
        // the base zone (UTC here), not the site's
        assertThat(bundle.path("timestamp").asText()).isEqualTo("2025-11-04T08:30:15+00:00");
        assertThat(report.path("effectiveDateTime").asText()).isEqualTo("2025-11-04T07:15:00+00:00");

        // and byte for byte what the mappings without the site make
        byte[] raw = other.getBytes(StandardCharsets.UTF_8);
        assertThat(new String(withSite.fromHl7v2(raw, null).json(), StandardCharsets.UTF_8))
                .isEqualTo(new String(withoutSite.fromHl7v2(raw, null).json(), StandardCharsets.UTF_8));
    }

    @Test
    void theSiteMatchesOnMsh4NotOnOtherFieldsNamingTheLab() throws Exception {
        // EXAMPLELAB also appears as assigning authority in PID-3 and OBR-3: only MSH-4.1 selects
        // the site
        String other = message("OTHERLAB");
        assertThat(other).contains("^EXAMPLELAB");
        JsonNode bundle = convert(withSite, other);
        assertThat(resources(bundle, "DiagnosticReport").get(0).has("conclusion"))
                .isFalse();
    }

    /** The example message with MSH-4 set to the given facility. */
    static String message(String facility) throws IOException {
        String text = Files.readString(EXAMPLE_MESSAGE, StandardCharsets.UTF_8);
        assertThat(text).startsWith("MSH|^~\\&|EXLIS|EXAMPLELAB|");
        return text.replaceFirst("^MSH\\|\\^~\\\\&\\|EXLIS\\|EXAMPLELAB\\|", "MSH|^~\\\\&|EXLIS|" + facility + "|");
    }

    static JsonNode convert(Normalizer normalizer, String message) throws Exception {
        return JSON.readTree(normalizer
                .fromHl7v2(message.getBytes(StandardCharsets.UTF_8), null)
                .json());
    }

    static List<JsonNode> resources(JsonNode bundle, String type) {
        List<JsonNode> list = new ArrayList<>();
        for (JsonNode entry : bundle.path("entry")) {
            if (type.equals(entry.path("resource").path("resourceType").asText())) {
                list.add(entry.path("resource"));
            }
        }
        return list;
    }

    static JsonNode byFullUrl(JsonNode bundle, String fullUrl) {
        for (JsonNode entry : bundle.path("entry")) {
            if (fullUrl.equals(entry.path("fullUrl").asText())) {
                return entry.path("resource");
            }
        }
        return null;
    }

    /** A CodeableConcept's codings as {@code system|code}. */
    static List<String> codings(JsonNode concept) {
        List<String> list = new ArrayList<>();
        for (JsonNode coding : concept.path("coding")) {
            list.add(coding.path("system").asText() + "|" + coding.path("code").asText());
        }
        return list;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                Path target = to.resolve(from.relativize(source).toString());
                try {
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
