package org.patientgate.escrow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        Set<UUID> todo = new LinkedHashSet<>(ids);
        todo.removeAll(done.keySet());
        // every read is one query for the whole batch: per-message round trips cost more than the crypto
        Map<UUID, CanonicalBundle> found = bundles.findAll(todo);
        Map<UUID, byte[]> patientRefs = new LinkedHashMap<>();
        for (UUID id : todo) {
            CanonicalBundle bundle = found.get(id);
            if (bundle == null) {
                log.warn("Protection stage found no canonical bundle for message {}", id);
                continue;
            }
            Optional<ReportPatient.Identifier> identifier = ReportPatient.identifier(bundle.json());
            if (identifier.isEmpty()) {
                messages.markFailed(
                        id,
                        "protect",
                        "no-patient-identifier",
                        "the canonical bundle has no Patient identifier to file the report under");
                continue;
            }
            patientRefs.put(
                    id,
                    blinding.blind(identifier.get().system(), identifier.get().value()));
        }
        Map<String, String> linked = links.patientsFor(patientRefs.values());
        Map<String, Participant> enrolled = participants.findAll(new HashSet<>(linked.values()));
        List<PrivacyModule.ProtectRequest> requests = new ArrayList<>();
        List<UUID> handOn = new ArrayList<>(done.values());
        for (Map.Entry<UUID, byte[]> e : patientRefs.entrySet()) {
            UUID id = e.getKey();
            byte[] patientRef = e.getValue();
            String address = linked.get(HexFormat.of().formatHex(patientRef));
            Participant patient = address == null ? null : enrolled.get(address);
            ReportProtector.Recipient recipient = patient != null
                    ? new ReportProtector.Recipient(
                            ProtectedReport.patientRecipient(patient.address()), patient.encryptionKey())
                    : new ReportProtector.Recipient(ProtectedReport.institutionRecipient(institution), institutionKey);
            UUID report = reportId(id);
            requests.add(new PrivacyModule.ProtectRequest(
                    report,
                    id,
                    institution,
                    patientRef,
                    patient == null ? null : patient.address(),
                    recipient,
                    found.get(id).json()));
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
