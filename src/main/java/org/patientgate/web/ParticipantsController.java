package org.patientgate.web;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.participant.Encodings;
import org.patientgate.participant.Participant;
import org.patientgate.participant.ParticipantException;
import org.patientgate.participant.ParticipantRegistration;
import org.patientgate.participant.ParticipantSessions;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Registration and sign-in of patients and nodes (docs/PROTECT-API.md, "Participants and sessions").
 * Public: a participant proves itself with signatures of its own key, not with a token.
 */
@RestController
class ParticipantsController {

    private final ParticipantRegistration registration;
    private final ParticipantSessions sessions;

    ParticipantsController(ParticipantRegistration registration, ParticipantSessions sessions) {
        this.registration = registration;
        this.sessions = sessions;
    }

    /** 201 with the record; 200 for the same registration again. */
    @PostMapping("/api/participants")
    ResponseEntity<Map<String, Object>> register(@RequestBody ParticipantRegistration.Request request) {
        ParticipantRegistration.Registered r = registration.register(request);
        Map<String, Object> body = view(r.participant());
        if (!r.created()) {
            return ResponseEntity.ok(body);
        }
        return ResponseEntity.created(
                        URI.create("/api/participants/" + r.participant().address()))
                .body(body);
    }

    /** The EIP-712 domain and nonce a patient's ledger registration is signed under (nulls: no ledger). */
    @GetMapping("/api/participants/registration-terms")
    Map<String, Object> registrationTerms(@RequestParam(required = false) String address) {
        ParticipantLedger.RegistrationTerms terms = registration.terms(address).orElse(null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("chainId", terms == null ? null : terms.chainId());
        body.put("verifyingContract", terms == null ? null : terms.verifyingContract());
        body.put("name", terms == null ? null : terms.name());
        body.put("version", terms == null ? null : terms.version());
        body.put("nonce", terms == null ? null : terms.nonce());
        return body;
    }

    @GetMapping("/api/participants/{address}")
    Map<String, Object> find(@PathVariable String address) {
        return view(registration
                .find(address)
                .orElseThrow(() -> new ParticipantException(
                        ParticipantException.Kind.NOT_FOUND, "no participant is registered at this address")));
    }

    @PostMapping("/api/auth/challenge")
    Map<String, Object> challenge(@RequestBody ChallengeRequest request) {
        ParticipantSessions.Challenge c = sessions.challenge(request.address());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("challenge", c.challenge());
        body.put("message", c.message());
        body.put("expiresAt", c.expiresAt());
        return body;
    }

    @PostMapping("/api/auth/token")
    Map<String, Object> token(@RequestBody TokenRequest request) {
        ParticipantSessions.Session s = sessions.token(request.address(), request.challenge(), request.signature());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", s.token());
        body.put("expiresAt", s.expiresAt());
        return body;
    }

    record ChallengeRequest(String address) {}

    record TokenRequest(String address, String challenge, String signature) {}

    /** The public record: address, role, X25519 key, name, time. */
    static Map<String, Object> view(Participant p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("address", p.address());
        body.put("role", p.role().name());
        body.put("encryptionKey", Encodings.base64Url(p.encryptionKey()));
        body.put("name", p.name());
        body.put("registeredAt", p.registeredAt());
        return body;
    }
}
