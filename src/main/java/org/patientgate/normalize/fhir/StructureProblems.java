package org.patientgate.normalize.fhir;

import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ScalarType;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Collects what makes input not FHIR R4 JSON while HAPI parses it (one instance per parse). HAPI's
 * default handler only logs and then drops the offending element, which would lose content
 * silently; an element R4 does not define is usually a sign of STU3 or R5 content. A JSON scalar of
 * the wrong kind ({@code "id": 1}) is tolerated because HAPI keeps its text and the output writes it
 * correctly; a wrong shape (an object where R4 has an array) is not. Findings name elements, never
 * values, so they can go into a dead-letter reason.
 */
final class StructureProblems implements IParserErrorHandler {

    private static final Pattern ELEMENT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_\\-\\[\\]]{0,63}");
    private static final int SHOWN = 5;

    private final List<String> problems = new ArrayList<>();

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The first findings and how many more, for an exception message. */
    String summary() {
        String shown = String.join("; ", problems.subList(0, Math.min(SHOWN, problems.size())));
        return problems.size() > SHOWN ? shown + "; and " + (problems.size() - SHOWN) + " more" : shown;
    }

    @Override
    public void unknownElement(IParseLocation location, String elementName) {
        problems.add("unknown element " + name(elementName) + in(location));
    }

    @Override
    public void unknownAttribute(IParseLocation location, String attributeName) {
        problems.add("unknown attribute " + name(attributeName) + in(location));
    }

    @Override
    public void incorrectJsonType(
            IParseLocation location,
            String elementName,
            ValueType expectedValueType,
            ScalarType expectedScalarType,
            ValueType foundValueType,
            ScalarType foundScalarType) {
        if (expectedValueType == ValueType.SCALAR && foundValueType == ValueType.SCALAR) {
            return;
        }
        problems.add("element " + name(elementName) + in(location) + " must be "
                + kind(expectedValueType, expectedScalarType) + " but is " + kind(foundValueType, foundScalarType));
    }

    @Override
    public void invalidValue(IParseLocation location, String value, String error) {
        // HAPI's error text quotes the value; only the element is named here.
        String element = location == null ? null : location.getParentElementName();
        problems.add(element == null ? "an invalid value" : "invalid value in element " + name(element));
    }

    @Override
    public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
        problems.add("element " + name(elementName) + in(location) + " repeats but R4 allows one value");
    }

    @Override
    public void missingRequiredElement(IParseLocation location, String elementName) {
        problems.add("required element " + name(elementName) + in(location) + " is missing");
    }

    @Override
    public void containedResourceWithNoId(IParseLocation location) {
        problems.add("a contained resource has no id");
    }

    @Override
    public void extensionContainsValueAndNestedExtensions(IParseLocation location) {
        problems.add("an extension" + in(location) + " has both a value and nested extensions");
    }

    @Override
    public void unknownReference(IParseLocation location, String reference) {
        // The reduction's reference rule handles references that do not resolve.
    }

    @Override
    public void invalidInternalReference(IParseLocation location, String reference) {
        // As above: a '#id' without a matching contained resource is an unresolvable reference.
    }

    private static String in(IParseLocation location) {
        String parent = location == null ? null : location.getParentElementName();
        return parent == null ? "" : " in " + name(parent);
    }

    private static String name(String element) {
        return element != null && ELEMENT_NAME.matcher(element).matches() ? "'" + element + "'" : "(unnamed)";
    }

    private static String kind(ValueType valueType, ScalarType scalarType) {
        if (valueType == ValueType.ARRAY) {
            return "an array";
        }
        if (valueType == ValueType.OBJECT) {
            return "an object";
        }
        if (valueType == ValueType.NULL) {
            return "null";
        }
        return scalarType == null ? "a value" : "a " + scalarType.name().toLowerCase(Locale.ROOT);
    }
}
