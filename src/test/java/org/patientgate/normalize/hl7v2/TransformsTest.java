package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.patientgate.ingest.Hl7Delimiters;
import org.patientgate.normalize.mapping.MappingLoader;
import org.patientgate.normalize.mapping.MappingSet;
import org.patientgate.normalize.mapping.Rule;
import org.patientgate.normalize.mapping.Rule.Unmapped;
import org.patientgate.normalize.mapping.TargetPath;
import org.patientgate.normalize.mapping.Vocabulary;

/**
 * Unit tests for every transform function in {@link Transforms}, called directly with a real {@link
 * MappingContext}: the segment is tokenized by {@link V2Message} and the vocabulary tables are the
 * real ones from {@code mappings/vocabulary} (plus one namespace table for the {@code lookup:} of
 * an assigning authority). Each result is compared as exact JSON text, so element order and decimal
 * precision count.
 */
class TransformsTest {

    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    /** The sender's local system prefix: sender LAB|HOSP from MSH-3 and MSH-4. */
    static final String LOCAL = "urn:patientgate:LAB%7CHOSP:";

    static final String LOINC = "http://loinc.org";
    static final String UCUM = "http://unitsofmeasure.org";
    static final String INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

    private static MappingSet set;

    @BeforeAll
    static void loadTables(@TempDir Path extra) throws Exception {
        MappingLoader loader = new MappingLoader(V2Mapper.transformNames(), ZONE);
        MappingSet real = loader.load(Path.of("mappings")).base();
        Files.createDirectories(extra.resolve("vocabulary"));
        Files.writeString(
                extra.resolve("vocabulary/test-namespaces.csv"),
                "# assigning authority namespaces -> registered identifier systems (test table)\n"
                        + "# source: test\n"
                        + "# target-system: (uri per row)\n"
                        + "code,target,display\n"
                        + "LABNS,https://lab.example.org/ids/order,Lab orders\n");
        Map<String, Vocabulary> vocabularies = new HashMap<>(real.vocabularies());
        vocabularies.putAll(loader.load(extra).base().vocabularies());
        set = new MappingSet(null, Map.of(), Map.of(), Map.of(), vocabularies, ZONE);
    }

    // ---- scaffolding ------------------------------------------------------------------------

    /** A context whose current segment is the given one (after an MSH from sender LAB|HOSP). */
    static MappingContext context(String segment) {
        List<String> texts = new ArrayList<>();
        texts.add("MSH|^~\\&|LAB|HOSP|HUB|HUB|20240131120000||ORU^R01^ORU_R01|MSG1|P|2.5.1");
        texts.add(segment);
        V2Message message = V2Message.of(texts, Hl7Delimiters.STANDARD, StandardCharsets.UTF_8);
        MappingContext context = new MappingContext(new V2Mapper(), set, "LAB|HOSP");
        context.segment(message.segments().get(1));
        context.target(MappingContext.JSON.objectNode());
        return context;
    }

    /** Field n (first repetition) of the context's segment. */
    static V2Value field(MappingContext context, int n) {
        return context.segment().first(n);
    }

    static Rule rule() {
        return rule(null, null);
    }

