package org.patientgate.normalize;

/**
 * One message reduced to the hub's canonical form: a FHIR R4 Bundle of type {@code collection}
 * holding the report resources, serialized as JSON (UTF-8).
 *
 * @param bundleId the Bundle's id, deterministic from the sender and the message so a replay gives
 *     the same id
 * @param structure what it was made from: the HL7 v2 message structure (e.g. ORU_R01) or the FHIR
 *     input's resource type (e.g. FHIR Bundle)
 * @param json the Bundle as FHIR JSON bytes
 */
public record CanonicalBundle(String bundleId, String structure, byte[] json) {}
