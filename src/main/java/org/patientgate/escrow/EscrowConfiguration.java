package org.patientgate.escrow;

import java.util.Arrays;
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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the stages between normalization and the ledger. On first start it also makes sure the hosted
 * institution's keys (secp256k1 signing, X25519 encryption) and the credential-signing key exist in
 * the keystore.
 */
@Configuration(proxyBeanMethods = false)
class EscrowConfiguration {

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
