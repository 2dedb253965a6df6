package org.patientgate.escrow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.patientgate.ingest.MessageStore;
import org.patientgate.normalize.BundleStore;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.participant.Participant;
import org.patientgate.participant.Participants;
import org.patientgate.participant.PatientLinks;
import org.patientgate.protect.IdentifierBlinding;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.protect.ProtectedReport;
import org.patientgate.protect.ReportProtector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protection stage behind normalization: takes the ids of normalized messages (one per line),
 * protects each canonical bundle with the privacy module and hands the report ids on, one per line.
 *
 * <p>A report is filed under its patient's blinded identifier. If that patient has enrolled, slot 0
 * and the spare slots are sealed to the patient's key; if not, to the sending institution's key, held
 * until the patient enrols (the institution already holds the content it sent, so holding the
 * sub-keys for the patient discloses nothing new, and the module still has only its halves).
 *
 * <p>Safe to repeat: the report id is derived from the message id, and a report already stored is
 * not protected again.
 */
public class ProtectStage {

    private static final Logger log = LoggerFactory.getLogger(ProtectStage.class);

    private final MessageStore messages;
    private final BundleStore bundles;
    private final PrivacyModule module;
    private final IdentifierBlinding blinding;
    private final PatientLinks links;
    private final Participants participants;
    private final String institution;
    private final byte[] institutionKey;

    public ProtectStage(
            MessageStore messages,
            BundleStore bundles,
            PrivacyModule module,
            IdentifierBlinding blinding,
            PatientLinks links,
            Participants participants,
            String institution,
            byte[] institutionKey) {
        this.messages = messages;
        this.bundles = bundles;
        this.module = module;
        this.blinding = blinding;
        this.links = links;
        this.participants = participants;
        this.institution = institution;
        this.institutionKey = institutionKey.clone();
    }

    /** The report id of a message: stable, so a redelivery names the same report. */
    public static UUID reportId(UUID messageId) {
        return UUID.nameUUIDFromBytes(("patientgate:report:" + messageId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Protects the bundles of the listed messages in one batch and returns the report ids to hand on
     * (one per line), or null when there is nothing to hand on.
     */
    public String process(String body) {
        List<UUID> ids = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    ids.add(UUID.fromString(line.trim()));
                } catch (IllegalArgumentException e) {
                    log.warn("Protection stage ignored a line that is not a message id");
                }
            }
        }
        Map<UUID, UUID> done = module.reportsForMessages(ids);
        List<PrivacyModule.ProtectRequest> requests = new ArrayList<>();
        List<UUID> handOn = new ArrayList<>(done.values());
        for (UUID id : ids) {
            if (done.containsKey(id)) {
                continue;
            }
            Optional<CanonicalBundle> bundle = bundles.find(id);
            if (bundle.isEmpty()) {
                log.warn("Protection stage found no canonical bundle for message {}", id);
                continue;
            }
            Optional<ReportPatient.Identifier> identifier =
                    ReportPatient.identifier(bundle.get().json());
            if (identifier.isEmpty()) {
                messages.markFailed(
                        id,
                        "protect",
                        "no-patient-identifier",
                        "the canonical bundle has no Patient identifier to file the report under");
                continue;
            }
            byte[] patientRef =
                    blinding.blind(identifier.get().system(), identifier.get().value());
            Optional<Participant> patient = links.patientFor(patientRef).flatMap(participants::find);
            ReportProtector.Recipient recipient = patient.isPresent()
                    ? new ReportProtector.Recipient(
                            ProtectedReport.patientRecipient(patient.get().address()),
                            patient.get().encryptionKey())
                    : new ReportProtector.Recipient(ProtectedReport.institutionRecipient(institution), institutionKey);
            UUID report = reportId(id);
            requests.add(new PrivacyModule.ProtectRequest(
                    report,
                    id,
                    institution,
                    patientRef,
                    patient.map(Participant::address).orElse(null),
                    recipient,
                    bundle.get().json()));
            handOn.add(report);
        }
        module.protectAll(requests);
        if (handOn.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        handOn.forEach(r -> out.append(r).append('\n'));
        return out.toString();
    }
}
