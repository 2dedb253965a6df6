package org.patientgate.web;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.patientgate.ingest.DeadLetterReplay;
import org.patientgate.ingest.InboundMessage;
import org.patientgate.ingest.MessageRecord;
import org.patientgate.ingest.MessageStatus;
import org.patientgate.ingest.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Message tracking and dead-letter operations for integration engineers: where a message is
 * (received, queued, processed, dead-lettered with its reason, replayed) and when, searched by sender
 * and control id. Content is returned only when asked for explicitly, and each such read is logged
 * (by message id, never the content).
 */
@RestController
@RequestMapping("/api")
class MessagesController {

    private static final Logger log = LoggerFactory.getLogger(MessagesController.class);
    private static final int MAX_PAGE = 500;

    private final MessageStore store;
    private final DeadLetterReplay replay;

    MessagesController(MessageStore store, DeadLetterReplay replay) {
        this.store = store;
        this.replay = replay;
    }

    @GetMapping("/messages")
    List<MessageRecord> search(
            @RequestParam(required = false) String sender,
            @RequestParam(required = false) String controlId,
            @RequestParam(required = false) MessageStatus status,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "0") int offset) {
        return store.search(sender, controlId, status, clamp(limit), Math.max(0, offset));
    }

    @GetMapping("/messages/{id}")
    Map<String, Object> get(@PathVariable UUID id, @RequestParam(defaultValue = "false") boolean includeContent) {
        MessageRecord record = store.find(id).orElseThrow(() -> notFound(id));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", record);
        if (includeContent) {
            InboundMessage message = store.load(id).orElseThrow(() -> notFound(id));
            log.info("Operations API returned the content of message {}", id);
            body.put("contentType", message.contentType());
            body.put("content", new String(message.payload(), charsetOf(message)));
        }
        return body;
    }

    @GetMapping("/dead-letters")
    List<MessageRecord> deadLetters(
            @RequestParam(defaultValue = "50") int limit, @RequestParam(defaultValue = "0") int offset) {
        return store.search(null, null, MessageStatus.DEAD_LETTER, clamp(limit), Math.max(0, offset));
    }

    @PostMapping("/dead-letters/{id}/replay")
    ResponseEntity<DeadLetterReplay.Result> replay(@PathVariable UUID id) {
        DeadLetterReplay.Result result = replay.replay(id);
        HttpStatus status =
                switch (result.outcome()) {
                    case REPLAYED -> HttpStatus.OK;
                    case NOT_FOUND -> HttpStatus.NOT_FOUND;
                    case NOT_A_DEAD_LETTER -> HttpStatus.CONFLICT;
                    case STILL_REFUSED -> HttpStatus.UNPROCESSABLE_ENTITY;
                };
        return ResponseEntity.status(status).body(result);
    }

    @PostMapping("/dead-letters/replay")
    Map<String, Object> replayAll(@RequestParam(defaultValue = "1000") int limit) {
        List<DeadLetterReplay.Result> results = replay.replayAll(Math.max(1, Math.min(limit, 10_000)));
        long replayed = results.stream()
                .filter(r -> r.outcome() == DeadLetterReplay.Outcome.REPLAYED)
                .count();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("attempted", results.size());
        body.put("replayed", replayed);
        body.put("results", results);
        return body;
    }

    private static int clamp(int limit) {
        return Math.max(1, Math.min(limit, MAX_PAGE));
    }

    private static ResponseStatusException notFound(UUID id) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "no message " + id);
    }

    private static Charset charsetOf(InboundMessage message) {
        try {
            return Charset.forName(message.charset());
        } catch (RuntimeException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }
}
