package org.patientgate.normalize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the converter against the real {@code mappings} folder and the fhir-converter samples. */
class ConvertCommandTest {

    private static final Path MAPPINGS = Path.of("mappings");
    private static final Path SAMPLES = Path.of("src/test/resources/samples/hl7v2/fhir-converter");
    private static final Path ORU = SAMPLES.resolve("ORU-R01-RMGEAD.hl7");
    private static final Path ORU_2 = SAMPLES.resolve("ORU-R01-01.hl7");
    private static final Path ADT = SAMPLES.resolve("ADT-A01-01.hl7");
    private static final Path MDM = SAMPLES.resolve("MDM_01.hl7");
    private static final Path MDM_T02 = SAMPLES.resolve("MDM-T02-01.hl7");
    private static final Path UNMAPPED = SAMPLES.resolve("MDM-T01-01.hl7");

    @TempDir
    Path temp;

    /** One run's exit status and what it printed. */
    private record Result(int status, String out, String err) {}

    private static Result convert(Object... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] strings = Stream.of(args).map(String::valueOf).toArray(String[]::new);
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = ConvertCommand.run(strings, o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static JsonNode parse(String json) throws IOException {
        return BundleDiff.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of the real mappings folder to change for one test. */
    private Path copyOfMappings(String name) throws IOException {
        Path copy = temp.resolve(name);
        try (Stream<Path> files = Files.walk(MAPPINGS)) {
            files.forEach(source -> {
                try {
                    Files.copy(source, copy.resolve(MAPPINGS.relativize(source).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return copy;
    }

    private static void replaceIn(Path file, String text, String replacement) throws IOException {
        String content = Files.readString(file);
        assertThat(content).as("%s holds the text the test changes", file).contains(text);
        Files.writeString(file, content.replaceFirst(Pattern.quote(text), replacement));
    }

    @Test
    void printsTheBundleOfOneHl7FileOnStdout() throws IOException {
        Result result = convert("--mappings", MAPPINGS, ORU);

        assertThat(result.status()).isZero();
        JsonNode bundle = parse(result.out());
        assertThat(bundle.path("resourceType").asText()).isEqualTo("Bundle");
        assertThat(bundle.path("entry")).isNotEmpty();
        assertThat(result.err()).contains("converted 1 of 1 files (0 failed)");
    }

    @Test
    void writesOneJsonFileNamedAfterEachInputWithOut() throws IOException {
        Path out = temp.resolve("out");

        Result result = convert("--mappings", MAPPINGS, "--out", out, ORU, ADT, MDM);

        assertThat(result.status()).isZero();
        assertThat(result.out()).isEmpty();
        try (Stream<Path> written = Files.list(out)) {
            assertThat(written.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("ORU-R01-RMGEAD.json", "ADT-A01-01.json", "MDM_01.json");
        }
        assertThat(parse(Files.readString(out.resolve("ADT-A01-01.json")))
                        .path("resourceType")
                        .asText())
                .isEqualTo("Bundle");
    }

    @Test
    void printsEachBundleAfterAHeaderLineWhenSeveralFilesGoToStdout() throws IOException {
        Result result = convert("--mappings", MAPPINGS, ORU, ADT);

        assertThat(result.status()).isZero();
        String oruHeader = "==> " + ORU + " <==\n";
        String adtHeader = "==> " + ADT + " <==\n";
        assertThat(result.out()).startsWith(oruHeader).contains("\n\n" + adtHeader);
        String oruJson = result.out().substring(oruHeader.length(), result.out().indexOf("\n\n" + adtHeader));
        String adtJson = result.out().substring(result.out().indexOf(adtHeader) + adtHeader.length());
        assertThat(parse(oruJson).path("resourceType").asText()).isEqualTo("Bundle");
        assertThat(parse(adtJson).path("resourceType").asText()).isEqualTo("Bundle");
    }

    @Test
    void reportsEachFileThatCannotBeConvertedAndConvertsTheOthers() throws IOException {
        Path notHl7 = Files.writeString(temp.resolve("notes.txt"), "not a message\n");

        Result result = convert("--mappings", MAPPINGS, notHl7, UNMAPPED, ORU);

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err())
                .contains(notHl7 + ": neither HL7 v2")
                .contains(UNMAPPED + ": no mapping for message type MDM^T01")
                .contains("converted 1 of 3 files (2 failed)");
        String oruHeader = "==> " + ORU + " <==\n";
        assertThat(result.out()).startsWith(oruHeader).doesNotContain(notHl7.toString(), UNMAPPED.toString());
        assertThat(parse(result.out().substring(oruHeader.length()))
                        .path("resourceType")
                        .asText())
                .isEqualTo("Bundle");
    }

    @Test
    void expandsADirectoryToItsFilesInNameOrderSkippingHiddenFilesAndSubdirectories() throws IOException {
        Path in = Files.createDirectory(temp.resolve("in"));
        Files.copy(ORU, in.resolve("b.hl7"));
        Files.copy(ADT, in.resolve("a.hl7"));
        Files.writeString(in.resolve(".DS_Store"), "junk");
        Files.createDirectory(in.resolve("sub"));

        Result result = convert("--mappings", MAPPINGS, in);

        assertThat(result.status()).isZero();
        assertThat(result.out().lines().filter(line -> line.startsWith("==> ")))
                .containsExactly("==> " + in.resolve("a.hl7") + " <==", "==> " + in.resolve("b.hl7") + " <==");
    }

    @Test
    void refusesToOverwriteAnOutputFileWrittenForAnotherInput() throws IOException {
        Path first = Files.createDirectory(temp.resolve("first"));
        Path second = Files.createDirectory(temp.resolve("second"));
        Files.copy(ORU, first.resolve("msg.hl7"));
        Files.copy(ADT, second.resolve("msg.hl7"));
        Path out = temp.resolve("out");

        Result result =
                convert("--mappings", MAPPINGS, "--out", out, first.resolve("msg.hl7"), second.resolve("msg.hl7"));

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).contains(second.resolve("msg.hl7") + ": not written");
        // the first input's bundle stays: only the ORU makes a DiagnosticReport
        assertThat(Files.readString(out.resolve("msg.json"))).contains("\"DiagnosticReport\"");
    }

    @Test
    void rejectsAnInvalidMappingsFolderWithEveryErrorAndItsFileAndLine() throws IOException {
        Path broken = copyOfMappings("broken");
        replaceIn(broken.resolve("hl7v2/datatype/XPN.yaml"), "    to: family\n", "    to: family\n    colour: blue\n");

        Result result = convert("--mappings", broken, ORU);

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err())
                .containsPattern(
                        Pattern.quote(broken.resolve("hl7v2/datatype/XPN.yaml").toString()) + ":\\d+: .*colour");
    }

    @Test
    void rejectsAMissingMappingsFolder() {
        Result result = convert("--mappings", temp.resolve("nowhere"), ORU);

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).contains("does not exist");
    }

    @Test
    void rejectsUnknownOptionsAndAMissingFileListAsUsageErrors() {
        assertThat(convert("--mappings", MAPPINGS, "--colour", ORU).status()).isEqualTo(2);
        assertThat(convert("--mappings", MAPPINGS).status()).isEqualTo(2);
        assertThat(convert("--charset", "no-such-charset", ORU).status()).isEqualTo(2);
    }

    @Test
    void printsUsageForHelp() {
        Result result = convert("--help");

        assertThat(result.status()).isZero();
        assertThat(result.out()).startsWith("Usage:").contains("--diff", "--validate", "--out");
    }

    @Test
    void validatesTheOruSamplesWithoutErrors() {
        Result result = convert("--mappings", MAPPINGS, "--validate", "--out", temp.resolve("out"), ORU, ORU_2);

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.err()).contains("converted 2 of 2 files (0 failed), 0 invalid");
    }

    @Test
    void reportsValidationErrorsPerFileAndExitsWithOne() throws IOException {
        // a vocabulary row mapping sex M to a code outside FHIR's required AdministrativeGender set
        Path wrong = copyOfMappings("wrong-gender");
        replaceIn(wrong.resolve("vocabulary/v2-0001.csv"), "\nM,male,", "\nM,man,");

        Result result = convert("--mappings", wrong, "--validate", "--out", temp.resolve("out"), ORU_2);

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err())
                .contains(ORU_2 + ": not valid FHIR R4")
                .contains("gender")
                .contains("1 invalid");
    }

    @Test
    void diffShowsWhatAVocabularyChangeDoesAndWhichFilesItLeavesAlone() throws IOException {
        Path old = copyOfMappings("old");
        replaceIn(old.resolve("vocabulary/v2-0078.csv"), "\nH,H,High\n", "\nH,H,Above high normal\n");

        Result result = convert("--mappings", MAPPINGS, "--diff", old, ORU, ADT);

        assertThat(result.status()).isZero();
        assertThat(result.out())
                .contains(ORU + ": 1 change\n")
                .contains("  Observation.interpretation[0].coding[0].display: \"Above high normal\" → ")
                .contains(ADT + ": unchanged\n")
                .contains("1 changed, 1 unchanged, 0 failed");
    }

    @Test
    void diffShowsANameComponentThatTheOldMappingsDidNotMap() throws IOException {
        Path old = copyOfMappings("old");
        replaceIn(old.resolve("hl7v2/datatype/XPN.yaml"), "  - from: 2\n    to: given[]\n", "");

        Result result = convert("--mappings", MAPPINGS, "--diff", old, ORU_2);

        assertThat(result.status()).isZero();
        assertThat(result.out())
                .contains(ORU_2 + ": 1 change\n")
                .contains("  + Patient.name[0].given: [\"Huckleberry\"]")
                .contains("1 changed, 0 unchanged, 0 failed");
    }

    @Test
    void diffShowsAFileThatConvertsWithOnlyOneOfTheMappings() throws IOException {
        Path old = copyOfMappings("old");
        Files.delete(old.resolve("hl7v2/MDM_T02.yaml"));

        Result result = convert("--mappings", MAPPINGS, "--diff", old, MDM_T02, UNMAPPED);

        assertThat(result.status()).isZero();
        assertThat(result.out())
                .contains(MDM_T02 + ": now converts (failed with the old mappings: no mapping for message type")
                .contains(UNMAPPED + ": fails with both mappings")
                .contains("1 changed, 0 unchanged, 1 failed");
    }

    @Test
    void diffRejectsAnInvalidOldMappingsFolder() throws IOException {
        Path old = copyOfMappings("old");
        replaceIn(old.resolve("hl7v2/datatype/XPN.yaml"), "    to: family\n", "    to: family\n    colour: blue\n");

        Result result = convert("--mappings", MAPPINGS, "--diff", old, ORU);

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.err()).contains("old mappings folder").containsPattern("XPN\\.yaml:\\d+: .*colour");
    }

    @Test
    void recognisesHl7AndFhirJsonByTheirFirstBytes() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] hl7WithBom = ("\uFEFFMSH|^~\\&|").getBytes(StandardCharsets.UTF_8);

        assertThat(hl7WithBom).startsWith(bom);
        assertThat(ConvertCommand.Format.of(hl7WithBom)).isEqualTo(ConvertCommand.Format.HL7V2);
        assertThat(ConvertCommand.Format.of("\n  {\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(ConvertCommand.Format.FHIR_JSON);
        assertThat(ConvertCommand.Format.of("PID|1||".getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThat(ConvertCommand.Format.of(new byte[0])).isNull();
    }

    @Test
    void zoneAppliesToDateTimesSentWithoutAnOffset() throws IOException {
        Path message = temp.resolve("no-offset.hl7");
        Files.writeString(
                message,
                "MSH|^~\\&|LAB|HOSP|PG|HUB|20261123101500||ORU^R01^ORU_R01|Z1|P|2.5.1\r"
                        + "PID|1||123^^^HOSP^MR||DOE^JANE\r"
                        + "OBR|1|||24331-1^Lipid panel^LN|||20261123090000\r"
                        + "OBX|1|NM|2093-3^Cholesterol^LN||182|mg/dL|||||F\r",
                StandardCharsets.ISO_8859_1);

        Result shanghai = convert("--mappings", MAPPINGS, "--zone", "Asia/Shanghai", message);
        Result berlin = convert("--mappings", MAPPINGS, "--zone=Europe/Berlin", message);

        assertThat(shanghai.status()).isZero();
        assertThat(berlin.status()).isZero();
        assertThat(parse(shanghai.out()).path("timestamp").asText()).isEqualTo("2026-11-23T10:15:00+08:00");
        assertThat(parse(berlin.out()).path("timestamp").asText()).isEqualTo("2026-11-23T10:15:00+01:00");
    }

    @Test
    void unknownZoneIsAUsageError() {
        Result result = convert("--mappings", MAPPINGS, "--zone", "Mars/Olympus", ORU);

        assertThat(result.status()).isEqualTo(ConvertCommand.USAGE);
        assertThat(result.err()).contains("--zone Mars/Olympus is not a time zone id");
    }

    @Test
    void bytesThatAreNotValidInTheDeclaredCharsetAreRefusedNotMisread() throws IOException {
        Path message = temp.resolve("bad-utf8.hl7");
        byte[] head = ("MSH|^~\\&|LAB|HOSP|PG|HUB|20261123101500||ORU^R01^ORU_R01|C1|P|2.5.1||||||UNICODE UTF-8\r"
                        + "PID|1||123^^^HOSP^MR||DOE^J")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = "NE\rOBR|1|||24331-1^Lipid panel^LN\r".getBytes(StandardCharsets.ISO_8859_1);
        byte[] bytes = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xFF; // never valid in UTF-8
        System.arraycopy(tail, 0, bytes, head.length + 1, tail.length);
        Files.write(message, bytes);

        Result result = convert("--mappings", MAPPINGS, message);

        assertThat(result.status()).isEqualTo(ConvertCommand.FAILED);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains(message + ": message bytes are not valid UTF-8");
    }
}
