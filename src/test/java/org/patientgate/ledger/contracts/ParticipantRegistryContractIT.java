package org.patientgate.ledger.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO32;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO_ADDRESS;
import static org.patientgate.ledger.contracts.ChainFixture.send;
import static org.patientgate.ledger.contracts.ChainFixture.signRegistration;

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
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tuples.generated.Tuple6;

/** ParticipantRegistry on anvil: admins, institutions, patients (directly and by EIP-712 signature). */
class ParticipantRegistryContractIT {

    private static final BigInteger KIND_NONE = BigInteger.ZERO;
    private static final BigInteger KIND_INSTITUTION = BigInteger.ONE;
    private static final BigInteger KIND_PATIENT = BigInteger.TWO;

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

    private static BigInteger inAnHour() throws Exception {
        return chain.now().add(BigInteger.valueOf(3_600));
    }

    private static String registryAddress() {
        return chain.registry.getContractAddress();
    }

    private static Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> participant(String account)
            throws Exception {
        return chain.registry.participantOf(account).send();
    }

    // ---------------------------------------------------------------- deployment and domain

    @Test
    void deployment_makesTheInitialAdminTheOnlyAdmin_andEmitsAdminAddedByZero() throws Exception {
        Credentials first = chain.funded();

        ParticipantRegistry reg = chain.deployRegistry(first);

        TransactionReceipt deployed = reg.getTransactionReceipt().orElseThrow();
        List<ParticipantRegistry.AdminAddedEventResponse> added = reg.getAdminAddedEvents(deployed);
        assertThat(added).hasSize(1);
        assertThat(added.get(0).account).isEqualTo(first.getAddress());
        assertThat(added.get(0).by).isEqualTo(ZERO_ADDRESS);
        assertThat(reg.isAdmin(first.getAddress()).send()).isTrue();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void deploymentRevertsZeroAddress_forAZeroInitialAdmin() {
        String init = "0x" + ParticipantRegistry.BINARY
                + FunctionEncoder.encodeConstructor(List.of(new Address(ZERO_ADDRESS)));

        chain.assertReverts(chain.admin.getAddress(), null, init, "ZeroAddress");
    }

    @Test
    void domainSeparator_equalsJavaEip712DomainSeparator_andTypehashMatches() throws Exception {
        byte[] expected = Eip712.domainSeparator(Eip712.REGISTRY_NAME, ChainFixture.CHAIN_ID, registryAddress());

        assertThat(chain.registry.DOMAIN_SEPARATOR().send()).isEqualTo(expected);
        assertThat(chain.registry.REGISTRATION_TYPEHASH().send()).isEqualTo(Eip712.registrationTypeHash());
    }

    // ---------------------------------------------------------------- admins

    @Test
    void addAdmin_makesTheAccountAdmin_andEmitsAdminAdded() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials second = chain.funded();

        TransactionReceipt receipt = send(reg.addAdmin(second.getAddress()));

        List<ParticipantRegistry.AdminAddedEventResponse> added = reg.getAdminAddedEvents(receipt);
        assertThat(added).hasSize(1);
        assertThat(added.get(0).account).isEqualTo(second.getAddress());
        assertThat(added.get(0).by).isEqualTo(first.getAddress());
        assertThat(reg.isAdmin(second.getAddress()).send()).isTrue();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.TWO);
    }

    @Test
    void addAdminRevertsAlreadyAdmin_forAnExistingAdmin() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);

        Revert r = chain.assertReverts(first, reg, reg.addAdmin(first.getAddress()), "AlreadyAdmin");

        assertThat(r.description()).isEqualTo("AlreadyAdmin(" + first.getAddress() + ")");
    }

    @Test
    void addAdminRevertsZeroAddress_forTheZeroAddress() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);

        chain.assertReverts(first, reg, reg.addAdmin(ZERO_ADDRESS), "ZeroAddress");
    }

    @Test
    void everyAdminFunctionRevertsNotAdmin_forAStranger() throws Exception {
        Party institution = chain.admitInstitution();
        Credentials stranger = chain.funded();
        ParticipantRegistry reg = chain.registry(stranger);
        String notAdmin = "NotAdmin(" + stranger.getAddress() + ")";

        for (var call : List.of(
                reg.addAdmin(stranger.getAddress()),
                reg.removeAdmin(chain.admin.getAddress()),
                reg.transferAdmin(stranger.getAddress()),
                reg.admitInstitution(stranger.getAddress(), chain.bytes32(), chain.bytes32()),
                reg.removeInstitution(institution.address()))) {
            assertThat(chain.assertReverts(stranger, reg, call, "NotAdmin").description())
                    .isEqualTo(notAdmin);
        }
        assertThat(chain.registry.isAdmin(stranger.getAddress()).send()).isFalse();
    }

    @Test
    void removeAdmin_takesTheRoleAway_andEmitsAdminRemoved() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials second = chain.funded();
        send(reg.addAdmin(second.getAddress()));

        TransactionReceipt receipt = send(reg.removeAdmin(second.getAddress()));

        List<ParticipantRegistry.AdminRemovedEventResponse> removed = reg.getAdminRemovedEvents(receipt);
        assertThat(removed).hasSize(1);
        assertThat(removed.get(0).account).isEqualTo(second.getAddress());
        assertThat(removed.get(0).by).isEqualTo(first.getAddress());
        assertThat(reg.isAdmin(second.getAddress()).send()).isFalse();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void removeAdmin_letsAnAdminRemoveItself_whileAnotherRemains() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials second = chain.funded();
        send(reg.addAdmin(second.getAddress()));

        TransactionReceipt receipt = send(reg.removeAdmin(first.getAddress()));

        ParticipantRegistry.AdminRemovedEventResponse removed =
                reg.getAdminRemovedEvents(receipt).get(0);
        assertThat(removed.account).isEqualTo(first.getAddress());
        assertThat(removed.by).isEqualTo(first.getAddress());
        assertThat(reg.isAdmin(first.getAddress()).send()).isFalse();
        assertThat(reg.isAdmin(second.getAddress()).send()).isTrue();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void removeAdminRevertsLastAdmin_forTheOnlyAdmin() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);

        chain.assertReverts(first, reg, reg.removeAdmin(first.getAddress()), "LastAdmin");

        assertThat(reg.isAdmin(first.getAddress()).send()).isTrue();
    }

    @Test
    void removeAdminRevertsNotAdmin_forATargetThatIsNoAdmin() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials other = chain.unfunded();

        Revert r = chain.assertReverts(first, reg, reg.removeAdmin(other.getAddress()), "NotAdmin");

        assertThat(r.description()).isEqualTo("NotAdmin(" + other.getAddress() + ")");
    }

    @Test
    void transferAdmin_movesTheRoleToTheNewAdmin_evenFromTheOnlyAdmin() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials next = chain.funded();

        TransactionReceipt receipt = send(reg.transferAdmin(next.getAddress()));

        ParticipantRegistry.AdminAddedEventResponse added =
                reg.getAdminAddedEvents(receipt).get(0);
        assertThat(added.account).isEqualTo(next.getAddress());
        assertThat(added.by).isEqualTo(first.getAddress());
        ParticipantRegistry.AdminRemovedEventResponse removed =
                reg.getAdminRemovedEvents(receipt).get(0);
        assertThat(removed.account).isEqualTo(first.getAddress());
        assertThat(removed.by).isEqualTo(first.getAddress());
        assertThat(reg.isAdmin(next.getAddress()).send()).isTrue();
        assertThat(reg.isAdmin(first.getAddress()).send()).isFalse();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.ONE);
        // the former admin lost its powers, the new one has them
        chain.assertReverts(first, reg, reg.addAdmin(chain.unfunded().getAddress()), "NotAdmin");
        send(chain.registryAt(reg.getContractAddress(), next).addAdmin(first.getAddress()));
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.TWO);
    }

    @Test
    void transferAdmin_toAnExistingAdmin_onlyRemovesTheCaller() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);
        Credentials second = chain.funded();
        send(reg.addAdmin(second.getAddress()));

        TransactionReceipt receipt = send(reg.transferAdmin(second.getAddress()));

        assertThat(reg.getAdminAddedEvents(receipt)).isEmpty();
        assertThat(reg.getAdminRemovedEvents(receipt)).hasSize(1);
        assertThat(reg.isAdmin(first.getAddress()).send()).isFalse();
        assertThat(reg.isAdmin(second.getAddress()).send()).isTrue();
        assertThat(reg.adminCount().send()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void transferAdminRevertsAlreadyAdmin_toTheCallerItself() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);

        Revert r = chain.assertReverts(first, reg, reg.transferAdmin(first.getAddress()), "AlreadyAdmin");

        assertThat(r.description()).isEqualTo("AlreadyAdmin(" + first.getAddress() + ")");
    }

    @Test
    void transferAdminRevertsZeroAddress_toTheZeroAddress() throws Exception {
        Credentials first = chain.funded();
        ParticipantRegistry reg = chain.deployRegistry(first);

        chain.assertReverts(first, reg, reg.transferAdmin(ZERO_ADDRESS), "ZeroAddress");
    }

    // ---------------------------------------------------------------- institutions

    @Test
    void admitInstitution_recordsTheInstitution_andEmitsInstitutionAdmitted() throws Exception {
        Credentials institution = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();

        TransactionReceipt receipt =
                send(chain.registry(chain.admin).admitInstitution(institution.getAddress(), key, profile));

        List<ParticipantRegistry.InstitutionAdmittedEventResponse> events =
                chain.registry.getInstitutionAdmittedEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).institution).isEqualTo(institution.getAddress());
        assertThat(events.get(0).encryptionKey).isEqualTo(key);
        assertThat(events.get(0).profileHash).isEqualTo(profile);
        BigInteger at = chain.timestampOf(receipt);
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(institution.getAddress());
        assertThat(p.component1()).isEqualTo(KIND_INSTITUTION);
        assertThat(p.component2()).isTrue();
        assertThat(p.component3()).isEqualTo(at);
        assertThat(p.component4()).isEqualTo(at);
        assertThat(p.component5()).isEqualTo(key);
        assertThat(p.component6()).isEqualTo(profile);
        assertThat(chain.registry.isActiveInstitution(institution.getAddress()).send())
                .isTrue();
        assertThat(chain.registry.isRegisteredPatient(institution.getAddress()).send())
                .isFalse();
        assertThat(chain.registry.encryptionKeyOf(institution.getAddress()).send())
                .isEqualTo(key);
    }

    @Test
    void admitInstitutionRevertsZeroKey_forAZeroEncryptionKey() throws Exception {
        ParticipantRegistry reg = chain.registry(chain.admin);
        String institution = chain.unfunded().getAddress();

        chain.assertReverts(chain.admin, reg, reg.admitInstitution(institution, ZERO32, chain.bytes32()), "ZeroKey");

        assertThat(reg.isActiveInstitution(institution).send()).isFalse();
    }

    @Test
    void admitInstitutionRevertsZeroAddress_forTheZeroAddress() {
        ParticipantRegistry reg = chain.registry(chain.admin);

        chain.assertReverts(
                chain.admin, reg, reg.admitInstitution(ZERO_ADDRESS, chain.bytes32(), chain.bytes32()), "ZeroAddress");
    }

    @Test
    void admitInstitutionRevertsAlreadyRegistered_forAnActiveInstitutionOrAPatient() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        ParticipantRegistry reg = chain.registry(chain.admin);

        for (String account : List.of(institution.address(), patient.address())) {
            Revert r = chain.assertReverts(
                    chain.admin,
                    reg,
                    reg.admitInstitution(account, chain.bytes32(), chain.bytes32()),
                    "AlreadyRegistered");
            assertThat(r.description()).isEqualTo("AlreadyRegistered(" + account + ")");
        }
        assertThat(reg.encryptionKeyOf(institution.address()).send()).isEqualTo(institution.encryptionKey());
    }

    @Test
    void removeInstitution_deactivatesIt_andEmitsInstitutionRemoved() throws Exception {
        Party institution = chain.admitInstitution();
        BigInteger registeredAt = participant(institution.address()).component3();
        ParticipantRegistry reg = chain.registry(chain.admin);

        TransactionReceipt receipt = send(reg.removeInstitution(institution.address()));

        List<ParticipantRegistry.InstitutionRemovedEventResponse> events = reg.getInstitutionRemovedEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).institution).isEqualTo(institution.address());
        assertThat(events.get(0).by).isEqualTo(chain.admin.getAddress());
        assertThat(reg.isActiveInstitution(institution.address()).send()).isFalse();
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(institution.address());
        assertThat(p.component1()).isEqualTo(KIND_INSTITUTION);
        assertThat(p.component2()).isFalse();
        assertThat(p.component3()).isEqualTo(registeredAt);
        assertThat(p.component4()).isEqualTo(chain.timestampOf(receipt));
        assertThat(p.component5()).isEqualTo(institution.encryptionKey());
        Revert r = chain.assertReverts(chain.admin, reg, reg.encryptionKeyOf(institution.address()), "NotRegistered");
        assertThat(r.description()).isEqualTo("NotRegistered(" + institution.address() + ")");
    }

    @Test
    void removeInstitutionRevertsNotRegistered_forAnUnknownRemovedOrPatientAccount() throws Exception {
        Party removed = chain.admitInstitution();
        ParticipantRegistry reg = chain.registry(chain.admin);
        send(reg.removeInstitution(removed.address()));
        Party patient = chain.registerPatient();
        String unknown = chain.unfunded().getAddress();

        for (String account : List.of(unknown, removed.address(), patient.address())) {
            Revert r = chain.assertReverts(chain.admin, reg, reg.removeInstitution(account), "NotRegistered");
            assertThat(r.description()).isEqualTo("NotRegistered(" + account + ")");
        }
    }

    @Test
    void admitInstitution_readmitsARemovedInstitution_withNewKeys_keepingRegisteredAt() throws Exception {
        Party institution = chain.admitInstitution();
        ParticipantRegistry reg = chain.registry(chain.admin);
        BigInteger registeredAt = participant(institution.address()).component3();
        send(reg.removeInstitution(institution.address()));
        chain.travel(10);
        byte[] newKey = chain.bytes32();
        byte[] newProfile = chain.bytes32();

        TransactionReceipt receipt = send(reg.admitInstitution(institution.address(), newKey, newProfile));

        ParticipantRegistry.InstitutionAdmittedEventResponse event =
                reg.getInstitutionAdmittedEvents(receipt).get(0);
        assertThat(event.institution).isEqualTo(institution.address());
        assertThat(event.encryptionKey).isEqualTo(newKey);
        assertThat(event.profileHash).isEqualTo(newProfile);
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(institution.address());
        assertThat(p.component1()).isEqualTo(KIND_INSTITUTION);
        assertThat(p.component2()).isTrue();
        assertThat(p.component3()).as("registeredAt").isEqualTo(registeredAt);
        assertThat(p.component4()).isEqualTo(chain.timestampOf(receipt)).isGreaterThan(registeredAt);
        assertThat(p.component5()).isEqualTo(newKey);
        assertThat(p.component6()).isEqualTo(newProfile);
        assertThat(reg.isActiveInstitution(institution.address()).send()).isTrue();
        assertThat(reg.encryptionKeyOf(institution.address()).send()).isEqualTo(newKey);
    }

    // ---------------------------------------------------------------- patients: directly

    @Test
    void registerPatient_registersTheCaller_andEmitsPatientRegistered() throws Exception {
        Credentials patient = chain.funded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();

        TransactionReceipt receipt = send(chain.registry(patient).registerPatient(key, profile));

        ParticipantRegistry.PatientRegisteredEventResponse event =
                chain.registry.getPatientRegisteredEvents(receipt).get(0);
        assertThat(event.patient).isEqualTo(patient.getAddress());
        assertThat(event.encryptionKey).isEqualTo(key);
        assertThat(event.profileHash).isEqualTo(profile);
        BigInteger at = chain.timestampOf(receipt);
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(patient.getAddress());
        assertThat(p.component1()).isEqualTo(KIND_PATIENT);
        assertThat(p.component2()).isTrue();
        assertThat(p.component3()).isEqualTo(at);
        assertThat(p.component4()).isEqualTo(at);
        assertThat(p.component5()).isEqualTo(key);
        assertThat(p.component6()).isEqualTo(profile);
        assertThat(chain.registry.isRegisteredPatient(patient.getAddress()).send())
                .isTrue();
        assertThat(chain.registry.isActiveInstitution(patient.getAddress()).send())
                .isFalse();
        assertThat(chain.registry.encryptionKeyOf(patient.getAddress()).send()).isEqualTo(key);
        assertThat(chain.registry.nonces(patient.getAddress()).send())
                .as("a direct registration spends a nonce too")
                .isEqualTo(BigInteger.ONE);
    }

    @Test
    void aSignedRegistrationNotYetRelayed_cannotUndoTheLaterDirectUpdate() throws Exception {
        Party patient = chain.registerPatient();
        BigInteger nonce = chain.registry.nonces(patient.address()).send();
        byte[] staleKey = chain.bytes32();
        byte[] staleProfile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] stale = signRegistration(
                registryAddress(),
                patient.key(),
                patient.address(),
                staleKey,
                staleProfile,
                nonce.longValueExact(),
                deadline);
        chain.fund(patient.address());
        byte[] newKey = chain.bytes32();
        send(chain.registry(patient.credentials()).updatePatient(newKey, chain.bytes32()));

        ParticipantRegistry reg = chain.registry(chain.relayer);
        chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.address(), staleKey, staleProfile, deadline, stale),
                "WrongSigner");
        assertThat(reg.encryptionKeyOf(patient.address()).send()).isEqualTo(newKey);
    }

    @Test
    void registerPatientRevertsAlreadyRegistered_forAPatientOrAnInstitution() throws Exception {
        Credentials patient = chain.funded();
        send(chain.registry(patient).registerPatient(chain.bytes32(), chain.bytes32()));
        Party institution = chain.admitInstitution();

        for (Credentials caller : List.of(patient, institution.credentials())) {
            ParticipantRegistry reg = chain.registry(caller);
            Revert r = chain.assertReverts(
                    caller, reg, reg.registerPatient(chain.bytes32(), chain.bytes32()), "AlreadyRegistered");
            assertThat(r.description()).isEqualTo("AlreadyRegistered(" + caller.getAddress() + ")");
        }
        assertThat(participant(institution.address()).component1()).isEqualTo(KIND_INSTITUTION);
    }

    @Test
    void registerPatientRevertsZeroKey_forAZeroEncryptionKey() {
        Credentials patient = chain.funded();
        ParticipantRegistry reg = chain.registry(patient);

        chain.assertReverts(patient, reg, reg.registerPatient(ZERO32, chain.bytes32()), "ZeroKey");
    }

    @Test
    void updatePatient_replacesKeyAndProfile_andEmitsPatientUpdated() throws Exception {
        Credentials patient = chain.funded();
        ParticipantRegistry reg = chain.registry(patient);
        TransactionReceipt registered = send(reg.registerPatient(chain.bytes32(), chain.bytes32()));
        chain.travel(5);
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();

        TransactionReceipt receipt = send(reg.updatePatient(key, profile));

        ParticipantRegistry.PatientUpdatedEventResponse event =
                reg.getPatientUpdatedEvents(receipt).get(0);
        assertThat(event.patient).isEqualTo(patient.getAddress());
        assertThat(event.encryptionKey).isEqualTo(key);
        assertThat(event.profileHash).isEqualTo(profile);
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(patient.getAddress());
        assertThat(p.component3()).isEqualTo(chain.timestampOf(registered));
        assertThat(p.component4()).isEqualTo(chain.timestampOf(receipt)).isGreaterThan(p.component3());
        assertThat(p.component5()).isEqualTo(key);
        assertThat(p.component6()).isEqualTo(profile);
        assertThat(reg.encryptionKeyOf(patient.getAddress()).send()).isEqualTo(key);
    }

    @Test
    void updatePatientRevertsNotRegistered_forAStrangerOrAnInstitution() throws Exception {
        Credentials stranger = chain.funded();
        Party institution = chain.admitInstitution();

        for (Credentials caller : List.of(stranger, institution.credentials())) {
            ParticipantRegistry reg = chain.registry(caller);
            Revert r = chain.assertReverts(
                    caller, reg, reg.updatePatient(chain.bytes32(), chain.bytes32()), "NotRegistered");
            assertThat(r.description()).isEqualTo("NotRegistered(" + caller.getAddress() + ")");
        }
    }

    @Test
    void updatePatientRevertsZeroKey_forAZeroEncryptionKey() throws Exception {
        Credentials patient = chain.funded();
        ParticipantRegistry reg = chain.registry(patient);
        send(reg.registerPatient(chain.bytes32(), chain.bytes32()));

        chain.assertReverts(patient, reg, reg.updatePatient(ZERO32, chain.bytes32()), "ZeroKey");
    }

    // ---------------------------------------------------------------- patients: by EIP-712 signature

    @Test
    void registerPatientBySig_registersThePatient_fromItsJavaSignature_relayedByTheHub() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);

        TransactionReceipt receipt = send(
                chain.registry(chain.relayer).registerPatientBySig(patient.getAddress(), key, profile, deadline, sig));

        assertThat(receipt.getFrom()).isEqualTo(chain.relayer.getAddress());
        ParticipantRegistry.PatientRegisteredEventResponse event =
                chain.registry.getPatientRegisteredEvents(receipt).get(0);
        assertThat(event.patient).isEqualTo(patient.getAddress());
        assertThat(event.encryptionKey).isEqualTo(key);
        assertThat(event.profileHash).isEqualTo(profile);
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(patient.getAddress());
        assertThat(p.component1()).isEqualTo(KIND_PATIENT);
        assertThat(p.component5()).isEqualTo(key);
        assertThat(p.component6()).isEqualTo(profile);
        assertThat(chain.registry.isRegisteredPatient(patient.getAddress()).send())
                .isTrue();
        assertThat(chain.registry.nonces(patient.getAddress()).send()).isEqualTo(BigInteger.ONE);
        assertThat(chain.balanceOf(patient.getAddress()))
                .as("the patient paid nothing")
                .isZero();
    }

    @Test
    void registerPatientBySigRevertsAlreadyRegistered_whenTheSignatureIsReplayed() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);
        send(reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, sig));

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, sig),
                "AlreadyRegistered");

        assertThat(r.description()).isEqualTo("AlreadyRegistered(" + patient.getAddress() + ")");
    }

    @Test
    void registerPatientBySigRevertsWrongSigner_whenSignedByAnotherKey() throws Exception {
        Credentials patient = chain.unfunded();
        Credentials other = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), other.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, sig),
                "WrongSigner");

        assertThat(r.description()).isEqualTo("WrongSigner(" + patient.getAddress() + ", " + other.getAddress() + ")");
        assertThat(reg.isRegisteredPatient(patient.getAddress()).send()).isFalse();
    }

    @Test
    void registerPatientBySigRevertsWrongSigner_whenAnySignedFieldDiffers() throws Exception {
        Credentials patient = chain.unfunded();
        String p = patient.getAddress();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(registryAddress(), patient.getEcKeyPair(), p, key, profile, 0, deadline);
        byte[] nonce1 = signRegistration(registryAddress(), patient.getEcKeyPair(), p, key, profile, 1, deadline);
        // the same message signed for another verifying contract (another domain)
        byte[] elsewhere = signRegistration(
                chain.escrow.getContractAddress(), patient.getEcKeyPair(), p, key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        for (var call : List.of(
                reg.registerPatientBySig(p, chain.bytes32(), profile, deadline, sig),
                reg.registerPatientBySig(p, key, chain.bytes32(), deadline, sig),
                reg.registerPatientBySig(p, key, profile, deadline.add(BigInteger.ONE), sig),
                reg.registerPatientBySig(p, key, profile, deadline, nonce1),
                reg.registerPatientBySig(p, key, profile, deadline, elsewhere))) {
            Revert r = chain.assertReverts(chain.relayer, reg, call, "WrongSigner");
            assertThat(r.description()).startsWith("WrongSigner(" + p + ", ").doesNotEndWith(p + ")");
        }
    }

    @Test
    void registerPatientBySigRevertsSignatureExpired_afterTheDeadline() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = chain.now().subtract(BigInteger.ONE);
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, sig),
                "SignatureExpired");

        assertThat(r.description()).isEqualTo("SignatureExpired(" + deadline + ")");
    }

    @Test
    void registerPatientBySigRevertsZeroKey_forAZeroEncryptionKey() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), ZERO32, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        chain.assertReverts(
                chain.relayer,
                reg,
                reg.registerPatientBySig(patient.getAddress(), ZERO32, profile, deadline, sig),
                "ZeroKey");
    }

    @Test
    void registerPatientBySigRevertsInvalidSignature_forMalformedOrHighSSignatures() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        for (byte[] bad : ChainFixture.malformed(sig)) {
            chain.assertReverts(
                    chain.relayer,
                    reg,
                    reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, bad),
                    "InvalidSignature");
        }
        // while the canonical signature itself is accepted
        send(reg.registerPatientBySig(patient.getAddress(), key, profile, deadline, sig));
        assertThat(reg.isRegisteredPatient(patient.getAddress()).send()).isTrue();
    }

    @Test
    void updatePatientBySig_updatesThePatient_andConsumesTheNonce_soAReplayFailsWrongSigner() throws Exception {
        Party patient = chain.registerPatient();
        assertThat(chain.registry.nonces(patient.address()).send()).isEqualTo(BigInteger.ONE);
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(registryAddress(), patient.key(), patient.address(), key, profile, 1, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        TransactionReceipt receipt = send(reg.updatePatientBySig(patient.address(), key, profile, deadline, sig));

        ParticipantRegistry.PatientUpdatedEventResponse event =
                reg.getPatientUpdatedEvents(receipt).get(0);
        assertThat(event.patient).isEqualTo(patient.address());
        assertThat(event.encryptionKey).isEqualTo(key);
        assertThat(event.profileHash).isEqualTo(profile);
        assertThat(reg.encryptionKeyOf(patient.address()).send()).isEqualTo(key);
        assertThat(participant(patient.address()).component6()).isEqualTo(profile);
        assertThat(reg.nonces(patient.address()).send()).isEqualTo(BigInteger.TWO);
        Revert replay = chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.address(), key, profile, deadline, sig),
                "WrongSigner");
        assertThat(replay.description())
                .startsWith("WrongSigner(" + patient.address() + ", ")
                .doesNotEndWith(patient.address() + ")");
    }

    @Test
    void updatePatientBySigRevertsWrongSigner_whenSignedByAnotherKey() throws Exception {
        Party patient = chain.registerPatient();
        Credentials other = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig =
                signRegistration(registryAddress(), other.getEcKeyPair(), patient.address(), key, profile, 1, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.address(), key, profile, deadline, sig),
                "WrongSigner");

        assertThat(r.description()).isEqualTo("WrongSigner(" + patient.address() + ", " + other.getAddress() + ")");
        assertThat(reg.encryptionKeyOf(patient.address()).send()).isEqualTo(patient.encryptionKey());
    }

    @Test
    void updatePatientBySigRevertsSignatureExpired_afterTheDeadline_withoutConsumingTheNonce() throws Exception {
        Party patient = chain.registerPatient();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = chain.now().add(BigInteger.valueOf(100));
        byte[] sig = signRegistration(registryAddress(), patient.key(), patient.address(), key, profile, 1, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);
        chain.travel(200);

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.address(), key, profile, deadline, sig),
                "SignatureExpired");

        assertThat(r.description()).isEqualTo("SignatureExpired(" + deadline + ")");
        assertThat(reg.nonces(patient.address()).send()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void updatePatientBySigRevertsNotRegistered_forAnUnregisteredPatient() throws Exception {
        Credentials patient = chain.unfunded();
        byte[] key = chain.bytes32();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig = signRegistration(
                registryAddress(), patient.getEcKeyPair(), patient.getAddress(), key, profile, 0, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        Revert r = chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.getAddress(), key, profile, deadline, sig),
                "NotRegistered");

        assertThat(r.description()).isEqualTo("NotRegistered(" + patient.getAddress() + ")");
    }

    @Test
    void updatePatientBySigRevertsZeroKey_forAZeroEncryptionKey() throws Exception {
        Party patient = chain.registerPatient();
        byte[] profile = chain.bytes32();
        BigInteger deadline = inAnHour();
        byte[] sig =
                signRegistration(registryAddress(), patient.key(), patient.address(), ZERO32, profile, 1, deadline);
        ParticipantRegistry reg = chain.registry(chain.relayer);

        chain.assertReverts(
                chain.relayer,
                reg,
                reg.updatePatientBySig(patient.address(), ZERO32, profile, deadline, sig),
                "ZeroKey");
    }

    // ---------------------------------------------------------------- queries

    @Test
    void queries_reportNothingForAnUnknownAccount_andEncryptionKeyOfRevertsNotRegistered() throws Exception {
        String unknown = chain.unfunded().getAddress();

        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p = participant(unknown);

        assertThat(p.component1()).isEqualTo(KIND_NONE);
        assertThat(p.component2()).isFalse();
        assertThat(p.component3()).isZero();
        assertThat(p.component4()).isZero();
        assertThat(p.component5()).isEqualTo(ZERO32);
        assertThat(p.component6()).isEqualTo(ZERO32);
        assertThat(chain.registry.isActiveInstitution(unknown).send()).isFalse();
        assertThat(chain.registry.isRegisteredPatient(unknown).send()).isFalse();
        assertThat(chain.registry.isAdmin(unknown).send()).isFalse();
        assertThat(chain.registry.nonces(unknown).send()).isZero();
        Revert r = chain.assertReverts(
                chain.relayer, chain.registry, chain.registry.encryptionKeyOf(unknown), "NotRegistered");
        assertThat(r.description()).isEqualTo("NotRegistered(" + unknown + ")");
    }
}
