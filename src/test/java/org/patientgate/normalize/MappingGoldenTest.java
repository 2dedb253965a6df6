package org.patientgate.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden mapping tests: every {@code golden/<structure>/<case>.hl7} converts to exactly its {@code
 * <case>.expected.json} (ids replaced by type and position, see {@link GoldenBundles}) and the result
 * validates against FHIR R4 with zero errors. The cases cover every mapped segment and datatype,
 * v2.3 to v2.8, CR, LF and CRLF separators, a UTF-8 BOM, and escapes.
 *
 * <p>After a deliberate mapping change, regenerate with {@code mvn test -Dtest=MappingGoldenTest
 * -Dgolden.update=true} and review the diff of the expected files like code.
 */
class MappingGoldenTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final ZoneId SENDER_ZONE = ZoneId.of("Europe/Berlin");

    private static Normalizer normalizer;
    private static BundleValidator validator;

    @BeforeAll
    static void load() throws Exception {
        normalizer = Normalizer.load(Path.of("mappings"), SENDER_ZONE);
        validator = new BundleValidator(FhirContext.forR4Cached());
    }

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> files = Files.walk(GOLDEN)) {
            List<Path> list =
                    files.filter(p -> p.toString().endsWith(".hl7")).sorted().toList();
            return list.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void convertsToTheExpectedValidBundle(Path input) throws Exception {
        CanonicalBundle bundle = normalizer.fromHl7v2(Files.readAllBytes(input), null);
        JsonNode actual = GoldenBundles.comparable(bundle.json());
        Path expectedFile =
                input.resolveSibling(input.getFileName().toString().replaceFirst("\\.hl7$", ".expected.json"));
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(
                    expectedFile,
                    GoldenBundles.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n");
        }
        assertThat(expectedFile).as("expected output for " + input).exists();
        JsonNode expected = GoldenBundles.JSON.readTree(expectedFile.toFile());
        assertThat(actual.toPrettyString()).isEqualTo(expected.toPrettyString());
        assertThat(validator.errors(bundle.json())).as("R4 validation errors").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void replayGivesTheSameBundle(Path input) throws Exception {
        byte[] message = Files.readAllBytes(input);
        CanonicalBundle first = normalizer.fromHl7v2(message, null);
        CanonicalBundle again = normalizer.fromHl7v2(message, null);
        assertThat(again.bundleId()).isEqualTo(first.bundleId());
        assertThat(again.json()).isEqualTo(first.json());
    }
}