    static Rule rule(String lookup, Unmapped unmapped) {
        return new Rule(
                "test.yaml",
                7,
                null,
                TargetPath.SELF,
                null,
                "t",
                lookup,
                unmapped,
                false,
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** Asserts the exact JSON text; the expectation is written with ' for ". */
    static void assertJson(JsonNode actual, String expected) {
        assertThat(actual).as("transform result").isNotNull();
        assertThat(actual.toString()).isEqualTo(expected.replace('\'', '"'));
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyRegisteredTransformIsCoveredHere() {
        // A transform added to the registry must get its own tests in this class.
        assertThat(Transforms.all().keySet())
                .containsExactlyInAnyOrder(
                        "codeableConcept",
                        "mappedConcept",
                        "attachment",
                        "coding",
                        "identifierSystem",
                        "entityIdentifierSystem",
                        "obxValue",
                        "contactPoint",
                        "locationText",
                        "referenceRange",
                        "documentText");
        assertThat(V2Mapper.transformNames()).isEqualTo(Transforms.all().keySet());
    }

    // ---- codeableConcept --------------------------------------------------------------------

    @Nested
    class CodeableConcept {

        JsonNode concept(String obx3) {
            MappingContext c = context("OBX|1|NM|" + obx3 + "||5");
            return Transforms.codeableConcept(c, field(c, 3), rule());
        }

        JsonNode concept(String obx8, String lookup, Unmapped unmapped) {
            MappingContext c = context("OBX|1|NM|2345-7^Glucose^LN||5|||" + obx8);
            return Transforms.codeableConcept(c, field(c, 8), rule(lookup, unmapped));
        }

        @Test
        void primaryAndAlternateTriplets() {
            assertJson(
                    concept("2345-7^Glucose^LN^GLU^Glucose (local)^99LAB"),
                    "{'coding':[{'system':'http://loinc.org','code':'2345-7','display':'Glucose'},"
                            + "{'system':'" + LOCAL + "99LAB','code':'GLU','display':'Glucose (local)'}],"
                            + "'text':'Glucose'}");
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
            "LN, http://loinc.org",
            "ln, http://loinc.org",
            "SCT, http://snomed.info/sct",
            "I10, http://hl7.org/fhir/sid/icd-10",
            "I10C, http://hl7.org/fhir/sid/icd-10-cm",
            "UCUM, http://unitsofmeasure.org",
            "HL70078, http://terminology.hl7.org/CodeSystem/v2-0078",
            // an HL7 table the 0396 CSV does not list still gets its THO URI
            "HL79999, http://terminology.hl7.org/CodeSystem/v2-9999",
            // local coding systems keep the sender's own (encoded) name
            "99ZZZ, urn:patientgate:LAB%7CHOSP:99ZZZ",
            "L, urn:patientgate:LAB%7CHOSP:L",
            "MY LAB, urn:patientgate:LAB%7CHOSP:MY%20LAB"
        })
        void codingSystemNamesBecomeFhirSystems(String name, String system) {
            assertJson(
                    concept("X1^Display^" + name),
                    "{'coding':[{'system':'" + system + "','code':'X1','display':'Display'}],'text':'Display'}");
        }

        @Test
        void aCodeWithoutCodingSystemIsTheSendersLocalCode() {
            assertJson(concept("K123"), "{'coding':[{'system':'" + LOCAL + "code','code':'K123'}]}");
        }

        @Test
        void originalTextInComponent9WinsOverTheDisplay() {
            assertJson(
                    concept("2345-7^Glucose^LN^^^^^^Glucose, fasting"),
                    "{'coding':[{'system':'http://loinc.org','code':'2345-7','display':'Glucose'}],"
                            + "'text':'Glucose, fasting'}");
        }

        @Test
        void textOnlyGivesAConceptWithoutCoding() {
            assertJson(concept("^Free text glucose"), "{'text':'Free text glucose'}");
        }

        @Test
        void theAlternateTripletAloneIsACoding() {
            assertJson(
                    concept("^^^GLU^Glucose^99LAB"),
                    "{'coding':[{'system':'" + LOCAL + "99LAB','code':'GLU'" + ",'display':'Glucose'}]}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"^^LN", "^^^^^99LAB", "\"\"", "^^^"})
        void noCodeAndNoTextIsNothing(String obx3) {
            assertThat(concept(obx3)).isNull();
        }

        @Test
        void escapesInTheDisplayAreDecoded() {
            assertJson(
                    concept("123^Na \\T\\ K^99LAB"),
                    "{'coding':[{'system':'" + LOCAL + "99LAB','code':'123','display':'Na & K'}],'text':'Na & K'}");
        }

        @Test
        void lookupHitPutsTheMappedCodingFirst() {
            assertJson(
                    concept("H", "v2-0078", Unmapped.REJECT),
                    "{'coding':[{'system':'" + INTERPRETATION + "','code':'H','display':'High'}]}");
        }

        @Test
        void lookupHitKeepsTheSendersCodingBesideTheMappedOne() {
            assertJson(
                    concept("H^High^HL70078", "v2-0078", Unmapped.REJECT),
                    "{'coding':[{'system':'" + INTERPRETATION + "','code':'H','display':'High'},"
                            + "{'system':'http://terminology.hl7.org/CodeSystem/v2-0078','code':'H','display':'High'}],"
                            + "'text':'High'}");
        }

        @Test
        void lookupIsCaseInsensitive() {
            assertJson(
                    concept("h", "v2-0078", Unmapped.REJECT),
                    "{'coding':[{'system':'" + INTERPRETATION + "','code':'H','display':'High'}]}");
        }

        @Test
        void unmappedKeepOriginalKeepsALocalCodeUnderItsSystem() {
            assertJson(
                    concept("HX^Very high^99LOC", "v2-0078", Unmapped.KEEP_ORIGINAL),
                    "{'coding':[{'system':'" + LOCAL
                            + "99LOC','code':'HX','display':'Very high'}],'text':'Very high'}");
        }

        @Test
        void unmappedKeepOriginalWithoutSystemUsesTheSendersCodeSystem() {
            assertJson(
                    concept("HX", "v2-0078", Unmapped.KEEP_ORIGINAL),
                    "{'coding':[{'system':'" + LOCAL + "code','code':'HX'}]}");
        }

        @Test
        void unmappedKeepOriginalUnderTheHl7TableItselfIsKeptAsTextOnly() {
            // HX is not a code of HL7 table 0078: a coding in that system would be invalid.
            assertJson(concept("HX^Very high^HL70078", "v2-0078", Unmapped.KEEP_ORIGINAL), "{'text':'Very high'}");
            assertJson(concept("HX^^HL70078", "v2-0078", Unmapped.KEEP_ORIGINAL), "{'text':'HX'}");
        }

        @Test
        void unmappedKeepOriginalAsTextStillKeepsTheAlternateCodingAndOriginalText() {
            assertJson(
                    concept("HX^Very high^HL70078^VH^Very high (local)^99LOC", "v2-0078", Unmapped.KEEP_ORIGINAL),
                    "{'coding':[{'system':'" + LOCAL + "99LOC','code':'VH','display':'Very high (local)'}],"
                            + "'text':'Very high'}");
            assertJson(
                    concept("HX^^HL70078^^^^^^Markedly high", "v2-0078", Unmapped.KEEP_ORIGINAL),
                    "{'text':'Markedly high'}");
        }

        @Test
        void unmappedDropWritesNothing() {
            assertThat(concept("HX^Very high^99LOC", "v2-0078", Unmapped.DROP)).isNull();
        }

        @Test
        void unmappedRejectFailsNamingTableAndRule() {
            assertThatThrownBy(() -> concept("HX^Very high^99LOC", "v2-0078", Unmapped.REJECT))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessage("coded value: code not in table v2-0078 (test.yaml:7, unmapped: reject)");
        }

        @Test
        void aMissingLookupTableIsAMappingFailure() {
            assertThatThrownBy(() -> concept("H", "v2-9999", Unmapped.DROP))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageContaining("v2-9999 is not loaded");
        }
    }

    // ---- coding -----------------------------------------------------------------------------

    @Nested
    class Coding {

        JsonNode coding(String pv12, Rule rule) {
            MappingContext c = context("PV1|1|" + pv12);
            return Transforms.coding(c, field(c, 2), rule);
        }

        @Test
        void aMappedCodeIsTheTablesCoding() {
            assertJson(
                    coding("I", rule("v2-0004", Unmapped.KEEP_ORIGINAL)),
                    "{'system':'http://terminology.hl7.org/CodeSystem/v3-ActCode','code':'IMP',"
                            + "'display':'inpatient encounter'}");
        }

        @Test
        void anUnmappedCodeKeptOriginalIsTheSendersCoding() {
            assertJson(
                    coding("Z", rule("v2-0004", Unmapped.KEEP_ORIGINAL)), "{'system':'" + LOCAL + "code','code':'Z'}");
        }

        @Test
        void anUnmappedCodeUnderTheHl7TableGivesNoCoding() {
            assertThat(coding("Z^Other^HL70004", rule("v2-0004", Unmapped.KEEP_ORIGINAL)))
                    .isNull();
        }

        @Test
        void withoutLookupTheFirstCodingIsTheSendersPrimaryOne() {
            assertJson(
                    coding("O^Outpatient^HL70004^AMB^ambulatory^99LOC", rule()),
                    "{'system':'http://terminology.hl7.org/CodeSystem/v2-0004','code':'O','display':'Outpatient'}");
        }

        @Test
        void textOnlyOrDroppedGivesNothing() {
            assertThat(coding("^Inpatient", rule())).isNull();
            assertThat(coding("Z", rule("v2-0004", Unmapped.DROP))).isNull();
        }

        @Test
        void unmappedRejectFails() {
            assertThatThrownBy(() -> coding("Z", rule("v2-0004", Unmapped.REJECT)))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageContaining("code not in table v2-0004");
        }
    }

    // ---- mappedConcept ----------------------------------------------------------------------

    @Nested
    class MappedConcept {

        JsonNode language(String pid15, Unmapped unmapped) {
            MappingContext c = context("PID|1||123^^^HOSP^MR||Doe^John" + "|".repeat(10) + pid15);
            return Transforms.mappedConcept(c, field(c, 15), rule("v2-0296", unmapped));
        }

        @Test
        void aHitGivesOnlyTheTablesCodingAndTheText() {
            assertJson(
                    language("ENG^English^ISO6392", Unmapped.REJECT),
                    "{'coding':[{'system':'urn:ietf:bcp:47','code':'en','display':'English'}],'text':'English'}");
        }

        @Test
        void aHitWithoutTextHasNoText() {
            assertJson(
                    language("ger", Unmapped.REJECT),
                    "{'coding':[{'system':'urn:ietf:bcp:47','code':'de','display':'German'}]}");
        }

        @Test
        void aMissKeptOriginalIsText() {
            assertJson(language("TLH^Klingon^ISO6392", Unmapped.KEEP_ORIGINAL), "{'text':'Klingon'}");
            assertJson(language("TLH", Unmapped.KEEP_ORIGINAL), "{'text':'TLH'}");
        }

        @Test
        void aMissDroppedIsNothing() {
            assertThat(language("TLH^Klingon", Unmapped.DROP)).isNull();
        }

        @Test
        void aMissRejectedFails() {
            assertThatThrownBy(() -> language("TLH^Klingon", Unmapped.REJECT))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessage("coded value: code not in table v2-0296 (test.yaml:7, unmapped: reject)");
        }

        @Test
        void noCodeOrNoLookupIsNothing() {
            assertThat(language("^English", Unmapped.KEEP_ORIGINAL)).isNull();
            MappingContext c = context("PID" + "|".repeat(15) + "ENG^English");
            assertThat(field(c, 15).text()).isEqualTo("ENG");
            assertThat(Transforms.mappedConcept(c, field(c, 15), rule())).isNull();
        }

        @Test
        void identifierTypeFromTable0203() {
            MappingContext c = context("PID|1||123^^^HOSP^MR");
            V2Value type = field(c, 3).part(5);
            assertJson(
                    Transforms.mappedConcept(c, type, rule("v2-0203", Unmapped.KEEP_ORIGINAL)),
                    "{'coding':[{'system':'http://terminology.hl7.org/CodeSystem/v2-0203','code':'MR',"
                            + "'display':'Medical record number'}]}");
        }
    }

    // ---- attachment -------------------------------------------------------------------------

    @Nested
    class Attachment {

        JsonNode attachment(String type, String obx5) {
            MappingContext c = context("OBX|1|" + type + "|PDF^Report^99LAB||" + obx5);
            return Transforms.attachment(c, field(c, 5), rule());
        }

        @Test
        void base64Pdf() {
            assertJson(
                    attachment("ED", "LAB^AP^PDF^Base64^JVBERi0xLjQK"),
                    "{'contentType':'application/pdf','data':'JVBERi0xLjQK'}");
        }

        @ParameterizedTest(name = "{0}^{1} -> {2}")
        @CsvSource({
            "AP, PDF, application/pdf",
            "application, pdf, application/pdf",
            "IM, JPEG, image/jpeg",
            "IM, image/png, image/png",
            "TEXT, HTML, text/html",
            "TX, '', text/plain",
            "AU, '', audio/basic",
            "AP, '', application/octet-stream",
            "multipart, '', multipart/mixed",
            "NS, RTF, application/rtf"
        })
        void contentTypeFromTypeAndSubtype(String typeOfData, String subtype, String mime) {
            assertJson(
                    attachment("ED", "^" + typeOfData + "^" + subtype + "^Base64^AAEC"),
                    "{'contentType':'" + mime + "','data':'AAEC'}");
        }

        @Test
        void whitespaceInBase64IsRemoved() {
            assertJson(
                    attachment("ED", "^AP^PDF^Base64^JVBE Ri0x LjQK"),
                    "{'contentType':'application/pdf','data':'JVBERi0xLjQK'}");
        }

        @Test
        void hexDataIsReEncodedAsBase64() {
            assertJson(
                    attachment("ED", "^TX^plain^Hex^48656C6C6F"),
                    "{'contentType':'text/plain','data':'" + b64("Hello") + "'}");
        }

        @Test
        void invalidHexFails() {
            assertThatThrownBy(() -> attachment("ED", "^AP^octet-stream^Hex^48656"))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessage("OBX-5: ED data is not hexadecimal");
            assertThatThrownBy(() -> attachment("ED", "^AP^octet-stream^Hex^XYZW"))
                    .isInstanceOf(MappingFailure.class);
        }

        @Test
        void plainTextDataIsEncodedAsUtf8WithEscapesDecoded() {
            assertJson(
                    attachment("ED", "^TX^^A^Größe \\T\\ Gewicht\\.br\\Zeile 2"),
                    "{'contentType':'text/plain','data':'" + b64("Größe & Gewicht\nZeile 2") + "'}");
        }

        @Test
        void dataWithoutTypeStillHasAContentType() {
            // FHIR R4 att-1: an Attachment with data SHALL have a contentType.
            assertJson(attachment("ED", "^^^Base64^AAEC"), "{'contentType':'application/octet-stream','data':'AAEC'}");
        }

        @Test
        void noDataIsNothing() {
            assertThat(attachment("ED", "^AP^PDF^Base64^")).isNull();
            assertThat(attachment("ED", "^AP^PDF^Base64")).isNull();
        }

        @Test
        void referencePointerIsAUrl() {
            assertJson(
                    attachment("RP", "http://pacs.example.org/wado?study=1.2.3\\T\\series=4^PACS^IM^JPEG"),
                    "{'url':'http://pacs.example.org/wado?study=1.2.3&series=4'}");
            assertJson(attachment("rp", "http://pacs.example.org/x"), "{'url':'http://pacs.example.org/x'}");
            assertThat(attachment("RP", "^PACS^IM^JPEG")).isNull();
        }
    }

    // ---- obxValue ---------------------------------------------------------------------------

    @Nested
    class ObxValue {

        JsonNode value(String type, String obx5, String units) {
            return value(type, obx5, units, rule());
        }

        JsonNode value(String type, String obx5, String units, Rule rule) {
            MappingContext c = context("OBX|1|" + type + "|1234-5^Test^LN||" + obx5 + "|" + units);
            return Transforms.obxValue(c, field(c, 5), rule);
        }

        @Test
        void numericWithUcumUnitsKeepsPrecision() {
            assertJson(
                    value("NM", "5.40", "mmol/L^millimole per liter^UCUM"),
                    "{'valueQuantity':{'value':5.40,'unit':'millimole per liter','system':'" + UCUM
                            + "','code':'mmol/L'}}");
        }

        @Test
        void numericUnitsWithoutCodingSystemAreTextOnly() {
            assertJson(value("NM", "98", "mg/dL"), "{'valueQuantity':{'value':98,'unit':'mg/dL'}}");
        }

        @Test
        void numericWithoutUnits() {
            assertJson(value("NM", "-0.5", ""), "{'valueQuantity':{'value':-0.5}}");
            assertJson(value("NM", "+.5", ""), "{'valueQuantity':{'value':0.5}}");
        }

        @Test
        void numericWithLocalUnitSystem() {
            assertJson(
                    value("NM", "7", "U^units^99LAB"),
                    "{'valueQuantity':{'value':7,'unit':'units','system':'" + LOCAL + "99LAB','code':'U'}}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"pending", "<5", "1E3", "5,4"})
        void aNonNumericNmIsAString(String nm) {
            assertJson(value("NM", nm, "mg/dL"), "{'valueString':'" + nm + "'}");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({"<, 5", ">, 5", "<=, 5", ">=, 10"})
        void structuredNumericComparator(String comparator, String number) {
            assertJson(
                    value("SN", comparator + "^" + number, "mg/dL^^UCUM"),
                    "{'valueQuantity':{'value':" + number + ",'comparator':'" + comparator
                            + "','unit':'mg/dL','system':'" + UCUM + "','code':'mg/dL'}}");
        }

        @Test
        void structuredNumericPlainAndEquals() {
            assertJson(value("SN", "^7.0", "mg/dL"), "{'valueQuantity':{'value':7.0,'unit':'mg/dL'}}");
            assertJson(value("SN", "=^7", ""), "{'valueQuantity':{'value':7}}");
        }

        @Test
        void structuredNumericRange() {
            assertJson(
                    value("SN", "^3.5^-^5.0", "mmol/L^^UCUM"),
                    "{'valueRange':{'low':{'value':3.5,'unit':'mmol/L','system':'" + UCUM + "','code':'mmol/L'},"
                            + "'high':{'value':5.0,'unit':'mmol/L','system':'" + UCUM + "','code':'mmol/L'}}}");
        }

        @Test
        void structuredNumericRatioHasUnitsOnTheNumeratorOnly() {
            assertJson(
                    value("SN", "^1^:^128", ""),
                    "{'valueRatio':{'numerator':{'value':1},'denominator':{'value':128}}}");
            assertJson(
                    value("SN", "^1^/^2", "mg^^UCUM"),
                    "{'valueRatio':{'numerator':{'value':1,'unit':'mg','system':'" + UCUM + "','code':'mg'},"
                            + "'denominator':{'value':2}}}");
        }

        @Test
        void structuredNumericWithoutFhirStructureIsText() {
            assertJson(value("SN", "^2^+", ""), "{'valueString':'2 +'}");
            assertJson(value("SN", "<>^5", "mg^^UCUM"), "{'valueString':'<> 5 mg'}");
            assertJson(value("SN", "<^1^-^5", ""), "{'valueString':'< 1 - 5'}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"ST", "TX", "FT"})
        void textTypesAreStringsWithRepetitionsAsLines(String type) {
            assertJson(value(type, "Line one~Line two", ""), "{'valueString':'Line one\\nLine two'}");
        }

        @ParameterizedTest
        @CsvSource({"NM, 27~25", "CWE, 3092008^Staph^SCT~112283007^E. coli^SCT", "DTM, 20240101~20240102"})
        void aRepeatingValueTypeFailsWithoutSplitInsteadOfKeepingTheFirst(String type, String obx5) {
            // without split-to the second value would be dropped silently: the message is rejected instead
            assertThatThrownBy(() -> value(type, obx5, ""))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageContaining("OBX-5 of type " + type + " repeats (2 values)")
                    .hasMessageContaining("split-to")
                    .hasMessageContaining("test.yaml:7")
                    .hasMessageNotContaining("27");
        }

        @Test
        void anEmptyRepetitionDoesNotCountAsAValue() {
            assertJson(value("NM", "27~", ""), "{'valueQuantity':{'value':27}}");
        }

        @Test
        void oneRepetitionOfASplitRuleConvertsOnlyTheValueGiven() {
            MappingContext c = context("OBX|1|ST|1234-5^Test^LN||first~second|");
            c.oneRepetition(true);
            assertJson(Transforms.obxValue(c, c.segment().field(5).get(1), rule()), "{'valueString':'second'}");
            MappingContext n = context("OBX|1|NM|1234-5^Test^LN||27~25|mg^^UCUM");
            n.oneRepetition(true);
            assertJson(
                    Transforms.obxValue(n, n.segment().field(5).get(1), rule()),
                    "{'valueQuantity':{'value':25,'unit':'mg','system':'" + UCUM + "','code':'mg'}}");
        }

        @Test
        void textKeepsDelimitersAndDecodesEscapes() {
            assertJson(
                    value("ST", "Na \\T\\ K \\S\\ 2 \\F\\ 3 \\R\\ 4 \\E\\", ""),
                    "{'valueString':'Na & K ^ 2 | 3 ~ 4 \\\\'}");
            assertJson(value("TX", "a^b", ""), "{'valueString':'a^b'}");
        }

        @Test
        void formattedTextLineBreaksAndHighlighting() {
            assertJson(
                    value("FT", "\\H\\Result:\\N\\ positive\\.br\\Repeat in 2 weeks\\.sp 2\\End", ""),
                    "{'valueString':'Result: positive\\nRepeat in 2 weeks\\n\\nEnd'}");
        }

        @Test
        void codedValueIsACodeableConceptWithoutTheRulesLookup() {
            String expected = "{'valueCodeableConcept':{'coding':[{'system':'http://snomed.info/sct',"
                    + "'code':'260373001','display':'Detected'}],'text':'Detected'}}";
            assertJson(value("CWE", "260373001^Detected^SCT", ""), expected);
            assertJson(value("CE", "260373001^Detected^SCT", ""), expected);
            // the rule's lookup (e.g. for OBX-8) must not apply to OBX-5
            assertJson(value("CWE", "260373001^Detected^SCT", "", rule("v2-0078", Unmapped.REJECT)), expected);
        }

        @Test
        void codedValueWithNothingCodedIsNothing() {
            assertThat(value("CWE", "^^SCT", "")).isNull();
        }

        @ParameterizedTest(name = "{0} {1} -> {2}")
        @CsvSource({
            "DT, 2024, 2024",
            "DT, 202401, 2024-01",
            "DT, 20240131, 2024-01-31",
            "DTM, 202401311230, 2024-01-31T12:30:00+01:00",
            "DTM, 20240715083000, 2024-07-15T08:30:00+02:00",
            "DTM, 20240131123045.25-0500, 2024-01-31T12:30:45.25-05:00",
            "DTM, 20240131+0000, 2024-01-31",
            "TS, 20240131123045^S, 2024-01-31T12:30:45+01:00"
        })
        void dateTimeKeepsPrecisionAndZone(String type, String obx5, String expected) {
            assertJson(value(type, obx5, ""), "{'valueDateTime':'" + expected + "'}");
        }

        @Test
        void invalidDateTimeFailsNamingTheRule() {
            assertThatThrownBy(() -> value("DTM", "20241345", ""))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageStartingWith("OBX-5: ")
                    .hasMessageEndingWith("(test.yaml:7)");
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
            "12, 12:00:00",
            "2359, 23:59:00",
            "1230, 12:30:00",
            "123045, 12:30:45",
            "123045.5, 12:30:45.5",
            "0930+0100, 09:30:00"
        })
        void timeIsHhMmSs(String tm, String expected) {
            assertJson(value("TM", tm, ""), "{'valueTime':'" + expected + "'}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"12:30", "9", "2561", "2400", "1260", "123075"})
        void invalidTimeFails(String tm) {
            assertThatThrownBy(() -> value("TM", tm, ""))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageStartingWith("OBX-5: TM");
        }

        @Test
        void numericRange() {
            assertJson(
                    value("NR", "3.5^5.0", "mmol/L"),
                    "{'valueRange':{'low':{'value':3.5,'unit':'mmol/L'},'high':{'value':5.0,'unit':'mmol/L'}}}");
            assertJson(value("NR", "^5.0", ""), "{'valueRange':{'high':{'value':5.0}}}");
        }

        @Test
        void numericRangeWithoutNumbersIsText() {
            // an empty Range is invalid FHIR (ele-1)
            assertJson(value("NR", "low^high", ""), "{'valueString':'low^high'}");
        }

        @Test
        void encapsulatedDataIsTheR5ValueAttachmentExtension() {
            assertJson(
                    value("ED", "^AP^PDF^Base64^JVBERi0xLjQK", ""),
                    "{'extension':[{'url':'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value',"
                            + "'valueAttachment':{'contentType':'application/pdf','data':'JVBERi0xLjQK'}}]}");
            assertJson(
                    value("RP", "http://pacs.example.org/x^PACS", ""),
                    "{'extension':[{'url':'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value',"
                            + "'valueAttachment':{'url':'http://pacs.example.org/x'}}]}");
            assertThat(value("ED", "^AP^PDF^Base64^", "")).isNull();
        }

        @Test
        void unknownOrMissingTypeIsAString() {
            assertJson(value("XYZ", "some value~more", ""), "{'valueString':'some value\\nmore'}");
            assertJson(value("", "42", ""), "{'valueString':'42'}");
        }

        @Test
        void typeIsCaseInsensitive() {
            assertJson(value("nm", "1", ""), "{'valueQuantity':{'value':1}}");
        }

        @Test
        void noValueIsNothing() {
            assertThat(value("NM", "", "mg")).isNull();
            assertThat(value("ST", "", "")).isNull();
        }
    }

    // ---- referenceRange ---------------------------------------------------------------------

    @Nested
    class ReferenceRange {

        JsonNode range(String obx7, String units) {
            MappingContext c = context("OBX|1|NM|1234-5^Test^LN||4.2|" + units + "|" + obx7);
            return Transforms.referenceRange(c, field(c, 7), rule());
        }

        static final String Q = "'unit':'mmol/L','system':'" + UCUM + "','code':'mmol/L'";

        @Test
        void lowHighRangeInTheResultsUnits() {
            assertJson(
                    range("3.5-5.0", "mmol/L^^UCUM"),
                    "{'low':{'value':3.5," + Q + "},'high':{'value':5.0," + Q + "},'text':'3.5-5.0'}");
        }

        @Test
        void spacesAndNegativeBounds() {
            assertJson(range("3.5 - 5.0", ""), "{'low':{'value':3.5},'high':{'value':5.0},'text':'3.5 - 5.0'}");
            assertJson(range("-1.5-1.5", ""), "{'low':{'value':-1.5},'high':{'value':1.5},'text':'-1.5-1.5'}");
            assertJson(range("-5--1", ""), "{'low':{'value':-5},'high':{'value':-1},'text':'-5--1'}");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({"<5, high, 5", "<=5, high, 5", "< 200, high, 200", ">10, low, 10", ">=60, low, 60"})
        void oneSidedRanges(String text, String end, String number) {
            assertJson(
                    range(text, "mmol/L^^UCUM"),
                    "{'" + end + "':{'value':" + number + "," + Q + "},'text':'" + text + "'}");
        }

        @ParameterizedTest
        @ValueSource(strings = {"negative", "1.2.3-4", "see report", "<>5", ".-."})
        void anythingElseIsTextOnly(String text) {
            assertJson(range(text, "mmol/L^^UCUM"), "{'text':'" + text + "'}");
        }

        @Test
        void emptyIsNothing() {
            assertThat(range("", "mmol/L")).isNull();
            assertThat(range("\"\"", "mmol/L")).isNull();
        }
    }

    // ---- contactPoint -----------------------------------------------------------------------

    @Nested
    class ContactPoint {

        JsonNode telecom(String xtn) {
            MappingContext c = context("PID|1||123||Doe^John||||||||" + xtn);
            return Transforms.contactPoint(c, field(c, 13), rule());
        }

        @Test
        void oldStyleUnformattedNumberInXtn1() {
            assertJson(telecom("(555)555-1234"), "{'system':'phone','value':'(555)555-1234'}");
            assertJson(telecom("(555)555-1234^PRN^PH"), "{'system':'phone','value':'(555)555-1234','use':'home'}");
        }

        @Test
        void numberBuiltFromCountryAreaLocalAndExtension() {
            assertJson(
                    telecom("^WPN^PH^^1^555^5551234^99"),
                    "{'system':'phone','value':'+1 555 5551234 ext. 99','use':'work'}");
            assertJson(telecom("^PRN^PH^^^555^5551234"), "{'system':'phone','value':'555 5551234','use':'home'}");
        }

        @Test
        void periodFromXtn13And14() {
            assertJson(
                    telecom("^PRN^PH^^^555^5551234^^^^^^20010110^20020110"),
                    "{'system':'phone','value':'555 5551234','use':'home','period':{'start':'2001-01-10','end':'2002-01-10'}}");
            assertJson(
                    telecom("^PRN^PH^^^555^5551234^^^^^^^20300131"),
                    "{'system':'phone','value':'555 5551234','use':'home','period':{'end':'2030-01-31'}}");
        }

        @Test
        void invalidPeriodDateIsUnmappableNamingTheComponent() {
            assertThatThrownBy(() -> telecom("^PRN^PH^^^555^5551234^^^^^^2001X110"))
                    .isInstanceOf(MappingFailure.class)
                    .hasMessageContaining("XTN-13")
                    .hasMessageNotContaining("2001X110");
        }

        @Test
        void rankFromXtn18WhenAPositiveWholeNumber() {
            assertJson(
                    telecom("^PRN^PH^^^555^5551234^^^^^^^^^^^2"),
                    "{'system':'phone','value':'555 5551234','use':'home','rank':2}");
            assertJson(
                    telecom("^PRN^PH^^^555^5551234^^^^^^^^^^^2.0"),
                    "{'system':'phone','value':'555 5551234','use':'home','rank':2}");
            for (String notARank : new String[] {"0", "-1", "1.5", "first"}) {
                assertJson(
                        telecom("^PRN^PH^^^555^5551234^^^^^^^^^^^" + notARank),
                        "{'system':'phone','value':'555 5551234','use':'home'}");
            }
        }

        @Test
        void unformattedNumberInXtn12() {
            assertJson(
                    telecom("^PRN^PH^^^^^^^^^+15555551234"), "{'system':'phone','value':'+15555551234','use':'home'}");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
            "FX, fax, ",
            "BP, pager, ",
            "MD, other, ",
            "TDD, other, ",
            "CP, phone, mobile",
        })
        void equipmentTypes(String equipment, String system, String use) {
            String expectedUse = use == null ? "" : ",'use':'" + use + "'";
            assertJson(
                    telecom("^^" + equipment + "^^^555^5551234"),
                    "{'system':'" + system + "','value':'555 5551234'" + expectedUse + "}");
        }

        @Test
        void cellPhoneIsMobileEvenWhenTheUseCodeSaysWork() {
            assertJson(telecom("^WPN^CP^^^555^5551234"), "{'system':'phone','value':'555 5551234','use':'mobile'}");
        }

        @Test
        void emailInXtn4() {
            assertJson(
                    telecom("^NET^Internet^john.doe@example.org"), "{'system':'email','value':'john.doe@example.org'}");
            assertJson(
                    telecom("^PRN^X.400^john.doe@example.org"),
                    "{'system':'email','value':'john.doe@example.org'," + "'use':'home'}");
            assertJson(telecom("^^^john.doe@example.org"), "{'system':'email','value':'john.doe@example.org'}");
        }

        @Test
        void aPhoneWithAnAddressInXtn4StaysAPhone() {
            assertJson(
                    telecom("^PRN^PH^john.doe@example.org^^555^5551234"),
                    "{'system':'phone','value':'555 5551234','use':'home'}");
        }

        @Test
        void anEmailAddressInXtn1WithoutEquipmentIsEmail() {
            assertJson(telecom("john.doe@example.org"), "{'system':'email','value':'john.doe@example.org'}");
        }

        @Test
        void unknownCodesAreLeftOut() {
            assertJson(telecom("5551234^ORN^ZZ"), "{'system':'phone','value':'5551234'}");
        }

        @Test
        void escapesAreDecoded() {
            assertJson(telecom("^NET^Internet^a\\T\\b@example.org"), "{'system':'email','value':'a&b@example.org'}");
        }

        @Test
        void noNumberIsNothing() {
            assertThat(telecom("^PRN^PH")).isNull();
            assertThat(telecom("^NET^Internet")).isNull();
            assertThat(telecom("\"\"")).isNull();
        }
    }

    // ---- identifierSystem / entityIdentifierSystem -------------------------------------------

    @Nested
    class IdentifierSystem {

        JsonNode hd(String msh4) {
            return hd(msh4, rule());
        }

        JsonNode hd(String value, Rule rule) {
            MappingContext c = context("OBR|1|" + value);
            return Transforms.identifierSystem(c, field(c, 2), rule);
        }

        JsonNode ei(String value) {
            return ei(value, rule());
        }

        JsonNode ei(String value, Rule rule) {
            MappingContext c = context("OBR|1|" + value);
            return Transforms.entityIdentifierSystem(c, field(c, 2), rule);
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
            "HOSP^2.16.840.1.113883.19.5^ISO, urn:oid:2.16.840.1.113883.19.5",
            "^2.16.840.1.113883.19.5^iso, urn:oid:2.16.840.1.113883.19.5",
            "HOSP^550E8400-E29B-41D4-A716-446655440000^UUID, urn:uuid:550e8400-e29b-41d4-a716-446655440000",
            "HOSP^550E8400-E29B-41D4-A716-446655440000^GUID, urn:uuid:550e8400-e29b-41d4-a716-446655440000",
            "HOSP^https://hosp.example.org/mrn^URI, https://hosp.example.org/mrn",
            "HOSP^hosp.example.org^DNS, urn:patientgate:LAB%7CHOSP:id%3AHOSP",
            "^hosp.example.org^DNS, urn:patientgate:LAB%7CHOSP:id%3Ahosp.example.org",
            "HOSP, urn:patientgate:LAB%7CHOSP:id%3AHOSP",
            "ST MARY, urn:patientgate:LAB%7CHOSP:id%3AST%20MARY",
            "urn:oid:1.2.3, urn:oid:1.2.3",
            "http://hosp.example.org/ids, http://hosp.example.org/ids"
        })
        void assigningAuthority(String value, String system) {
            assertThat(hd(value).textValue()).isEqualTo(system);
        }

        @Test
        void aNamespaceIsLookedUpInTheRulesTable() {
            Rule lookup = rule("test-namespaces", Unmapped.KEEP_ORIGINAL);
            assertThat(hd("LABNS", lookup).textValue()).isEqualTo("https://lab.example.org/ids/order");
            assertThat(hd("OTHER", lookup).textValue()).isEqualTo(LOCAL + "id%3AOTHER");
            // a universal id of a known type wins over the table
            assertThat(hd("LABNS^1.2.3^ISO", lookup).textValue()).isEqualTo("urn:oid:1.2.3");
        }

        @Test
        void anHdInsideAComponentReadsItsSubcomponents() {
            MappingContext c = context("PID|1||123^^^HOSP&2.16.840.1.113883.19.5&ISO^MR");
            assertThat(Transforms.identifierSystem(c, field(c, 3).part(4), rule())
                            .textValue())
                    .isEqualTo("urn:oid:2.16.840.1.113883.19.5");
        }

        @Test
        void nothingIsNothing() {
            assertThat(hd("^^ISO")).isNull();
            assertThat(hd("")).isNull();
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
            "ORD123^LAB^2.16.840.1.113883.19.5.1^ISO, urn:oid:2.16.840.1.113883.19.5.1",
            "ORD123^LAB^https://lab.example.org/orders^URI, https://lab.example.org/orders",
            "ORD123^LAB, urn:patientgate:LAB%7CHOSP:id%3ALAB",
            "ORD123^^1.2.3^ISO, urn:oid:1.2.3"
        })
        void entityIdentifier(String value, String system) {
            assertThat(ei(value).textValue()).isEqualTo(system);
        }

        @Test
        void entityIdentifierWithoutAuthorityIsNothing() {
            assertThat(ei("ORD123")).isNull();
        }

        @Test
        void entityIdentifierNamespaceLookup() {
            assertThat(ei("ORD123^LABNS", rule("test-namespaces", Unmapped.KEEP_ORIGINAL))
                            .textValue())
                    .isEqualTo("https://lab.example.org/ids/order");
        }
    }

    // ---- locationText -----------------------------------------------------------------------

    @Nested
    class LocationText {

        JsonNode location(String pl) {
            MappingContext c = context("PV1|1|I|" + pl);
            return Transforms.locationText(c, field(c, 3), rule());
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
            "ICU^101^A^HOSP, HOSP ICU 101 A",
            "ICU^^^HOSP&2.16.840.1&ISO, HOSP ICU",
            "^^B, B",
            "ICU, ICU",
            "ICU\\T\\CCU^1, ICU&CCU 1",
            "ICU^101^A^HOSP^^N^B1^2, HOSP ICU 101 A"
        })
        void facilityPointOfCareRoomBed(String pl, String text) {
            assertThat(location(pl).textValue()).isEqualTo(text);
        }

        @Test
        void emptyIsNothing() {
            assertThat(location("^^^")).isNull();
            assertThat(location("")).isNull();
        }
    }

    // ---- documentText -----------------------------------------------------------------------

    @Nested
    class DocumentText {

        MappingContext obx(String type, String obx5) {
            return context("OBX|1|" + type + "|REPORT^Report^99LAB||" + obx5);
        }

        JsonNode text(MappingContext c) {
            return Transforms.documentText(c, field(c, 5), rule());
        }

        @ParameterizedTest
        @ValueSource(strings = {"TX", "FT", "ST"})
        void textLinesAreAPlainTextAttachment(String type) {
            assertJson(
                    text(obx(type, "Line one~Line two")),
                    "{'attachment':{'contentType':'text/plain; charset=utf-8','data':'" + b64("Line one\nLine two")
                            + "'}}");
        }

        @Test
        void formattedTextEscapesAndNonAsciiText() {
            assertJson(
                    text(obx("FT", "Befund:\\.br\\Größe \\T\\ Gewicht normal")),
                    "{'attachment':{'contentType':'text/plain; charset=utf-8','data':'"
                            + b64("Befund:\nGröße & Gewicht normal") + "'}}");
        }

        @Test
        void linesOfFollowingObxSegmentsAreAppended() {
            MappingContext c = obx("TX", "Second line");
            ObjectNode document = MappingContext.JSON.objectNode();
            ObjectNode attachment = document.putArray("content").addObject().putObject("attachment");
            attachment.put("contentType", "text/plain; charset=utf-8");
            attachment.put("data", b64("First line"));
            c.target(document);
            assertJson(
                    text(c),
                    "{'attachment':{'contentType':'text/plain; charset=utf-8','data':'" + b64("First line\nSecond line")
                            + "'}}");
        }

        @Test
        void aPreviousNonTextAttachmentIsNotAppendedTo() {
            MappingContext c = obx("TX", "Second line");
            ObjectNode document = MappingContext.JSON.objectNode();
            ObjectNode attachment = document.putArray("content").addObject().putObject("attachment");
            attachment.put("contentType", "application/pdf");
            attachment.put("data", "JVBERi0xLjQK");
            c.target(document);
            assertJson(
                    text(c),
                    "{'attachment':{'contentType':'text/plain; charset=utf-8','data':'" + b64("Second line") + "'}}");
        }

        @Test
        void encapsulatedDocument() {
            assertJson(
                    text(obx("ED", "^AP^PDF^Base64^JVBERi0xLjQK")),
                    "{'attachment':{'contentType':'application/pdf','data':'JVBERi0xLjQK'}}");
            assertThat(text(obx("ED", "^AP^PDF^Base64^"))).isNull();
        }

        @Test
        void noTextIsNothing() {
            assertThat(text(obx("TX", ""))).isNull();
            assertThat(text(obx("TX", "~"))).isNull();
        }
    }

    @Test
    void localSystemsAreNamedAfterTheSender() {
        MappingContext c = context("OBX|1");
        assertThat(List.of(c.localSystem("code"), c.codeSystem(""), c.codeSystem(null), c.codeSystem(" ")))
                .containsOnly(LOCAL + "code");
    }
}
