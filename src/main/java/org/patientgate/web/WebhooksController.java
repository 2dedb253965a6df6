package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.patientgate.escrow.webhook.WebhookStore;
import org.patientgate.escrow.webhook.Webhooks;
import org.patientgate.participant.ParticipantException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A patient's notification webhooks ({@code /api/patients/me/webhooks}, patient session): register a
 * URL (the signing secret is in that answer only), list and delete them, read a webhook's deliveries
 * (the dead letters with {@code status=DEAD}) and ask for one again. Another patient's webhook is
 * "not found". docs/NOTIFICATIONS-API.md describes the deliveries and their signature.
 */
@RestController
class WebhooksController {

    private final ObjectProvider<Webhooks> webhooks;

    WebhooksController(ObjectProvider<Webhooks> webhooks) {
        this.webhooks = webhooks;
    }

    @PostMapping("/api/patients/me/webhooks")
    ResponseEntity<Map<String, Object>> register(@RequestBody UrlRequest request, HttpServletRequest http) {
        Webhooks.Registration r =
                webhooks().register(PatientsController.caller(http).address(), request == null ? null : request.url());
        Map<String, Object> body = view(r.webhook());
        body.put("secret", r.secret());
        return ResponseEntity.created(
                        URI.create("/api/patients/me/webhooks/" + r.webhook().id()))
                .body(body);
    }

    @GetMapping("/api/patients/me/webhooks")
    List<Map<String, Object>> list(HttpServletRequest http) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (WebhookStore.Webhook w :
                webhooks().webhooks(PatientsController.caller(http).address())) {
            out.add(view(w));
        }
        return out;
    }

    @GetMapping("/api/patients/me/webhooks/{id}")
    Map<String, Object> one(@PathVariable String id, HttpServletRequest http) {
        return view(webhooks().webhook(PatientsController.caller(http).address(), id));
    }

    @DeleteMapping("/api/patients/me/webhooks/{id}")
    ResponseEntity<Void> delete(@PathVariable String id, HttpServletRequest http) {
        webhooks().delete(PatientsController.caller(http).address(), id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/patients/me/webhooks/{id}/deliveries")
    Map<String, Object> deliveries(
            @PathVariable String id,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) Long before,
            @RequestParam(defaultValue = "50") int limit,
            HttpServletRequest http) {
        List<WebhookStore.Delivery> found =
                webhooks().deliveries(PatientsController.caller(http).address(), id, status, before, limit);
        List<Map<String, Object>> items = new ArrayList<>();
        for (WebhookStore.Delivery d : found) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", d.id());
            item.put("notification", d.notification());
            item.put("kind", d.kind());
            item.put("status", d.status());
            item.put("attempts", d.attempts());
            item.put("lastError", d.lastError());
            item.put("createdAt", d.createdAt());
            item.put("lastAttemptAt", d.lastAttemptAt());
            item.put("nextAttemptAt", "PENDING".equals(d.status()) ? d.nextAttemptAt() : null);
            item.put("deliveredAt", d.deliveredAt());
            items.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("next", found.size() == limit ? found.get(found.size() - 1).id() : null);
        return body;
    }

    @PostMapping("/api/patients/me/webhooks/{id}/deliveries/{delivery}/redeliver")
    ResponseEntity<Map<String, Object>> redeliver(
            @PathVariable String id, @PathVariable long delivery, HttpServletRequest http) {
        webhooks().redeliver(PatientsController.caller(http).address(), id, delivery);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", delivery);
        body.put("status", "PENDING");
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(body);
    }

    record UrlRequest(String url) {}

    private static Map<String, Object> view(WebhookStore.Webhook w) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", w.id().toString());
        item.put("url", w.url());
        item.put("createdAt", w.createdAt());
        return item;
    }

    /** Refusals as RFC 9457 problems, as for the patients' other endpoints. */
    @ExceptionHandler(ParticipantException.class)
    ResponseEntity<ProblemDetail> refused(ParticipantException e) {
        HttpStatus status = ParticipantProblems.status(e.kind());
        return ResponseEntity.status(status).body(ProblemDetail.forStatusAndDetail(status, e.getMessage()));
    }

    private Webhooks webhooks() {
        Webhooks w = webhooks.getIfAvailable();
        if (w == null) {
            throw new ParticipantException(
                    ParticipantException.Kind.UNAVAILABLE,
                    "notification webhooks need the ledger (hub.ledger.enabled=false)");
        }
        return w;
    }
}
