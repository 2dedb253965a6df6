package org.patientgate.escrow;

import java.util.Arrays;
import javax.sql.DataSource;
import org.patientgate.escrow.jdbc.JdbcUnfinishedEnrolments;
import org.patientgate.ingest.MessageStore;
import org.patientgate.ledger.LedgerIdentities;
import org.patientgate.ledger.LedgerProperties;
import org.patientgate.normalize.BundleStore;
import org.patientgate.participant.Participant;
import org.patientgate.participant.Participants;
import org.patientgate.participant.PatientLinks;
import org.patientgate.protect.Hpke;
import org.patientgate.protect.IdentifierBlinding;
import org.patientgate.protect.KeyCustody;
import org.patientgate.protect.PrivacyModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the stages between normalization and the ledger. On first start it also makes sure the hosted
 * institution's keys (secp256k1 signing, X25519 encryption) and the credential-signing key exist in
 * the keystore.
 */
@Configuration(proxyBeanMethods = false)
class EscrowConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EscrowConfiguration.class);

    @Bean
    ProtectStage protectStage(
            MessageStore messages,
            BundleStore bundles,
            PrivacyModule module,
            IdentifierBlinding blinding,
            PatientLinks links,
            Participants participants,
            LedgerProperties ledger,
            KeyCustody custody) {
        String identity = LedgerIdentities.institution(ledger.institution());
        Arrays.fill(custody.ledgerKey(identity), (byte) 0);
        custody.credentialSigningKey();
        return new ProtectStage(
                messages,
                bundles,
                module,
                blinding,
                links,
                participants,
                ledger.institution(),
                custody.encryptionPublicKey(identity));
    }

    /**
     * Reports held for an identifier go to the patient the moment they link it: their sub-keys are
     * re-sealed to the patient, then (when the hub follows a ledger) they enter the escrow.
     */
    @Bean
    PatientLinks.Listener heldReportsHandOver(
            PrivacyModule module, LedgerProperties ledger, KeyCustody custody, ObjectProvider<EscrowStage> escrow) {
        return (blindedIdentifier, patient) -> {
            handOver(module, ledger, custody, blindedIdentifier, patient);
            escrow.ifAvailable(stage -> stage.escrowHeld(blindedIdentifier, patient));
        };
    }

    /**
     * Finishes, once the hub (and its ledger) has started, the enrolments a killed hub left half done:
     * the patient linked the identifier (committed), but the reports held for it were not all handed
     * over or moved into the escrow. The link's listeners are told again, as a second redemption
     * would; each only moves what is still held.
     */
    @Bean
    SmartLifecycle unfinishedEnrolments(
            DataSource dataSource, Participants participants, ObjectProvider<PatientLinks.Listener> listeners) {
        JdbcUnfinishedEnrolments unfinished = new JdbcUnfinishedEnrolments(dataSource);
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
                Thread t = new Thread(
                        () -> {
                            try {
                                finish(unfinished, participants, listeners);
                            } catch (RuntimeException e) {
                                if (running) {
                                    log.error(
                                            "Finishing interrupted enrolments failed ({}); the next start tries again",
                                            e.getMessage());
                                }
                            }
                        },
                        "enrolment-resume");
                t.setDaemon(true);
                t.start();
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }

    private static void finish(
            JdbcUnfinishedEnrolments unfinished,
            Participants participants,
            ObjectProvider<PatientLinks.Listener> listeners) {
        int finished = 0;
        for (JdbcUnfinishedEnrolments.Unfinished u : unfinished.find()) {
            Participant patient = participants.find(u.patient()).orElse(null);
            if (patient == null) {
                continue;
            }
            for (PatientLinks.Listener listener : listeners.orderedStream().toList()) {
                try {
                    listener.linked(u.identifier().clone(), patient);
                } catch (RuntimeException e) {
                    // as at enrolment: the listener's own message may quote what it was handling
                    log.error(
                            "Finishing an interrupted enrolment failed in {} ({}); the next start tries again",
                            listener.getClass().getName(),
                            e.getClass().getName());
                }
            }
            finished++;
        }
        if (finished > 0) {
            log.warn("Finished {} enrolment(s) an earlier run left with reports still held", finished);
        }
    }

    static int handOver(
            PrivacyModule module,
            LedgerProperties ledger,
            KeyCustody custody,
            byte[] blindedIdentifier,
            Participant patient) {
        byte[] institutionPrivate = custody.encryptionPrivateKey(LedgerIdentities.institution(ledger.institution()));
        try {
            return module.handOver(
                    blindedIdentifier,
                    patient.address(),
                    patient.encryptionKey(),
                    ledger.institution(),
                    Hpke.recipient(institutionPrivate));
        } finally {
            Arrays.fill(institutionPrivate, (byte) 0);
        }
    }
}
