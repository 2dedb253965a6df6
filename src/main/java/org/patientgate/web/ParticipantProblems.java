package org.patientgate.web;

import org.patientgate.participant.ParticipantException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Participant refusals as RFC 9457 problem bodies; the detail is the refusal's reason (never a secret). */
@RestControllerAdvice(
        assignableTypes = {
            ParticipantsController.class,
            PatientsController.class,
            EnrolmentCodesController.class,
            EscrowController.class,
            NotificationsController.class,
            NotificationStreamController.class
        })
class ParticipantProblems {

    @ExceptionHandler(ParticipantException.class)
    ResponseEntity<ProblemDetail> refused(ParticipantException e) {
        HttpStatus status = status(e.kind());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"patientgate-participants\"");
        }
        return response.body(problem);
    }

    static HttpStatus status(ParticipantException.Kind kind) {
        switch (kind) {
            case INVALID:
                return HttpStatus.BAD_REQUEST;
            case UNAUTHENTICATED:
                return HttpStatus.UNAUTHORIZED;
            case FORBIDDEN:
                return HttpStatus.FORBIDDEN;
            case NOT_FOUND:
                return HttpStatus.NOT_FOUND;
            case CONFLICT:
                return HttpStatus.CONFLICT;
            case UNAVAILABLE:
                return HttpStatus.SERVICE_UNAVAILABLE;
            default:
                throw new IllegalArgumentException("unknown refusal " + kind);
        }
    }
}
