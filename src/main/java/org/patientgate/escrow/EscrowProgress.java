package org.patientgate.escrow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.LedgerEvent;
import org.patientgate.ledger.LedgerEventListener;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.protect.PrivacyModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves escrow reports through the steps that follow the chain, each from what the database says,
 * so a hub restarted in the middle of any step finishes it once:
 *
 * <ul>
 *   <li>an entry whose batch is anchored: the patient is asked to decide (claim 1);
 *   <li>an entry the chain has released, rejected or expired: the report takes that state; for a
 *       rejection or expiry every module half of its data key is deleted first (crypto-shredding);
 *       the patient gets the outcome with the transaction, the institution gets it on its own channel
 *       (claim 5);
 *   <li>a held report whose hold has ended: shredded, and the institution told.
 * </ul>
 *
 * <p>Woken by new work (the escrow stage, the ledger's escrow events), otherwise it looks every {@code
 * hub.escrow.poll-interval}. The notifications each step writes commit with the step and are then
 * announced on the live channels.
 */
public final class EscrowProgress implements LedgerEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EscrowProgress.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 500;
    /** Block times and this clock may differ a little: expire only when the chain will agree. */
    private static final java.time.Duration EXPIRY_GRACE = java.time.Duration.ofSeconds(2);

    /** What releasing means, in the words every consent request carries. */
    static final String PUBLISHING = "Releasing moves this report to your information-sharing account. It is"
            + " still encrypted there: nobody can read it unless you give them a sub-key and an access"
            + " credential, and you can revoke both. Rejecting means it is never published, and the keys"
            + " that could decrypt it are destroyed.";

    /**
     * Told, after the commit, of each report whose escrow ended (released, rejected, expired, or a
     * hold that ended): the sender's application-level message (best effort, like the announcer).
     */
    @FunctionalInterface
    public interface Outcomes {
        void ended(EscrowStore.EscrowReport report);
    }

    /** Announces written notifications on the live channels (best effort: the inbox has them all). */
    @FunctionalInterface
    public interface Announcer {
        void announce(List<EscrowStore.Written> written);
    }

    private final EscrowStore store;
    private final EscrowAnchoring anchoring;
    private final java.util.function.Supplier<String> relaySigner;
    private final Runnable nudgeLedger;
    private final PrivacyModule module;
    private final Announcer announcer;
    private volatile Outcomes outcomes = r -> {};
    private final EscrowProperties properties;
    private final java.util.function.Supplier<String> institutionAddress;
    private final String institutionName;
    private final Clock clock;
    private final Semaphore wake = new Semaphore(0);
    private final MeterRegistry registry;
    private final java.util.Map<String, Counter> notifications = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread worker;
    private volatile boolean running = true;

    /**
     * @param relaySigner the key identity that sends expiries (the hosted institution's)
     * @param nudgeLedger wakes the ledger's publisher after an outbox write
     */
    public EscrowProgress(
            EscrowStore store,
            EscrowAnchoring anchoring,
            java.util.function.Supplier<String> relaySigner,
            Runnable nudgeLedger,
            PrivacyModule module,
            Announcer announcer,
            EscrowProperties properties,
            java.util.function.Supplier<String> institutionAddress,
            String institutionName,
            Clock clock,
            MeterRegistry registry) {
        this.store = store;
        this.anchoring = anchoring;
        this.relaySigner = relaySigner;
        this.nudgeLedger = nudgeLedger;
        this.module = module;
        this.announcer = announcer;
        this.properties = properties;
        this.institutionAddress = institutionAddress;
        this.institutionName = institutionName;
        this.clock = clock;
        this.registry = registry;
        this.worker = new Thread(this::loop, "escrow-progress");
        this.worker.setDaemon(true);
    }

    /** Sets who hears of ended escrows (wired after construction: it needs the ingest side). */
    public void outcomes(Outcomes outcomes) {
        this.outcomes = outcomes;
    }

    public void start() {
        worker.start();
    }

    /** New work may be waiting. */
    public void wake() {
        wake.release();
    }

    @Override
    public void onEvent(LedgerEvent event) {
        if ("ConsentEscrow".equals(event.contract())) {
            wake();
        }
    }

    private void loop() {
        while (running) {
            try {
                int done = step();
                if (done == 0) {
                    wake.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Escrow progress step failed, trying again: {}", e.getMessage());
                try {
                    wake.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One pass over every step; returns the number of reports moved. Public for tests. */
    public int step() {
        List<EscrowStore.Written> written = new ArrayList<>();
        written.addAll(store.awaitDecisions(BATCH, this::consentRequest));
        List<EscrowStore.EscrowReport> ended = new ArrayList<>();
        written.addAll(store.settleDecided(BATCH, this::shredUnlessReleased, r -> {
            ended.add(r);
            return outcome(r);
        }));
        expireDue();
        written.addAll(store.endHolds(clock.instant(), BATCH, r -> module.shred(r.report(), "escrow:hold-ended"), r -> {
            ended.add(r);
            return holdEnded(r);
        }));
        for (EscrowStore.EscrowReport r : ended) {
            try {
                outcomes.ended(r);
            } catch (RuntimeException e) {
                log.warn("Telling the sender of report {} its escrow outcome failed: {}", r.report(), e.getMessage());
            }
        }
        for (EscrowStore.Written w : written) {
            notifications
                    .computeIfAbsent(w.kind(), k -> Counter.builder("hub.escrow.notifications")
                            .description("Notifications the consent escrow wrote, by kind")
                            .tag("kind", k)
                            .register(registry))
                    .increment();
        }
        if (!written.isEmpty()) {
            try {
                announcer.announce(written);
            } catch (RuntimeException e) {
                log.warn(
                        "Announcing {} notifications failed (they are in the inbox): {}",
                        written.size(),
                        e.getMessage());
            }
        }
        return written.size();
    }

    /**
     * Entries whose time to decide has ended are expired on the chain (the contract accepts it from
     * anyone once the batch deadline has passed); the chain's event then settles them like a decision.
     */
    private void expireDue() {
        List<EscrowStore.EscrowReport> due = store.dueForExpiry(clock.instant().minus(EXPIRY_GRACE), BATCH);
        boolean queued = false;
        for (EscrowStore.EscrowReport r : due) {
            Optional<EscrowAnchoring.AnchoredEntry> anchored = anchoring.find(r.leaf());
            if (anchored.isEmpty() || anchored.get().batchRoot() == null) {
                continue;
            }
            EscrowAnchoring.AnchoredEntry a = anchored.get();
            queued |= store.requestExpiry(
                    r.report(), new LedgerWrite.EscrowExpiry(relaySigner.get(), a.entry(), a.batchRoot(), a.proof()));
        }
        if (queued) {
            log.info("Escrow: the time to decide ended for {} entries; expiring them on the ledger", due.size());
            nudgeLedger.run();
        }
    }

    private int shredUnlessReleased(EscrowStore.EscrowReport r) {
        if ("RELEASED".equals(r.chainDecision())) {
            return -1;
        }
        return module.shred(r.report(), "escrow:" + r.chainDecision().toLowerCase(java.util.Locale.ROOT));
    }

    private List<EscrowStore.NewNotification> consentRequest(EscrowStore.EscrowReport r) {
        ObjectNode body = base(r);
        body.put("expiresAt", r.expiresAt() == null ? null : r.expiresAt().toString());
        body.put("publishing", PUBLISHING);
        ObjectNode links = body.putObject("links");
        links.put("entry", "/api/escrow/" + entry(r));
        links.put("decision", "/api/escrow/" + entry(r) + "/decision");
        links.put("review", "/api/protect/reports/" + r.report());
        return List.of(notification(r.patient(), "consent-request", r, body));
    }

    private List<EscrowStore.NewNotification> outcome(EscrowStore.EscrowReport r) {
        String outcome = r.state();
        ObjectNode patient = base(r);
        patient.put("outcome", outcome);
        patient.put("transaction", r.decidedTx());
        if ("RELEASED".equals(outcome)) {
            patient.put("sharingAccount", r.patient());
        } else {
            patient.put("keysDestroyed", true);
        }
        String kind;
        switch (outcome) {
            case "RELEASED":
                kind = "release-confirmed";
                break;
            case "REJECTED":
                kind = "rejection-confirmed";
                break;
            default:
                kind = "entry-expired";
        }
        ObjectNode institution = JSON.createObjectNode();
        institution.put("entry", entry(r));
        institution.put("report", r.report().toString());
        institution.put("outcome", outcome);
        institution.put("transaction", r.decidedTx());
        return List.of(
                notification(r.patient(), kind, r, patient),
                notification(institutionAddress.get(), "escrow-outcome", r, institution));
    }

    private List<EscrowStore.NewNotification> holdEnded(EscrowStore.EscrowReport r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("report", r.report().toString());
        body.put("outcome", "HOLD_EXPIRED");
        body.put("heldUntil", r.heldUntil() == null ? null : r.heldUntil().toString());
        body.put("keysDestroyed", true);
        return List.of(new EscrowStore.NewNotification(
                institutionAddress.get(), "hold-ended", r.report().toString(), body.toString()));
    }

    private ObjectNode base(EscrowStore.EscrowReport r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("entry", entry(r));
        ObjectNode report = body.putObject("report");
        report.put("id", r.report().toString());
        report.put("type", r.summary().type());
        report.put("date", r.summary().date());
        ObjectNode institution = body.putObject("institution");
        institution.put("address", institutionAddress.get());
        institution.put("name", institutionName);
        return body;
    }

    private static EscrowStore.NewNotification notification(
            String recipient, String kind, EscrowStore.EscrowReport r, ObjectNode body) {
        return new EscrowStore.NewNotification(recipient, kind, entry(r), body.toString());
    }

    static String entry(EscrowStore.EscrowReport r) {
        return r.leaf() == null ? null : "0x" + HexFormat.of().formatHex(r.leaf());
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
