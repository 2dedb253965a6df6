package org.patientgate.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.patientgate.escrow.EscrowStore;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.participant.ParticipantException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Notification inboxes: a patient's own ({@code /api/patients/me/notifications}, patient session) and
 * the hosted institution's ({@code /api/institution/notifications}, operations token). Newest first,
 * paged by id ({@code before}), with read/unread.
 */
@RestController
class NotificationsController {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LIMIT = 200;

    private final ObjectProvider<EscrowStore> store;
    private final ObjectProvider<EscrowLedger> ledger;

    NotificationsController(ObjectProvider<EscrowStore> store, ObjectProvider<EscrowLedger> ledger) {
        this.store = store;
        this.ledger = ledger;
    }

    @GetMapping("/api/patients/me/notifications")
    Map<String, Object> mine(
            @RequestParam(required = false) Long before,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "false") boolean unread,
            HttpServletRequest http) {
        return page(PatientsController.caller(http).address(), before, limit, unread);
    }

    @PostMapping("/api/patients/me/notifications/{id}/read")
    ResponseEntity<Void> read(@PathVariable long id, HttpServletRequest http) {
        if (!store().markRead(PatientsController.caller(http).address(), id)) {
            throw new ParticipantException(ParticipantException.Kind.NOT_FOUND, "no notification " + id + " for you");
        }
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/institution/notifications")
    Map<String, Object> institution(
            @RequestParam(required = false) Long before,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "false") boolean unread) {
        return page(escrowLedger().institutionAddress(), before, limit, unread);
    }

    @PostMapping("/api/institution/notifications/{id}/read")
    ResponseEntity<Void> institutionRead(@PathVariable long id) {
        if (!store().markRead(escrowLedger().institutionAddress(), id)) {
            throw new ParticipantException(ParticipantException.Kind.NOT_FOUND, "no notification " + id);
        }
        return ResponseEntity.noContent().build();
    }

    private Map<String, Object> page(String recipient, Long before, int limit, boolean unread) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ParticipantException(
                    ParticipantException.Kind.INVALID, "limit must be between 1 and " + MAX_LIMIT);
        }
        List<EscrowStore.Notification> found = store().notifications(recipient, before, limit, unread);
        List<Map<String, Object>> items = new ArrayList<>();
        for (EscrowStore.Notification n : found) {
            items.add(view(n));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("unread", store().unread(recipient));
        body.put("items", items);
        body.put("next", found.size() == limit ? found.get(found.size() - 1).id() : null);
        return body;
    }

    static Map<String, Object> view(EscrowStore.Notification n) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", n.id());
        item.put("kind", n.kind());
        item.put("subject", n.subject());
        item.put("createdAt", n.createdAt());
        item.put("read", n.readAt() != null);
        try {
            item.put("body", JSON.readValue(n.body(), JsonNode.class));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored notification is not JSON", e);
        }
        return item;
    }

    private EscrowStore store() {
        EscrowStore s = store.getIfAvailable();
        if (s == null) {
            throw new ParticipantException(
                    ParticipantException.Kind.UNAVAILABLE, "the escrow needs the ledger (hub.ledger.enabled=false)");
        }
        return s;
    }

    private EscrowLedger escrowLedger() {
        EscrowLedger l = ledger.getIfAvailable();
        if (l == null) {
            throw new ParticipantException(
                    ParticipantException.Kind.UNAVAILABLE, "the escrow needs the ledger (hub.ledger.enabled=false)");
        }
        return l;
    }
}
