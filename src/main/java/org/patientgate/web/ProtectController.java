package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.patientgate.participant.Caller;
import org.patientgate.participant.Participant;
import org.patientgate.participant.Participants;
import org.patientgate.protect.DecryptRequest;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.protect.ProtectException;
import org.patientgate.protect.ProtectProperties;
import org.patientgate.protect.ProtectStore;
import org.patientgate.protect.ProtectedReport.Packet;
import org.patientgate.protect.ProtectedReport.Slot;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The privacy module's REST surface (docs/PROTECT-API.md): patients list their protected reports,
 * fetch their sealed sub-keys, allocate and revoke slots and ask for more; nodes fetch the sub-keys
 * allocated to them and ask for decryption; engineers rotate the key-encryption key. Every refusal is
 * a FHIR OperationOutcome with a status that says why (403 for a missing or invalid sub-key, 404 for a
 * report the caller cannot see, 409 for a slot in the wrong state), never naming key material.
 */
@RestController
@RequestMapping("/api/protect")
class ProtectController {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final MediaType FHIR_JSON = MediaType.parseMediaType("application/fhir+json");

    private final PrivacyModule module;
    private final Participants participants;
    private final ProtectProperties properties;

    ProtectController(PrivacyModule module, Participants participants, ProtectProperties properties) {
        this.module = module;
        this.participants = participants;
        this.properties = properties;
    }

    @GetMapping("/module-key")
    Map<String, Object> moduleKey() {
        return Map.of("encryptionKey", B64.encodeToString(module.moduleKey()));
    }

