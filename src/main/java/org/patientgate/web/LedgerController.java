package org.patientgate.web;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.LedgerExplorer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The ledger explorer for integration engineers: chain, contracts and outbox at a glance, and for
 * any escrow entry its batch, Merkle root, proof and anchoring transaction, with the escrow
 * contract's own check of the proof, so anyone can confirm an entry was anchored.
 */
@RestController
@RequestMapping("/api/ledger")
class LedgerController {

    private static final HexFormat HEX = HexFormat.of();

    private final ObjectProvider<LedgerExplorer> explorer;

    LedgerController(ObjectProvider<LedgerExplorer> explorer) {
        this.explorer = explorer;
    }

    private LedgerExplorer ledger() {
        LedgerExplorer ledger = explorer.getIfAvailable();
        if (ledger == null) {
            throw new ResponseStatusException(
                    HttpStatus.SERVICE_UNAVAILABLE, "the ledger is switched off (hub.ledger.enabled=false)");
        }
        if (!ledger.ready()) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the ledger is starting");
        }
        return ledger;
    }

    @GetMapping("/status")
    Map<String, Object> status() {
        LedgerExplorer.Status s = ledger().status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", s.mode());
        body.put("chainId", s.chainId());
        body.put("reachable", s.reachable());
        body.put("headBlock", s.headBlock());
        body.put("contracts", s.contracts());
        body.put("institution", s.institution());
        Map<String, Object> outbox = new LinkedHashMap<>();
        outbox.put("depth", s.outboxOpen());
        outbox.put("oldestPendingAgeSeconds", s.oldestOpenAge().toMillis() / 1000.0);
        outbox.put("failed", s.outboxFailed());
        outbox.put("done", s.outboxDone());
        body.put("outbox", outbox);
        body.put("escrowQueued", s.escrowQueued());
        body.put("eventCursor", s.eventCursor());
        return body;
    }

    @GetMapping("/entries/{leaf}")
    Map<String, Object> entry(@PathVariable String leaf) {
        byte[] id = parseHash(leaf);
        LedgerExplorer.EntryProof found = ledger().proof(id)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no escrow entry " + leaf));
        EscrowAnchoring.AnchoredEntry e = found.entry();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entry", hex(e.leaf()));
        body.put("patient", e.entry().patient());
        body.put("institution", e.entry().institution());
        body.put("reportId", hex(e.entry().reportId()));
        body.put("contentHash", hex(e.entry().contentHash()));
        body.put("queuedAt", e.queuedAt());
        body.put("decision", e.decision());
        if (e.batchRoot() == null) {
            body.put("state", "QUEUED");
            return body;
        }
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("root", hex(e.batchRoot()));
        batch.put("index", e.index());
        batch.put("size", e.batchSize());
        batch.put("expiresAt", e.expiresAt());
        body.put("batch", batch);
        body.put("proof", e.proof().stream().map(LedgerController::hex).toList());
        e.anchor().ifPresent(a -> {
            Map<String, Object> anchor = new LinkedHashMap<>();
            anchor.put("outboxId", a.id());
            anchor.put("status", a.status());
            anchor.put("transaction", a.txHash());
            anchor.put("block", a.blockNumber());
            body.put("anchor", anchor);
            body.put("state", "DONE".equals(a.status()) ? "ANCHORED" : "BATCHED");
        });
        found.verifiedOnChain().ifPresent(v -> body.put("verifiedOnChain", v));
        return body;
    }

    @PostMapping("/outbox/{id}/retry")
    Map<String, Object> retry(@PathVariable long id) {
        if (!ledger().retry(id)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no FAILED ledger write " + id);
        }
        return Map.of("outboxId", id, "status", "PENDING");
    }

    private static byte[] parseHash(String value) {
        String hex = value.startsWith("0x") ? value.substring(2) : value;
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new ResponseStatusException(
                    HttpStatus.BAD_REQUEST, "an entry id is a 32-byte hex hash (0x + 64 hex digits)");
        }
        return HEX.parseHex(hex);
    }

    private static String hex(byte[] b) {
        return "0x" + HEX.formatHex(b);
    }
}
