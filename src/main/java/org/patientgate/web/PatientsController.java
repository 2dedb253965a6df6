package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patientgate.participant.Caller;
import org.patientgate.participant.ParticipantException;
import org.patientgate.participant.PatientEnrolment;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The signed-in patient's own API ({@code /api/patients/me/**}, a patient session via {@link
 * ParticipantSessionFilter}): every call acts as the caller, never as an address the request names.
 */
@RestController
class PatientsController {

    private final PatientEnrolment enrolment;

    PatientsController(PatientEnrolment enrolment) {
        this.enrolment = enrolment;
    }

    /** Redeems a one-time enrolment code: 201 when the identifier is newly linked, 200 if it already was. */
    @PostMapping("/api/patients/me/identifiers")
    ResponseEntity<Map<String, Object>> link(@RequestBody CodeRequest request, HttpServletRequest http) {
        PatientEnrolment.Linked linked = enrolment.link(caller(http), request.code());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("patient", linked.patient());
        body.put("linkedAt", linked.linkedAt());
        return ResponseEntity.status(linked.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(body);
    }

    record CodeRequest(String code) {}

    /** The caller the session filter resolved (its absence is a wiring fault, refused all the same). */
    static Caller caller(HttpServletRequest request) {
        if (request.getAttribute(Caller.ATTRIBUTE) instanceof Caller caller) {
            return caller;
        }
        throw new ParticipantException(ParticipantException.Kind.UNAUTHENTICATED, "no participant session");
    }
}
