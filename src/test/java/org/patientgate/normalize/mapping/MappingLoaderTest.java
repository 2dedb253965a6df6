package org.patientgate.normalize.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.normalize.hl7v2.V2Mapper;

/**
 * The loader's error reports: each case copies the repository's mappings folder, breaks one thing
 * and checks that the error names the file (relative to the folder), the line of the rule, plan or
 * row, and what is wrong, and that nothing else is reported; several breaks are all reported in one
 * load; the unbroken copy loads.
 */
class MappingLoaderTest {

    static final Path MAPPINGS =
            Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("mappings");

    static final ZoneId ZONE = ZoneId.of("UTC");

    @TempDir
    Path temp;

    Path root;

    @BeforeEach
    void copyMappings() throws IOException {
        root = temp.resolve("mappings");
        copyTree(MAPPINGS, root);
    }

    // --- a valid folder ---------------------------------------------------------------------

    @Test
    void theRepositoryMappingsLoadWithoutErrors() throws Exception {
        Mappings mappings = load();
        assertThat(mappings.base().structures()).containsKeys("ADT_A01", "MDM_T02", "ORU_R01");
        assertThat(mappings.base().triggers()).containsEntry("ORU^R01", "ORU_R01");
        assertThat(mappings.base().datatypes()).containsKeys("CX", "XCN", "XPN");
        assertThat(mappings.base().vocabularies()).containsKeys("v2-0078", "v2-0396");
        assertThat(mappings.base().defaultZone()).isEqualTo(ZONE);
        assertThat(mappings.sites()).isEmpty();
        long files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".csv"))
                    .count();
        }
        assertThat(mappings.fileCount()).isEqualTo((int) files);
    }

    @Test
    void aMissingFolderIsOneError() {
        List<MappingError> errors = errors(temp.resolve("nowhere"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.line()).isZero();
            assertThat(e.message()).isEqualTo("mappings folder does not exist");
        });
    }

    // --- one broken thing, one error --------------------------------------------------------

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        Path file = root.resolve("hl7v2/ADT_A01.yaml");
        replace(file, "    resource: Patient\n", "    resource: Patient: Person\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/ADT_A01.yaml");
        assertThat(error.line()).isEqualTo(lineOf(file, "resource: Patient: Person"));
        assertThat(error.message()).startsWith("YAML syntax: ");
        assertThat(error.toString()).startsWith("hl7v2/ADT_A01.yaml:" + error.line() + ": YAML syntax");
    }

    @Test
    void unknownKeyInARuleNamesTheKeyAndItsLine() throws IOException {
        Path file = root.resolve("hl7v2/segment/PID.yaml");
        replace(file, "    type: date ", "    tpye: date ");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/segment/PID.yaml");
        assertThat(error.line()).isEqualTo(lineOf(file, "tpye: date"));
        assertThat(error.message()).startsWith("unknown key tpye (allowed: ").contains("type", "transform");
    }

    @Test
    void unknownTransformNamesTheRuleAndTheKnownOnes() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    transform: obxValue\n    split-to:", "    transform: obxVal\n    split-to:");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/segment/OBX.yaml");
        assertThat(error.line()).isEqualTo(lineOf(file, "- from: OBX-5\n    to: .\n    transform: obxVal\n"));
        assertThat(error.message())
                .startsWith("transform obxVal is not a known function")
                .contains("obxValue", "codeableConcept");
    }

    @Test
    void splitToMustAppend() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    split-to: component[]\n", "    split-to: component\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/segment/OBX.yaml");
        assertThat(error.line())
                .isEqualTo(lineOf(file, "- from: OBX-5\n    to: .\n    transform: obxValue\n    split-to"));
        assertThat(error.message()).isEqualTo("split-to: component is not an appending element path (component[])");
    }

    @Test
    void splitToExcludesRepeatAndSplitCopyNeedsSplitTo() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    split-to: component[]\n", "    split-to: component[]\n    repeat: true\n");
        replace(
                file,
                "    to: effectiveDateTime\n    type: dateTime\n    when:",
                "    to: effectiveDateTime\n" + "    type: dateTime\n    split-copy: [code]\n    when:");
        assertThat(errors(root))
                .extracting(MappingError::message)
                .containsExactlyInAnyOrder(
                        "split-to: and repeat: true exclude each other (split-to reads every repetition)",
                        "split-copy: without split-to:");
    }

    @Test
    void splitCopyNamesElements() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    split-copy: [code]\n", "    split-copy: [code.coding]\n");
        assertThat(single(errors(root)).message())
                .isEqualTo("split-copy: code.coding is not an element name of the resource (code)");
    }

    @Test
    void lookupInATableThatDoesNotExist() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    lookup: v2-0078\n", "    lookup: v2-0079\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/segment/OBX.yaml");
        assertThat(error.line()).isEqualTo(lineOf(file, "- from: OBX-8\n"));
        assertThat(error.message()).isEqualTo("lookup table v2-0079 not found (vocabulary/v2-0079.csv)");
    }

    @Test
    void deletedTableIsReportedAtEveryRuleThatLooksItUp() throws IOException {
        Files.delete(root.resolve("vocabulary/v2-0078.csv"));
        List<MappingError> errors = errors(root);
        assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e.message())
                .isEqualTo("lookup table v2-0078 not found (vocabulary/v2-0078.csv)"));
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line)
                .contains(tuple(
                        "hl7v2/segment/OBX.yaml", lineOf(root.resolve("hl7v2/segment/OBX.yaml"), "- from: OBX-8\n")));
    }

    @Test
    void tableATransformReadsByNameIsRequiredWhereTheTransformIsUsed() throws IOException {
        Files.delete(root.resolve("vocabulary/v2-0201.csv"));
        List<MappingError> errors = errors(root);
        assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e.message())
                .isEqualTo("transform contactPoint reads table v2-0201, not found (vocabulary/v2-0201.csv)"));
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line)
                .contains(tuple(
                        "hl7v2/segment/PID.yaml", lineOf(root.resolve("hl7v2/segment/PID.yaml"), "- from: PID-13\n")));
    }

    @Test
    void lookupWithoutUnmappedDecision() throws IOException {
        Path file = root.resolve("hl7v2/segment/OBX.yaml");
        replace(file, "    lookup: v2-0078\n    unmapped: keep-original\n", "    lookup: v2-0078\n");
        MappingError error = single(errors(root));
        assertThat(error.line()).isEqualTo(lineOf(file, "- from: OBX-8\n"));
        assertThat(error.message()).isEqualTo("lookup needs unmapped: reject | keep-original | drop");
    }

    @Test
    void badFieldPath() throws IOException {
        Path file = root.resolve("hl7v2/segment/PID.yaml");
        replace(file, "  - from: PID-19 ", "  - from: PID-x ");
        List<MappingError> errors = errors(root);
        // one error, at the rule's line: a bad path is not also reported as a rule without a source
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line, MappingError::message)
                .containsExactly(tuple(
                        "hl7v2/segment/PID.yaml",
                        lineOf(file, "- from: PID-x"),
                        "from: PID-x is not a field path (PID-3, OBX-5.1, 4.2)"));
    }

    @Test
    void badTargetPath() throws IOException {
        Path file = root.resolve("hl7v2/segment/PID.yaml");
        replace(file, "    to: birthDate\n", "    to: Birth-Date\n");
        MappingError error = single(errors(root));
        assertThat(error.line()).isEqualTo(lineOf(file, "- from: PID-7\n"));
        assertThat(error.message()).isEqualTo("to: Birth-Date is not a FHIR element path");
    }

    @Test
    void missingSegmentMapReferencedByAnEntryFile() throws IOException {
        Files.delete(root.resolve("hl7v2/segment/SPM.yaml"));
        Path entry = root.resolve("hl7v2/ORU_R01.yaml");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/ORU_R01.yaml");
        assertThat(error.line()).isEqualTo(lineOf(entry, "- name: specimen\n"));
        assertThat(error.message()).isEqualTo("segment map SPM not found (hl7v2/segment/SPM.yaml)");
    }

    @Test
    void misspelledMapNameInAnEntryFile() throws IOException {
        Path entry = root.resolve("hl7v2/ORU_R01.yaml");
        replace(entry, "    map: OBX-presentedForm\n", "    map: OBX-presentedFrom\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/ORU_R01.yaml");
        assertThat(error.line()).isEqualTo(lineOf(entry, "- name: report-form\n"));
        assertThat(error.message()).contains("segment map OBX-presentedFrom not found");
    }

    @Test
    void missingDatatypeMapIsReportedAtTheRuleThatNamesIt() throws IOException {
        Files.delete(root.resolve("hl7v2/datatype/XON.yaml"));
        Path obx = root.resolve("hl7v2/segment/OBX.yaml");
        List<MappingError> errors = errors(root);
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line, MappingError::message)
                .contains(tuple(
                        "hl7v2/segment/OBX.yaml",
                        lineOf(obx, "- from: OBX-23 "),
                        "type XON is neither a primitive nor a datatype map in hl7v2/datatype/"));
        // and nothing but that rule: its create: then has no datatype map either
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line)
                .containsOnly(tuple("hl7v2/segment/OBX.yaml", lineOf(obx, "- from: OBX-23 ")));
    }

    @Test
    void parentThatIsNotAnEarlierPlan() throws IOException {
        Path entry = root.resolve("hl7v2/ORU_R01.yaml");
        replace(entry, "    parent: observation\n", "    parent: observations\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/ORU_R01.yaml");
        assertThat(error.line()).isEqualTo(lineOf(entry, "- name: observation-note\n"));
        assertThat(error.message()).isEqualTo("parent observations is not a resource named earlier in the file");
    }

    @Test
    void unknownKeyInAPlan() throws IOException {
        Path entry = root.resolve("hl7v2/ORU_R01.yaml");
        replace(entry, "    required: true\n  - name: encounter", "    requierd: true\n  - name: encounter");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/ORU_R01.yaml");
        assertThat(error.line()).isEqualTo(lineOf(entry, "requierd: true"));
        assertThat(error.message()).startsWith("unknown key requierd (allowed: ");
    }

    // --- vocabulary tables -------------------------------------------------------------------

    @Test
    void duplicateCodeInATable() throws IOException {
        Path table = root.resolve("vocabulary/v2-0078.csv");
        append(table, "H,HH,Critical high\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("vocabulary/v2-0078.csv");
        assertThat(error.line()).isEqualTo(lineCount(table));
        assertThat(error.message()).isEqualTo("code appears twice");
    }

    @Test
    void rowWithoutATarget() throws IOException {
        Path table = root.resolve("vocabulary/v2-0001.csv");
        append(table, "X,,Unknown sex\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("vocabulary/v2-0001.csv");
        assertThat(error.line()).isEqualTo(lineCount(table));
        assertThat(error.message()).isEqualTo("row needs a code and a target");
    }

    @Test
    void tableWithoutTheHeaderRow() throws IOException {
        Path table = root.resolve("vocabulary/v2-0001.csv");
        replace(table, "code,target,display\n", "v2,fhir,display\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("vocabulary/v2-0001.csv");
        assertThat(error.line()).isEqualTo(lineOf(table, "v2,fhir,display"));
        assertThat(error.message()).isEqualTo("header must be code,target,display[,system]");
    }

    // --- sites -------------------------------------------------------------------------------

    @Test
    void siteWithoutMatch() throws IOException {
        Path site = site("st-elsewhere", "version: 1\nsource: test\ndefault-zone: Europe/Berlin\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.line()).isEqualTo(1);
        assertThat(error.message()).startsWith("match: {sending-facility: [...]} is required");
        assertThat(site).exists();
    }

    @Test
    void siteMatchWithAMisspelledKeyMatchesNothing() throws IOException {
        Path site = site("st-elsewhere", "version: 1\nsource: test\nmatch:\n  sending-facilty: [ELSEWHERE]\n");
        List<MappingError> errors = errors(root);
        assertThat(errors)
                .extracting(MappingError::file, MappingError::line)
                .containsOnly(tuple("sites/st-elsewhere/site.yaml", lineOf(site, "sending-facilty")));
        assertThat(errors).extracting(MappingError::message).anySatisfy(m -> assertThat(m)
                .startsWith("unknown key sending-facilty"));
    }

    @Test
    void siteWithABadDefaultZone() throws IOException {
        Path site = site(
                "st-elsewhere",
                "version: 1\nsource: test\nmatch:\n  sending-facility: [ELSEWHERE]\ndefault-zone: Europe/Atlantis\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.line()).isEqualTo(lineOf(site, "default-zone:"));
        assertThat(error.message()).isEqualTo("default-zone is not a time zone id");
    }

    @Test
    void siteFolderWithoutSiteYaml() throws IOException {
        Files.createDirectories(root.resolve("sites/st-elsewhere/vocabulary"));
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.message()).startsWith("cannot be read");
    }

    @Test
    void badRuleAddedBySiteIsReportedInTheSiteFile() throws IOException {
        Path site = site(
                "st-elsewhere",
                """
                version: 1
                source: test
                match:
                  sending-facility: [ELSEWHERE]
                add-rules:
                  OBX:
                    - from: OBX-3
                      to: code
                      transform: loincConcept
                """);
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.line()).isEqualTo(lineOf(site, "- from: OBX-3"));
        assertThat(error.message()).startsWith("transform loincConcept is not a known function");
    }

    @Test
    void siteAddingRulesToASegmentMapThatDoesNotExist() throws IOException {
        Path site = site(
                "st-elsewhere",
                """
                version: 1
                source: test
                match:
                  sending-facility: [ELSEWHERE]
                add-rules:
                  OBX-Observation:
                    - from: OBX-3
                      to: code
                      transform: codeableConcept
                """);
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.line()).isEqualTo(lineOf(site, "- from: OBX-3"));
        assertThat(error.message()).isEqualTo("add-rules names segment map OBX-Observation, which does not exist");
    }

    @Test
    void siteAddingResourcesToAnEntryFileThatDoesNotExist() throws IOException {
        Path site = site(
                "st-elsewhere",
                """
                version: 1
                source: test
                match:
                  sending-facility: [ELSEWHERE]
                add-resources:
                  ORU_R0l:
                    - name: note
                      segment: NTE
                      parent: patient
                      into: true
                """);
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/site.yaml");
        assertThat(error.line()).isEqualTo(lineOf(site, "- name: note"));
        assertThat(error.message())
                .isEqualTo("add-resources names entry file hl7v2/ORU_R0l.yaml, which does not exist");
    }

    @Test
    void brokenFileInsideASiteIsNamedWithTheSitePrefix() throws IOException {
        site("st-elsewhere", "version: 1\nsource: test\nmatch:\n  sending-facility: [ELSEWHERE]\n");
        Path table = root.resolve("sites/st-elsewhere/vocabulary/v2-0078.csv");
        Files.createDirectories(table.getParent());
        Files.writeString(table, "# target-system: http://example.org/x\ncode,target,display\nX,H,High\nX,L,Low\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("sites/st-elsewhere/vocabulary/v2-0078.csv");
        assertThat(error.line()).isEqualTo(4);
        assertThat(error.message()).isEqualTo("code appears twice");
    }

    @Test
    void baseErrorIsReportedOnceWhateverTheNumberOfSites() throws IOException {
        Path file = root.resolve("hl7v2/segment/PID.yaml");
        replace(file, "    type: date ", "    tpye: date ");
        site("site-a", "version: 1\nsource: test\nmatch:\n  sending-facility: [A]\n");
        site("site-b", "version: 1\nsource: test\nmatch:\n  sending-application: [B]\n");
        MappingError error = single(errors(root));
        assertThat(error.file()).isEqualTo("hl7v2/segment/PID.yaml");
        assertThat(error.line()).isEqualTo(lineOf(file, "tpye: date"));
    }

    @Test
    void siteTableRowsTakeTheBaseSystemWhenTheyNameNone() throws Exception {
        site("st-elsewhere", "version: 1\nsource: test\nmatch:\n  sending-facility: [ELSEWHERE]\n");
        Path table = root.resolve("sites/st-elsewhere/vocabulary/v2-0078.csv");
        Files.createDirectories(table.getParent());
        Files.writeString(table, "code,target,display\nCRIT,AA,Critical abnormal\nH,HH,Critical high\n");
        Mappings mappings = load();
        Vocabulary base = mappings.base().vocabularies().get("v2-0078");
        Vocabulary site = mappings.sites().get(0).set().vocabularies().get("v2-0078");
        String system = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
        assertThat(site.lookup("CRIT")).isEqualTo(new Vocabulary.Concept(system, "AA", "Critical abnormal"));
        // a site row replaces the base row with the same code, for the site only
        assertThat(site.lookup("H").code()).isEqualTo("HH");
        assertThat(base.lookup("H").code()).isEqualTo("H");
        assertThat(base.lookup("CRIT")).isNull();
        // the other base rows stay
        assertThat(site.lookup("L")).isEqualTo(base.lookup("L"));
        assertThat(site.size()).isEqualTo(base.size() + 1);
    }

    @Test
    void validSiteLoadsWithItsSendersAndZone() throws Exception {
        site(
                "st-elsewhere",
                "version: 1\nsource: test\nsite: elsewhere\nmatch:\n  sending-facility: [ELSEWHERE, ELSEWHERE2]\n"
                        + "  sending-application: [ELSE_LIS]\ndefault-zone: Asia/Tokyo\n");
        Mappings mappings = load();
        assertThat(mappings.sites()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("elsewhere");
            assertThat(s.facilities()).containsExactly("ELSEWHERE", "ELSEWHERE2");
            assertThat(s.applications()).containsExactly("ELSE_LIS");
            assertThat(s.set().defaultZone()).isEqualTo(ZoneId.of("Asia/Tokyo"));
        });
        MappingSet site = mappings.sites().get(0).set();
        assertThat(mappings.forSender("ANY", "ELSEWHERE2")).isSameAs(site);
        assertThat(mappings.forSender("ELSE_LIS", "SOMEWHERE")).isSameAs(site);
        assertThat(mappings.forSender("ANY", "SOMEWHERE")).isSameAs(mappings.base());
    }

    // --- several errors ----------------------------------------------------------------------

    @Test
    void severalErrorsInOneLoadAreAllReported() throws IOException {
        Path pid = root.resolve("hl7v2/segment/PID.yaml");
        replace(pid, "    type: date ", "    tpye: date ");
        Path obx = root.resolve("hl7v2/segment/OBX.yaml");
        replace(obx, "    transform: obxValue\n    split-to:", "    transform: obxVal\n    split-to:");
        Path table = root.resolve("vocabulary/v2-0078.csv");
        append(table, "H,HH,Critical high\n");
        Path site = site(
                "st-elsewhere",
                "version: 1\nsource: test\nmatch:\n  sending-facility: [ELSEWHERE]\ndefault-zone: UTC+25\n");

        InvalidMappingsException thrown = thrown(root);
        assertThat(thrown.errors())
                .extracting(MappingError::file, MappingError::line)
                .containsExactlyInAnyOrder(
                        tuple("hl7v2/segment/PID.yaml", lineOf(pid, "tpye: date")),
                        tuple(
                                "hl7v2/segment/OBX.yaml",
                                lineOf(obx, "- from: OBX-5\n    to: .\n    transform: obxVal\n")),
                        tuple("vocabulary/v2-0078.csv", lineCount(table)),
                        tuple("sites/st-elsewhere/site.yaml", lineOf(site, "default-zone:")));
        assertThat(thrown.getMessage())
                .startsWith("4 mapping error(s): ")
                .contains("hl7v2/segment/PID.yaml:" + lineOf(pid, "tpye: date") + ": unknown key tpye");
    }

    // --- helpers -----------------------------------------------------------------------------

    Mappings load() throws InvalidMappingsException {
        return new MappingLoader(V2Mapper.transformNames(), V2Mapper.tablesReadByTransforms(), ZONE).load(root);
    }

    static InvalidMappingsException thrown(Path folder) {
        MappingLoader loader = new MappingLoader(V2Mapper.transformNames(), V2Mapper.tablesReadByTransforms(), ZONE);
        try {
            loader.load(folder);
        } catch (InvalidMappingsException e) {
            return e;
        }
        throw new AssertionError("expected " + folder + " to have mapping errors");
    }

    static List<MappingError> errors(Path folder) {
        List<MappingError> errors = thrown(folder).errors();
        assertThat(errors).isNotEmpty();
        return errors;
    }

    static MappingError single(List<MappingError> errors) {
        assertThat(errors).as("errors reported").hasSize(1);
        return errors.get(0);
    }

    Path site(String name, String yaml) throws IOException {
        Path dir = root.resolve("sites").resolve(name);
        Files.createDirectories(dir);
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    /** Replaces text that occurs exactly once in the file. */
    static void replace(Path file, String old, String replacement) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int at = text.indexOf(old);
        assertThat(at).as("%s contains %s", file, old).isNotNegative();
        assertThat(text.indexOf(old, at + 1))
                .as("%s contains %s once", file, old)
                .isNegative();
        Files.writeString(file, text.replace(old, replacement), StandardCharsets.UTF_8);
    }

    static void append(Path file, String text) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(content).endsWith("\n");
        Files.writeString(file, content + text, StandardCharsets.UTF_8);
    }

    /** The 1-based line where text (which occurs once) starts. */
    static int lineOf(Path file, String text) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int at = content.indexOf(text);
        assertThat(at).as("%s contains %s", file, text).isNotNegative();
        assertThat(content.indexOf(text, at + 1))
                .as("%s contains %s once", file, text)
                .isNegative();
        return (int) content.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    static int lineCount(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).size();
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
