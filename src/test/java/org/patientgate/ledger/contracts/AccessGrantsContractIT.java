package org.patientgate.ledger.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO32;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO_ADDRESS;
import static org.patientgate.ledger.contracts.ChainFixture.hex;
import static org.patientgate.ledger.contracts.ChainFixture.send;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.contracts.ChainFixture.Party;
import org.patientgate.ledger.contracts.ChainFixture.Revert;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tuples.generated.Tuple4;

/** AccessGrants on anvil: grants and revocations signed in Java (EIP-712), surrender, expiry, every revert. */
class AccessGrantsContractIT {

    private static final BigInteger NONE = BigInteger.ZERO;
    private static final BigInteger ACTIVE = BigInteger.ONE;
    private static final BigInteger REVOKED = BigInteger.TWO;
    private static final BigInteger EXPIRED = BigInteger.valueOf(3);
    private static final long DAY = 86_400;

    @TempDir
    static Path dir;

    static ChainFixture chain;

    @BeforeAll
    static void start() {
        chain = ChainFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.close();
        }
    }

    /** A grant as issued: its credential hash, parties and expiry, and the issuing transaction. */
    private record Grant(
            byte[] credentialHash,
            Party patient,
            Credentials grantee,
            BigInteger expiresAt,
            TransactionReceipt receipt) {}

    private static BigInteger inAnHour() throws Exception {
        return chain.now().add(BigInteger.valueOf(3_600));
    }

    private static BigInteger inADay() throws Exception {
        return chain.now().add(BigInteger.valueOf(DAY));
    }

    /** issue() as relayed by the hub, signed by {@code signer}. */
    private static RemoteFunctionCall<TransactionReceipt> issue(
            byte[] credentialHash,
            String patient,
            String grantee,
            BigInteger expiresAt,
            BigInteger deadline,
            Credentials signer) {
        byte[] sig = chain.signGrant(signer.getEcKeyPair(), credentialHash, grantee, expiresAt, deadline);
        return chain.grants(chain.relayer).issue(credentialHash, patient, grantee, expiresAt, deadline, sig);
    }

    /** A grant by a registered, funded patient to a funded grantee, valid for {@code seconds}. */
    private static Grant issued(long seconds) throws Exception {
        Party patient = chain.registerPatient(chain.funded());
        Credentials grantee = chain.funded();
        byte[] credentialHash = chain.bytes32();
        BigInteger expiresAt = chain.now().add(BigInteger.valueOf(seconds));
        TransactionReceipt receipt = send(issue(
                credentialHash, patient.address(), grantee.getAddress(), expiresAt, inAnHour(), patient.credentials()));
        return new Grant(credentialHash, patient, grantee, expiresAt, receipt);
    }

    private static Tuple4<BigInteger, String, String, BigInteger> statusOf(byte[] credentialHash) throws Exception {
        return chain.grants.statusOf(credentialHash).send();
    }

    private static Revert assertReverts(RemoteFunctionCall<?> call, String error) {
        return chain.assertReverts(chain.relayer, chain.grants, call, error);
    }

    private static RemoteFunctionCall<TransactionReceipt> revokeBySig(
            byte[] credentialHash, BigInteger deadline, Credentials signer) {
        byte[] sig = chain.signRevocation(signer.getEcKeyPair(), credentialHash, deadline);
        return chain.grants(chain.relayer).revokeBySig(credentialHash, deadline, sig);
    }

    // ---------------------------------------------------------------- domain

    @Test
    void domainSeparatorTypehashesAndRegistry_matchJava() throws Exception {
        String address = chain.grants.getContractAddress();

        assertThat(chain.grants.DOMAIN_SEPARATOR().send())
                .isEqualTo(Eip712.domainSeparator(Eip712.GRANTS_NAME, ChainFixture.CHAIN_ID, address));
        assertThat(chain.grants.GRANT_TYPEHASH().send()).isEqualTo(Eip712.grantTypeHash());
        assertThat(chain.grants.REVOCATION_TYPEHASH().send()).isEqualTo(Eip712.revocationTypeHash());
        assertThat(chain.grants.registry().send()).isEqualTo(chain.registry.getContractAddress());
    }

    // ---------------------------------------------------------------- issue

    @Test
    void issue_recordsTheGrant_fromThePatientsJavaSignature_relayedByTheHub() throws Exception {
        Party patient = chain.registerPatient();
        Credentials grantee = chain.unfunded();
        byte[] credentialHash = chain.bytes32();
        BigInteger expiresAt = inADay();

        TransactionReceipt receipt = send(issue(
                credentialHash, patient.address(), grantee.getAddress(), expiresAt, inAnHour(), patient.credentials()));

        assertThat(receipt.getFrom()).isEqualTo(chain.relayer.getAddress());
        List<AccessGrants.GrantIssuedEventResponse> events = chain.grants.getGrantIssuedEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).credentialHash).isEqualTo(credentialHash);
        assertThat(events.get(0).patient).isEqualTo(patient.address());
        assertThat(events.get(0).grantee).isEqualTo(grantee.getAddress());
        assertThat(events.get(0).expiresAt).isEqualTo(expiresAt);
        Tuple4<BigInteger, String, String, BigInteger> status = statusOf(credentialHash);
        assertThat(status.component1()).isEqualTo(ACTIVE);
        assertThat(status.component2()).isEqualTo(patient.address());
        assertThat(status.component3()).isEqualTo(grantee.getAddress());
        assertThat(status.component4()).isEqualTo(expiresAt);
    }

    @Test
    void statusOf_isNoneForAnUnknownCredential() throws Exception {
        Tuple4<BigInteger, String, String, BigInteger> status = statusOf(chain.bytes32());

        assertThat(status.component1()).isEqualTo(NONE);
        assertThat(status.component2()).isEqualTo(ZERO_ADDRESS);
        assertThat(status.component3()).isEqualTo(ZERO_ADDRESS);
        assertThat(status.component4()).isZero();
    }

    @Test
    void issueRevertsZeroHash_forAZeroCredentialHash() throws Exception {
        Party patient = chain.registerPatient();

        assertReverts(
                issue(
                        ZERO32,
                        patient.address(),
                        chain.unfunded().getAddress(),
                        inADay(),
                        inAnHour(),
                        patient.credentials()),
                "ZeroHash");
    }

    @Test
    void issueRevertsZeroAddress_forAZeroGrantee() throws Exception {
        Party patient = chain.registerPatient();

        assertReverts(
                issue(chain.bytes32(), patient.address(), ZERO_ADDRESS, inADay(), inAnHour(), patient.credentials()),
                "ZeroAddress");
    }

    @Test
    void issueRevertsGrantExists_forACredentialHashUsedBefore_evenAfterRevocation() throws Exception {
        Grant g = issued(DAY);
        Party otherPatient = chain.registerPatient();
        String grantee = chain.unfunded().getAddress();

        Revert same = assertReverts(
                issue(
                        g.credentialHash(),
                        g.patient().address(),
                        grantee,
                        inADay(),
                        inAnHour(),
                        g.patient().credentials()),
                "GrantExists");
        Revert other = assertReverts(
                issue(
                        g.credentialHash(),
                        otherPatient.address(),
                        grantee,
                        inADay(),
                        inAnHour(),
                        otherPatient.credentials()),
                "GrantExists");
        send(chain.grants(g.patient().credentials()).revoke(g.credentialHash()));
        assertReverts(
                issue(
                        g.credentialHash(),
                        g.patient().address(),
                        grantee,
                        inADay(),
                        inAnHour(),
                        g.patient().credentials()),
                "GrantExists");

        assertThat(same.description()).isEqualTo("GrantExists(" + hex(g.credentialHash()) + ")");
        assertThat(other.description()).isEqualTo(same.description());
    }

    @Test
    void issueRevertsUnregisteredParty_forAnUnregisteredPatientOrAnInstitution() throws Exception {
        Credentials unregistered = chain.unfunded();
        Party institution = chain.admitInstitution();

        for (Credentials patient : List.of(unregistered, institution.credentials())) {
            Revert r = assertReverts(
                    issue(
                            chain.bytes32(),
                            patient.getAddress(),
                            chain.unfunded().getAddress(),
                            inADay(),
                            inAnHour(),
                            patient),
                    "UnregisteredParty");
            assertThat(r.description()).isEqualTo("UnregisteredParty(" + patient.getAddress() + ")");
        }
    }

    @Test
    void issueRevertsExpired_forAnExpiryNotInTheFuture() throws Exception {
        Party patient = chain.registerPatient();
        byte[] credentialHash = chain.bytes32();
        BigInteger past = chain.now().subtract(BigInteger.ONE);

        Revert r = assertReverts(
                issue(
                        credentialHash,
                        patient.address(),
                        chain.unfunded().getAddress(),
                        past,
                        inAnHour(),
                        patient.credentials()),
                "Expired");

        assertThat(r.description()).isEqualTo("Expired(" + hex(credentialHash) + ", " + past + ")");
    }

    @Test
    void issueRevertsSignatureExpired_forAPastDeadline() throws Exception {
        Party patient = chain.registerPatient();
        BigInteger deadline = chain.now().subtract(BigInteger.ONE);

        Revert r = assertReverts(
                issue(
                        chain.bytes32(),
                        patient.address(),
                        chain.unfunded().getAddress(),
                        inADay(),
                        deadline,
                        patient.credentials()),
                "SignatureExpired");

        assertThat(r.description()).isEqualTo("SignatureExpired(" + deadline + ")");
    }

    @Test
    void issueRevertsWrongSigner_whenSignedByAnotherKey() throws Exception {
        Party patient = chain.registerPatient();
        Party other = chain.registerPatient();
        byte[] credentialHash = chain.bytes32();

        Revert r = assertReverts(
                issue(
                        credentialHash,
                        patient.address(),
                        chain.unfunded().getAddress(),
                        inADay(),
                        inAnHour(),
                        other.credentials()),
                "WrongSigner");

        assertThat(r.description()).isEqualTo("WrongSigner(" + patient.address() + ", " + other.address() + ")");
        assertThat(statusOf(credentialHash).component1()).isEqualTo(NONE);
    }

    @Test
    void issueRevertsWrongSigner_whenTheRelayerChangesASignedField() throws Exception {
        Party patient = chain.registerPatient();
        byte[] credentialHash = chain.bytes32();
        String grantee = chain.unfunded().getAddress();
        BigInteger expiresAt = inADay();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signGrant(patient.key(), credentialHash, grantee, expiresAt, deadline);
        AccessGrants grants = chain.grants(chain.relayer);
        String p = patient.address();

        for (var call : List.of(
                grants.issue(credentialHash, p, chain.unfunded().getAddress(), expiresAt, deadline, sig),
                grants.issue(credentialHash, p, grantee, expiresAt.add(BigInteger.valueOf(DAY)), deadline, sig),
                grants.issue(chain.bytes32(), p, grantee, expiresAt, deadline, sig),
                grants.issue(credentialHash, p, grantee, expiresAt, deadline.add(BigInteger.ONE), sig))) {
            Revert r = assertReverts(call, "WrongSigner");
            assertThat(r.description()).startsWith("WrongSigner(" + p + ", ").doesNotEndWith(p + ")");
        }
        send(grants.issue(credentialHash, p, grantee, expiresAt, deadline, sig));
    }

    @Test
    void issueRevertsInvalidSignature_forMalformedOrHighSSignatures() throws Exception {
        Party patient = chain.registerPatient();
        byte[] credentialHash = chain.bytes32();
        String grantee = chain.unfunded().getAddress();
        BigInteger expiresAt = inADay();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signGrant(patient.key(), credentialHash, grantee, expiresAt, deadline);
        AccessGrants grants = chain.grants(chain.relayer);

        for (byte[] bad : ChainFixture.malformed(sig)) {
            assertReverts(
                    grants.issue(credentialHash, patient.address(), grantee, expiresAt, deadline, bad),
                    "InvalidSignature");
        }
    }

    // ---------------------------------------------------------------- revoke

    @Test
    void revoke_byThePatient_revokesTheGrant_andEmitsGrantRevokedNotSurrendered() throws Exception {
        Grant g = issued(DAY);

        TransactionReceipt receipt =
                send(chain.grants(g.patient().credentials()).revoke(g.credentialHash()));

        List<AccessGrants.GrantRevokedEventResponse> events = chain.grants.getGrantRevokedEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).credentialHash).isEqualTo(g.credentialHash());
        assertThat(events.get(0).by).isEqualTo(g.patient().address());
        assertThat(events.get(0).surrendered).isFalse();
        Tuple4<BigInteger, String, String, BigInteger> status = statusOf(g.credentialHash());
        assertThat(status.component1()).isEqualTo(REVOKED);
        assertThat(status.component2()).isEqualTo(g.patient().address());
        assertThat(status.component3()).isEqualTo(g.grantee().getAddress());
        assertThat(status.component4()).isEqualTo(g.expiresAt());
    }

    @Test
    void revoke_byTheGrantee_surrendersTheGrant() throws Exception {
        Grant g = issued(DAY);

        TransactionReceipt receipt = send(chain.grants(g.grantee()).revoke(g.credentialHash()));

        AccessGrants.GrantRevokedEventResponse event =
                chain.grants.getGrantRevokedEvents(receipt).get(0);
        assertThat(event.credentialHash).isEqualTo(g.credentialHash());
        assertThat(event.by).isEqualTo(g.grantee().getAddress());
        assertThat(event.surrendered).isTrue();
        assertThat(statusOf(g.credentialHash()).component1()).isEqualTo(REVOKED);
    }

    @Test
    void revokeRevertsNotPartyToGrant_forAStranger() throws Exception {
        Grant g = issued(DAY);
        Credentials stranger = chain.funded();
        AccessGrants asStranger = chain.grants(stranger);

        Revert r = chain.assertReverts(stranger, asStranger, asStranger.revoke(g.credentialHash()), "NotPartyToGrant");

        assertThat(r.description()).isEqualTo("NotPartyToGrant(" + stranger.getAddress() + ")");
        assertThat(statusOf(g.credentialHash()).component1()).isEqualTo(ACTIVE);
    }

    @Test
    void revokeRevertsUnknownGrant_forAnUnknownCredential() throws Exception {
        byte[] unknown = chain.bytes32();

        Revert r = assertReverts(chain.grants(chain.relayer).revoke(unknown), "UnknownGrant");

        assertThat(r.description()).isEqualTo("UnknownGrant(" + hex(unknown) + ")");
    }

    @Test
    void revokeRevertsAlreadyRevoked_forARevokedGrant_byEitherParty() throws Exception {
        Grant g = issued(DAY);
        send(chain.grants(g.grantee()).revoke(g.credentialHash()));

        for (Credentials party : List.of(g.patient().credentials(), g.grantee())) {
            AccessGrants grants = chain.grants(party);
            Revert r = chain.assertReverts(party, grants, grants.revoke(g.credentialHash()), "AlreadyRevoked");
            assertThat(r.description()).isEqualTo("AlreadyRevoked(" + hex(g.credentialHash()) + ")");
        }
    }

    @Test
    void revokeBySig_revokesTheGrant_fromThePatientsJavaRevocation_relayedByTheHub() throws Exception {
        Grant g = issued(DAY);

        TransactionReceipt receipt =
                send(revokeBySig(g.credentialHash(), inAnHour(), g.patient().credentials()));

        assertThat(receipt.getFrom()).isEqualTo(chain.relayer.getAddress());
        AccessGrants.GrantRevokedEventResponse event =
                chain.grants.getGrantRevokedEvents(receipt).get(0);
        assertThat(event.credentialHash).isEqualTo(g.credentialHash());
        assertThat(event.by).isEqualTo(g.patient().address());
        assertThat(event.surrendered).isFalse();
        assertThat(statusOf(g.credentialHash()).component1()).isEqualTo(REVOKED);
        assertReverts(revokeBySig(g.credentialHash(), inAnHour(), g.patient().credentials()), "AlreadyRevoked");
    }

    @Test
    void revokeBySigRevertsWrongSigner_whenSignedByTheGranteeOrAnotherKey() throws Exception {
        Grant g = issued(DAY);
        Credentials other = chain.unfunded();

        for (Credentials signer : List.of(g.grantee(), other)) {
            Revert r = assertReverts(revokeBySig(g.credentialHash(), inAnHour(), signer), "WrongSigner");
            assertThat(r.description())
                    .isEqualTo("WrongSigner(" + g.patient().address() + ", " + signer.getAddress() + ")");
        }
        // a revocation signed for another credential does not fit this one
        byte[] sigForOther = chain.signRevocation(g.patient().key(), chain.bytes32(), inAnHour());
        assertReverts(
                chain.grants(chain.relayer).revokeBySig(g.credentialHash(), inAnHour(), sigForOther), "WrongSigner");
        assertThat(statusOf(g.credentialHash()).component1()).isEqualTo(ACTIVE);
    }

    @Test
    void revokeBySigRevertsSignatureExpired_forAPastDeadline() throws Exception {
        Grant g = issued(DAY);
        BigInteger deadline = chain.now().subtract(BigInteger.ONE);

        Revert r = assertReverts(
                revokeBySig(g.credentialHash(), deadline, g.patient().credentials()), "SignatureExpired");

        assertThat(r.description()).isEqualTo("SignatureExpired(" + deadline + ")");
    }

    @Test
    void revokeBySigRevertsUnknownGrantAndInvalidSignature() throws Exception {
        Party patient = chain.registerPatient();
        byte[] unknown = chain.bytes32();
        assertReverts(revokeBySig(unknown, inAnHour(), patient.credentials()), "UnknownGrant");

        Grant g = issued(DAY);
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signRevocation(g.patient().key(), g.credentialHash(), deadline);
        for (byte[] bad : ChainFixture.malformed(sig)) {
            assertReverts(
                    chain.grants(chain.relayer).revokeBySig(g.credentialHash(), deadline, bad), "InvalidSignature");
        }
    }

    // ---------------------------------------------------------------- expiry (time travel)

    @Test
    void statusOf_turnsExpired_afterExpiresAt_andRevokedStillWins() throws Exception {
        Grant expiring = issued(1_000);
        Grant revoked = issued(1_000);
        send(chain.grants(revoked.patient().credentials()).revoke(revoked.credentialHash()));
        assertThat(statusOf(expiring.credentialHash()).component1()).isEqualTo(ACTIVE);

        chain.travel(1_001);

        Tuple4<BigInteger, String, String, BigInteger> status = statusOf(expiring.credentialHash());
        assertThat(status.component1()).isEqualTo(EXPIRED);
        assertThat(status.component2()).isEqualTo(expiring.patient().address());
        assertThat(status.component3()).isEqualTo(expiring.grantee().getAddress());
        assertThat(status.component4()).isEqualTo(expiring.expiresAt());
        assertThat(statusOf(revoked.credentialHash()).component1()).isEqualTo(REVOKED);
    }
}
