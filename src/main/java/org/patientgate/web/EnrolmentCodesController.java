package org.patientgate.web;

import java.util.LinkedHashMap;
import java.util.Map;
import org.patientgate.participant.PatientEnrolment;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * One-time enrolment codes for integration engineers (operations token): the code stands for one
 * hospital identifier, is handed to the patient out of band, and links the identifier to the
 * patient who redeems it. The response carries the code once; the hub keeps only its hash.
 */
@RestController
class EnrolmentCodesController {

    private final PatientEnrolment enrolment;

    EnrolmentCodesController(PatientEnrolment enrolment) {
        this.enrolment = enrolment;
    }

    @PostMapping("/api/enrolment-codes")
    @ResponseStatus(HttpStatus.CREATED)
    Map<String, Object> issue(@RequestBody IdentifierRequest request) {
        PatientEnrolment.IssuedCode code = enrolment.issue(request.system(), request.value());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code.code());
        body.put("expiresAt", code.expiresAt());
        return body;
    }

    record IdentifierRequest(String system, String value) {}
}
