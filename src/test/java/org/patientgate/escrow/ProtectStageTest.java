package org.patientgate.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.patientgate.ingest.MessageStore;
import org.patientgate.normalize.BundleStore;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.participant.Participants;
import org.patientgate.participant.PatientLinks;
import org.patientgate.protect.IdentifierBlinding;
import org.patientgate.protect.KeyCustody;
import org.patientgate.protect.PrivacyModule;

/**
 * The protection stage's choices: which identifier a report is filed under, a bundle without one
 * going to the dead-letter store (kept for replay) instead of being protected, and reports for a
 * patient who has not enrolled sealed to the institution.
 */
class ProtectStageTest {

    private static byte[] bundle(String identifiers) {
        return ("{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"identifier\":["
                        + identifiers + "]}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void prefersTheMedicalRecordNumberThenTheFirstIdentifierWithASystem() {
        String ss = "{\"system\":\"urn:ssn\",\"value\":\"111\",\"type\":{\"coding\":[{\"code\":\"SS\"}]}}";
        String mr = "{\"system\":\"urn:mrn\",\"value\":\"222\",\"type\":{\"coding\":[{\"code\":\"MR\"}]}}";
        String bare = "{\"value\":\"333\"}";
        assertThat(ReportPatient.identifier(bundle(ss + "," + mr)))
                .contains(new ReportPatient.Identifier("urn:mrn", "222"));
        assertThat(ReportPatient.identifier(bundle(bare + "," + ss)))
                .contains(new ReportPatient.Identifier("urn:ssn", "111"));
        assertThat(ReportPatient.identifier(bundle(bare))).isEmpty();
        assertThat(ReportPatient.identifier(bundle(""))).isEmpty();
        assertThat(ReportPatient.identifier("not json".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
    }

    @Test
    void aBundleWithoutAPatientIdentifierIsDeadLetteredAndAnotherIsHeldForTheInstitution() {
        MessageStore messages = mock(MessageStore.class);
        BundleStore bundles = mock(BundleStore.class);
        PrivacyModule module = mock(PrivacyModule.class);
        PatientLinks links = mock(PatientLinks.class);
        Participants participants = mock(Participants.class);
        KeyCustody custody = mock(KeyCustody.class);
        when(custody.secretKey(any())).thenReturn(new javax.crypto.spec.SecretKeySpec(new byte[32], "AES"));
        UUID orphan = UUID.randomUUID();
        UUID held = UUID.randomUUID();
        when(module.reportsForMessages(anyList())).thenReturn(Map.of());
        when(bundles.findAll(anyCollection()))
                .thenReturn(
                        Map.of(
                                orphan,
                                new CanonicalBundle("b1", "ORU_R01", bundle("{\"value\":\"9\"}")),
                                held,
                                new CanonicalBundle(
                                        "b2",
                                        "ORU_R01",
                                        bundle(
                                                "{\"system\":\"urn:mrn\",\"value\":\"7\",\"type\":{\"coding\":[{\"code\":\"MR\"}]}}"))));
        when(links.patientsFor(anyCollection())).thenReturn(Map.of());
        when(participants.findAll(anyCollection())).thenReturn(Map.of());
        byte[] institutionKey = new byte[32];
        institutionKey[0] = 9;
        ProtectStage stage = new ProtectStage(
                messages,
                bundles,
                module,
                new IdentifierBlinding(custody),
                links,
                participants,
                "local",
                institutionKey);

        String handedOn = stage.process(orphan + "\n" + held + "\nnot-an-id\n");

        verify(messages).markFailed(eq(orphan), eq("protect"), eq("no-patient-identifier"), any());
        @SuppressWarnings("unchecked")
        ArgumentCaptor<List<PrivacyModule.ProtectRequest>> requests = ArgumentCaptor.forClass(List.class);
        verify(module).protectAll(requests.capture());
        assertThat(requests.getValue()).singleElement().satisfies(r -> {
            assertThat(r.messageId()).isEqualTo(held);
            assertThat(r.report()).isEqualTo(ProtectStage.reportId(held));
            assertThat(r.patient()).isNull();
            assertThat(r.recipient().name()).isEqualTo("institution:local");
            assertThat(r.recipient().publicKey()).isEqualTo(institutionKey);
        });
        assertThat(handedOn).isEqualTo(ProtectStage.reportId(held) + "\n");
    }
}
