package org.patientgate.normalize.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundleDiffTest {

    /** JSON with ' for " so the cases stay readable. */
    private static JsonNode json(String text) throws IOException {
        return BundleDiff.parse(text.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode bundle(String... resources) throws IOException {
        StringBuilder entries = new StringBuilder();
        for (String resource : resources) {
            if (entries.length() > 0) {
                entries.append(',');
            }
            entries.append("{'resource':").append(resource).append('}');
        }
        return json("{'resourceType':'Bundle','type':'collection','entry':[" + entries + "]}");
    }

    private static List<String> diff(JsonNode before, JsonNode after) {
        return BundleDiff.between(before, after).stream()
                .map(BundleDiff.Change::toString)
                .toList();
    }

    @Test
    void equalBundlesHaveNoChanges() throws IOException {
        JsonNode before = bundle("{'resourceType':'Patient','id':'p','gender':'female'}");
        JsonNode after = bundle("{'resourceType':'Patient','id':'p','gender':'female'}");

        assertThat(BundleDiff.between(before, after)).isEmpty();
    }

    @Test
    void namesAChangedValueByResourceTypeAndIndexWithinThatType() throws IOException {
        String patient = "{'resourceType':'Patient','id':'p'}";
        String obs0 = "{'resourceType':'Observation','id':'o0','valueQuantity':{'value':1,'unit':'mg/dl'}}";
        String obs1 = "{'resourceType':'Observation','id':'o1','valueQuantity':{'value':2,'unit':'mg/dl'}}";
        String obs2 = "{'resourceType':'Observation','id':'o2','valueQuantity':{'value':3,'unit':'mg/dl'}}";

        List<String> changes =
                diff(bundle(patient, obs0, obs1, obs2), bundle(patient, obs0, obs1, obs2.replace("mg/dl", "mg/dL")));

        assertThat(changes).containsExactly("Observation[2].valueQuantity.unit: \"mg/dl\" → \"mg/dL\"");
    }

    @Test
    void leavesTheIndexOutForATypeThatOccursOnceOnEachSide() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Patient','id':'p','gender':'male'}"),
                bundle("{'resourceType':'Patient','id':'p','gender':'female'}"));

        assertThat(changes).containsExactly("Patient.gender: \"male\" → \"female\"");
    }

    @Test
    void showsAnAddedRepetitionWithItsValue() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Patient','id':'p','telecom':[{'value':'1'}]}"),
                bundle("{'resourceType':'Patient','id':'p','telecom':[{'value':'1'},{'value':'2'}]}"));

        assertThat(changes).containsExactly("+ Patient.telecom[1]: {\"value\":\"2\"}");
    }

    @Test
    void showsARepetitionInsertedInFrontAsOneAddition() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Patient','id':'p','name':[{'given':['E']}]}"),
                bundle("{'resourceType':'Patient','id':'p','name':[{'given':['EVE','E']}]}"));

        assertThat(changes).containsExactly("+ Patient.name[0].given[0]: \"EVE\"");
    }

    @Test
    void showsARemovedElementWithItsOldValue() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Patient','id':'p','birthDate':'1970-01-01'}"),
                bundle("{'resourceType':'Patient','id':'p'}"));

        assertThat(changes).containsExactly("- Patient.birthDate: \"1970-01-01\"");
    }

    @Test
    void showsARemovedResourceByItsPathOnly() throws IOException {
        List<String> changes = diff(
                bundle(
                        "{'resourceType':'Patient','id':'p'}",
                        "{'resourceType':'Specimen','id':'s','type':{'text':'blood'}}"),
                bundle("{'resourceType':'Patient','id':'p'}"));

        assertThat(changes).containsExactly("- Specimen");
    }

    @Test
    void pairsResourcesByIdSoAnInsertedResourceDoesNotShiftTheOthers() throws IOException {
        String a = "{'resourceType':'Observation','id':'a','status':'final'}";
        String b = "{'resourceType':'Observation','id':'b','status':'final'}";
        String inserted = "{'resourceType':'Observation','id':'new','status':'preliminary'}";

        List<String> changes = diff(bundle(a, b), bundle(inserted, a, b));

        assertThat(changes).containsExactly("+ Observation[0]");
    }

    @Test
    void pairsResourcesWhoseIdChangedInOrder() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Patient','id':'old-id','gender':'male'}"),
                bundle("{'resourceType':'Patient','id':'new-id','gender':'male'}"));

        assertThat(changes).containsExactly("Patient.id: \"old-id\" → \"new-id\"");
    }

    @Test
    void namesBundleFieldsAndEntryFieldsApartFromResourceFields() throws IOException {
        JsonNode before = json("{'resourceType':'Bundle','timestamp':'2024-01-01','entry':["
                + "{'fullUrl':'urn:uuid:1','resource':{'resourceType':'Patient','id':'p'}}]}");
        JsonNode after = json("{'resourceType':'Bundle','timestamp':'2024-01-02','entry':["
                + "{'fullUrl':'urn:uuid:2','resource':{'resourceType':'Patient','id':'p'}}]}");

        assertThat(diff(before, after))
                .containsExactly(
                        "Bundle.timestamp: \"2024-01-01\" → \"2024-01-02\"",
                        "entry(Patient).fullUrl: \"urn:uuid:1\" → \"urn:uuid:2\"");
    }

    @Test
    void treatsADecimalWithOtherPrecisionAsChanged() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Observation','id':'o','valueQuantity':{'value':1.5}}"),
                bundle("{'resourceType':'Observation','id':'o','valueQuantity':{'value':1.50}}"));

        assertThat(changes).containsExactly("Observation.valueQuantity.value: 1.5 → 1.50");
    }

    @Test
    void showsAChangeOfJsonTypeWithBothValuesAsJson() throws IOException {
        List<String> changes = diff(
                bundle("{'resourceType':'Observation','id':'o','valueString':'5'}"),
                bundle("{'resourceType':'Observation','id':'o','valueString':5}"));

        assertThat(changes).containsExactly("Observation.valueString: \"5\" → 5");
    }

    @Test
    void cutsLongValuesSoEachChangeStaysOneLine() throws IOException {
        String longText = "x".repeat(500);

        List<String> changes = diff(
                bundle("{'resourceType':'Observation','id':'o'}"),
                bundle("{'resourceType':'Observation','id':'o','note':[{'text':'" + longText + "'}]}"));

        assertThat(changes).singleElement().satisfies(line -> {
            assertThat(line).startsWith("+ Observation.note: [{\"text\":\"xxx");
            assertThat(line).endsWith("…").hasSizeLessThan(200);
        });
    }

    @Test
    void comparesResourcesThatAreNotBundlesFromTheirType() throws IOException {
        List<String> changes = diff(
                json("{'resourceType':'Patient','gender':'male'}"),
                json("{'resourceType':'Patient','gender':'female'}"));

        assertThat(changes).containsExactly("Patient.gender: \"male\" → \"female\"");
    }
}