    @GetMapping("/reports")
    List<Map<String, Object>> reports(HttpServletRequest request) {
        Caller caller = patient(request);
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProtectStore.ReportRecord r : module.reportsOf(caller.address(), 500)) {
            out.add(reportView(r));
        }
        return out;
    }

    @GetMapping("/reports/{report}")
    Map<String, Object> report(@PathVariable UUID report, HttpServletRequest request) {
        Caller caller = patient(request);
        ProtectStore.ReportRecord r = module.report(report)
                .filter(x -> caller.address().equals(x.patient()))
                .orElseThrow(() -> new ProtectException(ProtectException.Reason.UNKNOWN_REPORT, "no such report"));
        return reportView(r);
    }

    private Map<String, Object> reportView(ProtectStore.ReportRecord r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("report", r.report());
        view.put("institution", r.institution());
        view.put("protectedAt", r.protectedAt());
        view.put("state", r.state());
        List<Map<String, Object>> slots = new ArrayList<>();
        for (Slot s : module.slots(r.report())) {
            Map<String, Object> slot = new LinkedHashMap<>();
            slot.put("slot", s.slot());
            slot.put("state", s.state().name());
            slot.put("holder", s.holder());
            slots.add(slot);
        }
        view.put("slots", slots);
        return view;
    }

    @GetMapping("/reports/{report}/subkeys")
    Map<String, Object> subKeys(@PathVariable UUID report, HttpServletRequest request) {
        Caller caller = patient(request);
        List<String> packets = module.packets(report, caller.address()).stream()
                .map(B64::encodeToString)
                .toList();
        return Map.of("report", report, "packets", packets);
    }

    @GetMapping("/reports/{report}/audit")
    List<Map<String, Object>> audit(@PathVariable UUID report, HttpServletRequest request) {
        Caller caller = patient(request);
        module.report(report)
                .filter(x -> caller.address().equals(x.patient()))
                .orElseThrow(() -> new ProtectException(ProtectException.Reason.UNKNOWN_REPORT, "no such report"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProtectStore.AuditRecord a : module.audit(report)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("at", a.at());
            row.put("action", a.action());
            row.put("caller", a.caller());
            row.put("slot", a.slot());
            row.put("outcome", a.outcome());
            row.put("reason", a.reason());
            out.add(row);
        }
        return out;
    }

    record Allocation(Integer slot, String node, String sealedSubKey) {}

    @PostMapping("/reports/{report}/allocations")
    ResponseEntity<Map<String, Object>> allocate(
            @PathVariable UUID report, @RequestBody Allocation body, HttpServletRequest request) {
        Caller caller = patient(request);
        if (body == null || body.slot() == null || body.node() == null || body.sealedSubKey() == null) {
            throw new BadRequest("slot, node and sealedSubKey are required");
        }
        String node = body.node().toLowerCase(java.util.Locale.ROOT);
        if (participants.find(node).isEmpty()) {
            throw new ProtectException(ProtectException.Reason.CONFLICT, "the node " + node + " is not registered");
        }
        if (node.equals(caller.address())) {
            throw new ProtectException(ProtectException.Reason.CONFLICT, "slot 0 is already the patient's own sub-key");
        }
        module.allocate(report, caller.address(), body.slot(), node, decode(body.sealedSubKey(), "sealedSubKey"));
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(Map.of("report", report, "slot", body.slot(), "node", node));
    }

    @DeleteMapping("/reports/{report}/allocations/{slot}")
    ResponseEntity<Void> revoke(@PathVariable UUID report, @PathVariable int slot, HttpServletRequest request) {
        Caller caller = patient(request);
        module.revoke(report, caller.address(), slot);
        return ResponseEntity.noContent().build();
    }

    record MoreSlots(Integer count, String subKey) {}

    @PostMapping("/reports/{report}/slots")
    ResponseEntity<Map<String, Object>> moreSlots(
            @PathVariable UUID report, @RequestBody MoreSlots body, HttpServletRequest request) {
        Caller caller = patient(request);
        if (body == null || body.count() == null || body.subKey() == null) {
            throw new BadRequest("count and subKey are required");
        }
        Packet packet = module.moreSlots(
                report, caller.address(), registeredKey(caller), body.count(), decode(body.subKey(), "subKey"));
        List<Integer> slots = module.slots(report).stream()
                .map(Slot::slot)
                .sorted(java.util.Comparator.reverseOrder())
                .limit(body.count())
                .sorted()
                .toList();
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(Map.of("report", report, "slots", slots, "packet", B64.encodeToString(packet.sealed())));
    }

    @GetMapping("/subkeys")
    List<Map<String, Object>> received(HttpServletRequest request) {
        Caller caller = caller(request);
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProtectStore.Delivery d : module.deliveries(caller.address())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("report", d.report());
            row.put("slot", d.slot());
            row.put("sealedSubKey", B64.encodeToString(d.sealed()));
            row.put("allocatedAt", d.allocatedAt());
            out.add(row);
        }
        return out;
    }

    record Decrypt(UUID report, String subKey, String action, String credential) {}

    @PostMapping("/decrypt")
    Map<String, Object> decrypt(@RequestBody Decrypt body, HttpServletRequest request) {
        Caller caller = caller(request);
        if (body == null || body.report() == null) {
            throw new BadRequest("report is required");
        }
        byte[] subKey = body.subKey() == null || body.subKey().isBlank() ? null : decode(body.subKey(), "subKey");
        byte[] sealed = module.decrypt(new DecryptRequest(
                body.report(),
                subKey,
                caller.address(),
                registeredKey(caller),
                body.action() == null ? "view" : body.action(),
                body.credential()));
        return Map.of("report", body.report(), "sealed", B64.encodeToString(sealed));
    }

    @GetMapping("/kek")
    Map<String, Object> kek() {
        return Map.of("current", module.currentKek(), "versions", module.kekUse());
    }

    @PostMapping("/kek/rotate")
    Map<String, Object> rotate() {
        PrivacyModule.Rotation rotation = module.rotate(properties.rotationBatchSize());
        return Map.of(
                "current", rotation.version(),
                "halvesRewrapped", rotation.halvesRewrapped(),
                "otherKeysRewrapped", rotation.otherKeysRewrapped(),
                "versions", module.kekUse());
    }

    @DeleteMapping("/kek/{version}")
    ResponseEntity<Void> retire(@PathVariable int version) {
        module.retire(version);
        return ResponseEntity.noContent().build();
    }

    private static Caller caller(HttpServletRequest request) {
        Object caller = request.getAttribute(Caller.ATTRIBUTE);
        if (!(caller instanceof Caller c)) {
            throw new Unauthenticated();
        }
        return c;
    }

    private static Caller patient(HttpServletRequest request) {
        Caller caller = caller(request);
        if (caller.role() != Participant.Role.PATIENT) {
            throw new NotPatient();
        }
        return caller;
    }

    private byte[] registeredKey(Caller caller) {
        return participants
                .find(caller.address())
                .map(Participant::encryptionKey)
                .orElseThrow(Unauthenticated::new);
    }

    private static byte[] decode(String value, String field) {
        try {
            return B64D.decode(value.trim());
        } catch (IllegalArgumentException e) {
            throw new BadRequest(field + " is not base64url");
        }
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    static final class Unauthenticated extends RuntimeException {
        Unauthenticated() {
            super("sign in first: a participant session token is required");
        }
    }

    static final class NotPatient extends RuntimeException {
        NotPatient() {
            super("only the patient may do this");
        }
    }

    @ExceptionHandler(ProtectException.class)
    ResponseEntity<Map<String, Object>> refused(ProtectException e) {
        HttpStatus status;
        String code;
        switch (e.reason()) {
            case UNKNOWN_REPORT -> {
                status = HttpStatus.NOT_FOUND;
                code = "not-found";
            }
            case CONFLICT -> {
                status = HttpStatus.CONFLICT;
                code = "conflict";
            }
            case CORRUPT -> {
                status = HttpStatus.INTERNAL_SERVER_ERROR;
                code = "exception";
            }
            default -> {
                status = HttpStatus.FORBIDDEN;
                code = "forbidden";
            }
        }
        return outcome(status, code, e.reason().name(), e.getMessage());
    }

    @ExceptionHandler(BadRequest.class)
    ResponseEntity<Map<String, Object>> badRequest(BadRequest e) {
        return outcome(HttpStatus.BAD_REQUEST, "invalid", "BAD_REQUEST", e.getMessage());
    }

    @ExceptionHandler(Unauthenticated.class)
    ResponseEntity<Map<String, Object>> unauthenticated(Unauthenticated e) {
        return outcome(HttpStatus.UNAUTHORIZED, "login", "UNAUTHENTICATED", e.getMessage());
    }

    @ExceptionHandler(NotPatient.class)
    ResponseEntity<Map<String, Object>> notPatient(NotPatient e) {
        return outcome(HttpStatus.FORBIDDEN, "forbidden", "NOT_PATIENT", e.getMessage());
    }

    /** A FHIR R4 OperationOutcome: one error issue, the reason as a code, the text in diagnostics. */
    static ResponseEntity<Map<String, Object>> outcome(
            HttpStatus status, String issueCode, String reason, String text) {
        Map<String, Object> coding = Map.of("system", "urn:patientgate:protect:refusal", "code", reason);
        Map<String, Object> issue = new LinkedHashMap<>();
        issue.put("severity", "error");
        issue.put("code", issueCode);
        issue.put("details", Map.of("coding", List.of(coding), "text", text));
        issue.put("diagnostics", text);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("resourceType", "OperationOutcome");
        body.put("issue", List.of(issue));
        return ResponseEntity.status(status).contentType(FHIR_JSON).body(body);
    }
}
