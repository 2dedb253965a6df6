package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patientgate.escrow.EscrowDecisions;
import org.patientgate.escrow.EscrowStore;
import org.patientgate.ledger.Eip712;
import org.patientgate.participant.ParticipantException;
import org.patientgate.participant.ParticipantException.Kind;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A patient's escrow entries ({@code /api/escrow/**}, patient session): where an entry stands with its
 * anchoring proof and what signing a decision needs, and the signed decision itself.
 */
@RestController
class EscrowController {

    private static final HexFormat HEX = HexFormat.of();

    private final ObjectProvider<EscrowDecisions> decisions;

    EscrowController(ObjectProvider<EscrowDecisions> decisions) {
        this.decisions = decisions;
    }

    @GetMapping("/api/escrow/{entry}")
    Map<String, Object> entry(@PathVariable String entry, HttpServletRequest http) {
        EscrowDecisions.View view =
                decisions().view(PatientsController.caller(http).address(), leaf(entry));
        return body(view);
    }

    @PostMapping("/api/escrow/{entry}/decision")
    ResponseEntity<Map<String, Object>> decide(
            @PathVariable String entry, @RequestBody DecisionRequest request, HttpServletRequest http) {
        if (request == null || request.decision() == null) {
            throw new ParticipantException(Kind.INVALID, "decision must be \"release\" or \"reject\"");
        }
        boolean release;
        switch (request.decision()) {
            case "release":
                release = true;
                break;
            case "reject":
                release = false;
                break;
            default:
                throw new ParticipantException(Kind.INVALID, "decision must be \"release\" or \"reject\"");
        }
        if (request.nonce() == null || !request.nonce().matches("[0-9]{1,78}")) {
            throw new ParticipantException(Kind.INVALID, "nonce must be a decimal unsigned 256-bit integer");
        }
        if (request.deadline() == null) {
            throw new ParticipantException(Kind.INVALID, "deadline (unix seconds) is required");
        }
        String caller = PatientsController.caller(http).address();
        byte[] leaf = leaf(entry);
        decisions()
                .decide(
                        caller,
                        leaf,
                        release,
                        new BigInteger(request.nonce()),
                        request.deadline(),
                        signature(request.signature()));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(body(decisions().view(caller, leaf)));
    }

    /**
     * @param decision "release" or "reject"
     * @param nonce a decimal uint256 not used in a decision of this patient before
     * @param deadline last unix second the signature is valid
     * @param signature 0x + 65 bytes in hex (r, s, v)
     */
    record DecisionRequest(String decision, String nonce, Long deadline, String signature) {}

    private static Map<String, Object> body(EscrowDecisions.View view) {
        EscrowStore.EscrowReport r = view.report();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entry", "0x" + HEX.formatHex(r.leaf()));
        body.put("state", r.state());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("id", r.report());
        report.put("type", r.summary().type());
        report.put("date", r.summary().date());
        body.put("report", report);
        body.put("patient", r.patient());
        body.put(
                "institution", view.anchored().map(a -> a.entry().institution()).orElse(null));
        body.put("intermediateAccount", view.intermediateAccount());
        body.put("expiresAt", r.expiresAt());
        view.anchored().ifPresent(a -> {
            if (a.batchRoot() != null) {
                Map<String, Object> batch = new LinkedHashMap<>();
                batch.put("root", "0x" + HEX.formatHex(a.batchRoot()));
                batch.put("index", a.index());
                batch.put("size", a.batchSize());
                body.put("batch", batch);
                body.put(
                        "proof",
                        a.proof().stream().map(p -> "0x" + HEX.formatHex(p)).toList());
            }
            a.anchor().ifPresent(w -> {
                Map<String, Object> anchor = new LinkedHashMap<>();
                anchor.put("status", w.status());
                anchor.put("transaction", w.txHash());
                anchor.put("block", w.blockNumber());
                body.put("anchor", anchor);
            });
        });
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("onChain", r.chainDecision());
        decision.put("transaction", r.decidedTx());
        decision.put("decidedAt", r.decidedAt());
        body.put("decision", decision);
        Map<String, Object> signing = new LinkedHashMap<>();
        signing.put("name", Eip712.ESCROW_NAME);
        signing.put("version", Eip712.VERSION);
        signing.put("chainId", view.terms().chainId());
        signing.put("verifyingContract", view.terms().verifyingContract());
        signing.put("type", Eip712.DECISION_TYPE);
        body.put("signing", signing);
        return body;
    }

    private EscrowDecisions decisions() {
        EscrowDecisions d = decisions.getIfAvailable();
        if (d == null) {
            throw new ParticipantException(Kind.UNAVAILABLE, "the escrow needs the ledger (hub.ledger.enabled=false)");
        }
        return d;
    }

    private static byte[] leaf(String value) {
        String hex = value.startsWith("0x") ? value.substring(2) : value;
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new ParticipantException(Kind.INVALID, "an entry id is a 32-byte hex hash (0x + 64 hex digits)");
        }
        return HEX.parseHex(hex);
    }

    private static byte[] signature(String value) {
        String hex = value == null ? "" : value.startsWith("0x") ? value.substring(2) : value;
        if (!hex.matches("[0-9a-fA-F]{130}")) {
            throw new ParticipantException(Kind.INVALID, "signature must be 0x + 65 bytes in hex");
        }
        return HEX.parseHex(hex);
    }
}
