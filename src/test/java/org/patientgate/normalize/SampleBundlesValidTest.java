package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sample message of a mapped type (ORU^R01, ADT^A01/A04/A05/A08/A28/A31, MDM^T02) in {@code
 * samples/hl7v2/fhir-converter} converts to a bundle with zero FHIR R4 validation errors; every other
 * sample is refused with "no mapping for message type", the answer that dead-letters it for replay
 * once a mapping exists.
 */
class SampleBundlesValidTest {

    static final Path SAMPLES = Path.of("src/test/resources/samples/hl7v2/fhir-converter");
    static final Set<String> MAPPED =
            Set.of("ORU^R01", "ADT^A01", "ADT^A04", "ADT^A05", "ADT^A08", "ADT^A28", "ADT^A31", "MDM^T02");

    private static Normalizer normalizer;
    private static BundleValidator validator;

    @BeforeAll
    static void load() throws Exception {
        normalizer = Normalizer.load(Path.of("mappings"), java.time.ZoneId.of("UTC"));
        validator = new BundleValidator(FhirContext.forR4Cached());
    }

    static List<Path> samples() throws IOException {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".hl7")).sorted().toList();
        }
    }

    static Stream<Path> mappedSamples() throws IOException {
        return samples().stream().filter(p -> MAPPED.contains(messageType(p)));
    }

    static Stream<Path> otherSamples() throws IOException {
        return samples().stream().filter(p -> !MAPPED.contains(messageType(p)));
    }

    static String messageType(Path sample) {
        try {
            String text = new String(Files.readAllBytes(sample), StandardCharsets.ISO_8859_1).replace("\uFEFF", "");
            int msh = text.indexOf("MSH");
            String[] fields = text.substring(msh, text.indexOf('\n', msh) > 0 ? text.indexOf('\n', msh) : text.length())
                    .split("\\|", -1);
            String[] type = fields[8].split("\\^", -1);
            return type[0].strip() + "^" + (type.length > 1 ? type[1].strip() : "");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theSamplesCoverEveryMappedStructure() throws IOException {
        List<String> types = mappedSamples()
                .map(SampleBundlesValidTest::messageType)
                .distinct()
                .toList();
        assertThat(types).contains("ORU^R01", "ADT^A01", "ADT^A04", "ADT^A08", "ADT^A28", "ADT^A31", "MDM^T02");
        assertThat(mappedSamples().count()).isGreaterThanOrEqualTo(20);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mappedSamples")
    void mappedSampleConvertsWithZeroValidationErrors(Path sample) throws Exception {
        CanonicalBundle bundle = normalizer.fromHl7v2(Files.readAllBytes(sample), null);
        assertThat(validator.errors(bundle.json())).isEmpty();
        assertThat(new String(bundle.json(), StandardCharsets.UTF_8)).contains("\"resourceType\":\"Patient\"");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherSamples")
    void otherSampleIsRefusedAsUnmapped(Path sample) {
        assertThatThrownBy(() -> normalizer.fromHl7v2(Files.readAllBytes(sample), null))
                .isInstanceOf(UnmappableMessageException.class)
                .hasMessageContaining("no mapping for message type");
    }
}
