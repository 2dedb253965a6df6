package org.patientgate.escrow;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.normalize.BundleStore;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.participant.Participant;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.protect.ProtectStore.ReportRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The escrow stage behind protection (claim 1): each protected report becomes an escrow entry under
 * the intermediate account of (institution, patient), queued for the next anchoring batch. A report
 * whose patient has not enrolled is held, without an entry, until the patient enrols or the hold
 * ends. Safe to repeat: a report already filed is left as it is.
 */
public class EscrowStage {

    private static final Logger log = LoggerFactory.getLogger(EscrowStage.class);

    private final PrivacyModule module;
    private final BundleStore bundles;
    private final EscrowStore store;
    private final EscrowLedger ledger;
    private final EscrowProperties properties;
    private final Clock clock;
    private final Runnable wake;

    public EscrowStage(
            PrivacyModule module,
            BundleStore bundles,
            EscrowStore store,
            EscrowLedger ledger,
            EscrowProperties properties,
            Clock clock,
            Runnable wake) {
        this.module = module;
        this.bundles = bundles;
        this.store = store;
        this.ledger = ledger;
        this.properties = properties;
        this.clock = clock;
        this.wake = wake;
    }

    /** Files the listed reports (one id per line) in the escrow, in one transaction. */
    public void process(String body) {
        List<UUID> ids = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    ids.add(UUID.fromString(line.trim()));
                } catch (IllegalArgumentException e) {
                    log.warn("Escrow stage ignored a line that is not a report id");
                }
            }
        }
        List<ReportRecord> reports = module.reports(ids);
        Map<UUID, ReportSummary> summaries = summaries(reports);
        Instant holdEnds = clock.instant().plus(properties.holdFor());
        List<EscrowStore.Admission> admissions = new ArrayList<>();
        for (ReportRecord r : reports) {
            admissions.add(new EscrowStore.Admission(
                    r.report(),
                    r.institution(),
                    r.patientRef(),
                    r.patient(),
                    r.patient() == null ? null : entry(r, r.patient()),
                    summaries.getOrDefault(r.report(), new ReportSummary(null, null)),
                    holdEnds));
        }
        int fresh = store.admit(admissions);
        if (fresh > 0) {
            wake.run();
        }
        if (reports.size() < ids.size()) {
            log.warn("Escrow stage found {} of {} reports", reports.size(), ids.size());
        }
    }

    /**
     * Moves the reports held for an identifier into the escrow once their patient has enrolled (the
     * privacy module has already handed their sub-keys over).
     *
     * @return how many entries were queued
     */
    public int escrowHeld(byte[] patientRef, Participant patient) {
        List<UUID> held = store.held(patientRef);
        if (held.isEmpty()) {
            return 0;
        }
        List<EscrowStore.Admission> admissions = new ArrayList<>();
        for (ReportRecord r : module.reports(held)) {
            admissions.add(new EscrowStore.Admission(
                    r.report(),
                    r.institution(),
                    r.patientRef(),
                    patient.address(),
                    entry(r, patient.address()),
                    null,
                    null));
        }
        int moved = store.escrowHeld(admissions);
        if (moved > 0) {
            wake.run();
        }
        return moved;
    }

    /** The entry: patient, report id, the ciphertext's hash (never the content's), institution. */
    private EscrowEntry entry(ReportRecord r, String patient) {
        return new EscrowEntry(patient, EscrowEntry.reportIdOf(r.report()), r.blobHash(), ledger.institutionAddress());
    }

    private Map<UUID, ReportSummary> summaries(List<ReportRecord> reports) {
        Map<UUID, UUID> byMessage = new HashMap<>();
        for (ReportRecord r : reports) {
            if (r.messageId() != null) {
                byMessage.put(r.messageId(), r.report());
            }
        }
        Map<UUID, ReportSummary> out = new HashMap<>();
        for (Map.Entry<UUID, CanonicalBundle> e :
                bundles.findAll(byMessage.keySet()).entrySet()) {
            out.put(byMessage.get(e.getKey()), ReportSummary.of(e.getValue().json()));
        }
        return out;
    }
}
