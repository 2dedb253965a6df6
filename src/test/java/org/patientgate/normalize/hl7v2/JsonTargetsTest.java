package org.patientgate.normalize.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.patientgate.normalize.mapping.TargetPath;

/** Writing rule results at their {@code to:} paths. */
class JsonTargetsTest {

    static ObjectNode object(String json) throws Exception {
        return (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.replace('\'', '"'));
    }

    static JsonNode text(String s) {
        return MappingContext.JSON.textNode(s);
    }

    static TargetPath path(String p) {
        TargetPath path = TargetPath.parse(p);
        assertThat(path).as(p).isNotNull();
        return path;
    }

    static void assertJson(JsonNode actual, String expected) {
        assertThat(actual.toString()).isEqualTo(expected.replace('\'', '"'));
    }

    @Test
    void createsObjectsOnTheWay() {
        ObjectNode root = MappingContext.JSON.objectNode();
        JsonTargets.set(root, path("code.coding[0].system"), text("http://loinc.org"));
        JsonTargets.set(root, path("code.coding[0].code"), text("2345-7"));
        JsonTargets.set(root, path("code.text"), text("Glucose"));

        assertJson(root, "{'code':{'coding':[{'system':'http://loinc.org','code':'2345-7'}],'text':'Glucose'}}");
    }

    @Test
    void appendAddsOneElementPerValue() {
        ObjectNode root = MappingContext.JSON.objectNode();
        JsonTargets.set(root, path("identifier[]"), text("a"));
        JsonTargets.set(root, path("identifier[]"), text("b"));
        JsonTargets.set(root, path("name[].family"), text("Doe"));
        JsonTargets.set(root, path("name[].family"), text("Roe"));

        assertJson(root, "{'identifier':['a','b'],'name':[{'family':'Doe'},{'family':'Roe'}]}");
    }

    @Test
    void anIndexBeyondTheEndFillsWithEmptyObjects() {
        ObjectNode root = MappingContext.JSON.objectNode();
        JsonTargets.set(root, path("given[2]"), text("C"));

        assertJson(root, "{'given':[{},{},'C']}");
    }

    @Test
    void anObjectWrittenOverAnObjectIsMerged() throws Exception {
        ObjectNode root = object("{'identifier':[{'value':'123'}],'period':{'start':'2024'}}");
        JsonTargets.set(root, path("identifier[0]"), object("{'system':'urn:oid:1.2.3'}"));
        JsonTargets.set(root, path("period"), object("{'end':'2025'}"));

        assertJson(
                root,
                "{'identifier':[{'value':'123','system':'urn:oid:1.2.3'}],'period':{'start':'2024','end':'2025'}}");
    }

    @Test
    void aPrimitiveReplacesWhatIsThere() throws Exception {
        ObjectNode root = object("{'status':'preliminary','code':{'text':'x'}}");
        JsonTargets.set(root, path("status"), text("final"));
        JsonTargets.set(root, path("code"), text("y"));

        assertJson(root, "{'status':'final','code':'y'}");
    }

    @Test
    void selfMergesAnObjectAndAppendsArrays() throws Exception {
        ObjectNode root = object("{'resourceType':'Observation','extension':[{'url':'a'}]}");
        JsonTargets.set(root, TargetPath.SELF, object("{'valueString':'x','extension':[{'url':'b'}]}"));
        JsonTargets.set(root, path("."), text("ignored: not an object"));

        assertJson(root, "{'resourceType':'Observation','extension':[{'url':'a'},{'url':'b'}],'valueString':'x'}");
    }

    @Test
    void aPrimitiveOnTheWayIsReplacedByAnObject() throws Exception {
        ObjectNode root = object("{'code':'x','list':['a']}");
        JsonTargets.set(root, path("code.text"), text("t"));
        JsonTargets.set(root, path("list[0].value"), text("v"));

        assertJson(root, "{'code':{'text':'t'},'list':[{'value':'v'}]}");
    }

    @Test
    void getReadsThePathAndTheLastAppendedElement() throws Exception {
        ObjectNode root = object("{'content':[{'attachment':{'data':'A'}},{'attachment':{'data':'B'}}],'text':'t'}");

        assertThat(JsonTargets.get(root, path("content[0].attachment.data")).textValue())
                .isEqualTo("A");
        assertThat(JsonTargets.get(root, path("content[].attachment.data")).textValue())
                .isEqualTo("B");
        assertThat(JsonTargets.get(root, path("text")).textValue()).isEqualTo("t");
        assertThat(JsonTargets.get(root, path("content[5]"))).isNull();
        assertThat(JsonTargets.get(root, path("missing.data"))).isNull();
        assertThat(JsonTargets.get(root, path("text[0]"))).isNull();
        assertThat(JsonTargets.get(root, path("content[0].nothing"))).isNull();
    }

    @Test
    void pathsThatAreNotPathsAreRejected() {
        assertThat(TargetPath.parse("Code.text")).isNull();
        assertThat(TargetPath.parse("code[x]")).isNull();
        assertThat(TargetPath.parse("code[123]")).isNull();
        assertThat(TargetPath.parse("code[0")).isNull();
        assertThat(TargetPath.parse("code..text")).isNull();
        assertThat(TargetPath.parse("a[0].b[].c").toString()).isEqualTo("a[0].b[].c");
        assertThat(TargetPath.parse(" . ").isSelf()).isTrue();
    }
}
