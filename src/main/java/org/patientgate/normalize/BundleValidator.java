package org.patientgate.normalize;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.patientgate.ingest.R4Validation;

/**
 * Full validation of a canonical bundle against the FHIR R4 base specification (HAPI's instance
 * validator with the R4 definitions bundled in the jar: no network). It costs milliseconds per
 * bundle, so the pipeline samples it while tests and the converter run it on everything.
 */
public final class BundleValidator {

    /** One validation finding: severity, location (FHIRPath) and the validator's message. */
    public record Finding(String severity, String location, String message) {
        @Override
        public String toString() {
            return severity + " " + location + ": " + message;
        }
    }

    private final FhirContext fhir;
    private final FhirValidator validator;

    /** With a validator of its own (tools and tests). */
    public BundleValidator(FhirContext fhir) {
        this(fhir, R4Validation.newValidator(fhir));
    }

    /** Sharing the hub's validator (see {@link R4Validation}). */
    public BundleValidator(FhirContext fhir, FhirValidator validator) {
        this.fhir = fhir;
        this.validator = validator;
    }

    /** Errors (and fatal findings) only; empty means the bundle is valid. */
    public List<Finding> errors(byte[] bundleJson) {
        ValidationResult result = validator.validateWithResult(new String(bundleJson, StandardCharsets.UTF_8));
        List<Finding> errors = new ArrayList<>();
        for (SingleValidationMessage m : result.getMessages()) {
            if (m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL) {
                errors.add(new Finding(m.getSeverity().getCode(), m.getLocationString(), m.getMessage()));
            }
        }
        return errors;
    }

    public FhirContext context() {
        return fhir;
    }
}
