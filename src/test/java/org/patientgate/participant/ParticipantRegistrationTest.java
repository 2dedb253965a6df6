package org.patientgate.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.ledger.PersonalSign;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

class ParticipantRegistrationTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final String REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private static final String RELAY = "ledger.institution.local";

    private final ECKeyPair key = keyPair();
    private final String address = "0x" + Keys.getAddress(key);
    private final String encryptionKey = Encodings.base64Url(random(32));

    private ParticipantStore store;
    private ParticipantLedger ledger;
    private LedgerOutbox outbox;
    private ParticipantRegistration registration;

    @BeforeEach
    void setUp() {
        store = mock(ParticipantStore.class);
        ledger = mock(ParticipantLedger.class);
        outbox = mock(LedgerOutbox.class);
        when(store.find(any())).thenReturn(Optional.empty());
        when(store.save(any(), any()))
                .thenAnswer(i -> new ParticipantStore.Saved(ParticipantStore.Outcome.CREATED, i.getArgument(0)));
        when(ledger.ready()).thenReturn(true);
        when(ledger.relaySigner()).thenReturn(RELAY);
        when(ledger.patientKey(address)).thenReturn(Optional.empty());
        when(ledger.registrationTerms(address)).thenReturn(terms(BigInteger.valueOf(3)));
        when(outbox.find(any(String.class))).thenReturn(Optional.empty());
        registration = new ParticipantRegistration(store, ledger, outbox, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void registersANode_signedWithItsOwnKey() {
        ParticipantRegistration.Registered r = registration.register(signed("NODE", "Clinic A", key, null));

        assertThat(r.created()).isTrue();
        assertThat(r.participant().address()).isEqualTo(address);
        assertThat(r.participant().role()).isEqualTo(Participant.Role.NODE);
        assertThat(r.participant().name()).isEqualTo("Clinic A");
        assertThat(Encodings.base64Url(r.participant().encryptionKey())).isEqualTo(encryptionKey);
        verify(store).save(any(), isNull());
    }

    @Test
    void refusesASignatureMadeWithAnotherKey() {
        assertThatThrownBy(() -> registration.register(signed("NODE", "Clinic A", keyPair(), null)))
                .isInstanceOfSatisfying(ParticipantException.class, e -> assertThat(e.kind())
                        .isEqualTo(ParticipantException.Kind.INVALID))
                .hasMessageContaining("signature");
        verify(store, never()).save(any(), any());
    }

    @Test
    void refusesASignatureOfOtherText_suchAsAnotherRole() {
        ParticipantRegistration.Request asNode = signed("NODE", null, key, null);
        ParticipantRegistration.Request claimsPatient =
                new ParticipantRegistration.Request(address, "PATIENT", encryptionKey, null, asNode.signature(), null);

        assertThatThrownBy(() -> registration.register(claimsPatient)).isInstanceOf(ParticipantException.class);
    }

    @Test
    void refusesAPatientName_andMalformedFields() {
        assertThatThrownBy(() -> registration.register(signed("PATIENT", "Jane Doe", key, null)))
                .hasMessageContaining("without a name");
        assertThatThrownBy(() -> registration.register(new ParticipantRegistration.Request(
                        address.toUpperCase().replace("0X", "0x"), "NODE", encryptionKey, null, "x", null)))
                .hasMessageContaining("lowercase");
        assertThatThrownBy(() -> registration.register(
                        new ParticipantRegistration.Request(address, "NODE", encryptionKey + "=", null, "x", null)))
                .hasMessageContaining("encryptionKey");
        assertThatThrownBy(() -> registration.register(
                        new ParticipantRegistration.Request(address, "ADMIN", encryptionKey, null, "x", null)))
                .hasMessageContaining("role");
    }

    @Test
    void anAddressRegisteredWithAnotherKey_isAConflict() {
        when(store.find(address))
                .thenReturn(Optional.of(
                        new Participant(address, Participant.Role.NODE, random(32), null, NOW.minusSeconds(60))));

        assertThatThrownBy(() -> registration.register(signed("NODE", null, key, null)))
                .isInstanceOfSatisfying(ParticipantException.class, e -> assertThat(e.kind())
                        .isEqualTo(ParticipantException.Kind.CONFLICT));
        verify(store, never()).save(any(), any());
    }

    @Test
    void aPatientsLedgerSignature_isCheckedAgainstTheChainsTerms_andRelayedWithTheRecord() {
        BigInteger deadline = BigInteger.valueOf(NOW.getEpochSecond() + 3600);
        byte[] ledgerSignature = Eip712.sign(
                terms(BigInteger.valueOf(3))
                        .digest(address, Encodings.fromBase64Url(encryptionKey, 32, "k"), new byte[32], deadline),
                key);

        registration.register(signed(
                "PATIENT",
                null,
                key,
                new ParticipantRegistration.LedgerPart(deadline, Encodings.base64Url(ledgerSignature))));

        ArgumentCaptor<LedgerWrite> relay = ArgumentCaptor.forClass(LedgerWrite.class);
        verify(store).save(any(), relay.capture());
        LedgerWrite.RegisterPatient write = (LedgerWrite.RegisterPatient) relay.getValue();
        assertThat(write.signer()).isEqualTo(RELAY);
        assertThat(write.patient()).isEqualTo(address);
        assertThat(write.profileHash()).isEqualTo(new byte[32]);
        assertThat(write.update()).isFalse();
        assertThat(write.deadline()).isEqualTo(deadline);
        assertThat(write.signature()).isEqualTo(ledgerSignature);
    }

    @Test
    void aLedgerSignatureWithAStaleNonce_isRefused_andNothingIsStored() {
        BigInteger deadline = BigInteger.valueOf(NOW.getEpochSecond() + 3600);
        byte[] stale = Eip712.sign(
                terms(BigInteger.valueOf(2))
                        .digest(address, Encodings.fromBase64Url(encryptionKey, 32, "k"), new byte[32], deadline),
                key);

        assertThatThrownBy(() -> registration.register(signed(
                        "PATIENT",
                        null,
                        key,
                        new ParticipantRegistration.LedgerPart(deadline, Encodings.base64Url(stale)))))
                .hasMessageContaining("ledger.signature");
        verify(store, never()).save(any(), any());
    }

    @Test
    void aPassedDeadline_isRefused() {
        BigInteger deadline = BigInteger.valueOf(NOW.getEpochSecond() - 1);
        byte[] signature = Eip712.sign(
                terms(BigInteger.valueOf(3))
                        .digest(address, Encodings.fromBase64Url(encryptionKey, 32, "k"), new byte[32], deadline),
                key);

        assertThatThrownBy(() -> registration.register(signed(
                        "PATIENT",
                        null,
                        key,
                        new ParticipantRegistration.LedgerPart(deadline, Encodings.base64Url(signature)))))
                .hasMessageContaining("deadline has passed");
    }

    @Test
    void aLedgerPart_withoutALedger_orWhileTheChainIsAway_isRefused() {
        ParticipantRegistration noLedger =
                new ParticipantRegistration(store, null, null, Clock.fixed(NOW, ZoneOffset.UTC));
        ParticipantRegistration.LedgerPart part =
                new ParticipantRegistration.LedgerPart(BigInteger.TEN, Encodings.base64Url(new byte[65]));

        assertThatThrownBy(() -> noLedger.register(signed("PATIENT", null, key, part)))
                .hasMessageContaining("follows no ledger");
        assertThat(noLedger.terms(address)).isEmpty();

        when(ledger.patientKey(address)).thenThrow(new ParticipantLedger.Unreachable("down", null));
        assertThatThrownBy(() -> registration.register(signed("PATIENT", null, key, part)))
                .isInstanceOfSatisfying(ParticipantException.class, e -> assertThat(e.kind())
                        .isEqualTo(ParticipantException.Kind.UNAVAILABLE));
    }

    private ParticipantRegistration.Request signed(
            String role, String name, ECKeyPair signer, ParticipantRegistration.LedgerPart ledgerPart) {
        String message = ParticipantRegistration.message(address, role, encryptionKey, name);
        return new ParticipantRegistration.Request(
                address,
                role,
                encryptionKey,
                name,
                Encodings.base64Url(PersonalSign.sign(message, signer)),
                ledgerPart);
    }

    private static ParticipantLedger.RegistrationTerms terms(BigInteger nonce) {
        return new ParticipantLedger.RegistrationTerms(31337, REGISTRY, Eip712.REGISTRY_NAME, Eip712.VERSION, nonce);
    }

    private static ECKeyPair keyPair() {
        try {
            return Keys.createEcKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
