package org.patientgate.ledger.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO32;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO_ADDRESS;
import static org.patientgate.ledger.contracts.ChainFixture.hex;
import static org.patientgate.ledger.contracts.ChainFixture.send;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.MerkleTree;
import org.patientgate.ledger.contracts.ChainFixture.Party;
import org.patientgate.ledger.contracts.ChainFixture.Revert;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tuples.generated.Tuple4;
import org.web3j.utils.Numeric;

/** ConsentEscrow on anvil: batches, release/reject/expire with Java proofs and EIP-712 decisions, every revert. */
class ConsentEscrowContractIT {

    private static final BigInteger PENDING = BigInteger.ZERO;
    private static final BigInteger RELEASED = BigInteger.ONE;
    private static final BigInteger REJECTED = BigInteger.TWO;
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

    /** A batch as the hub builds it: entries, the Java Merkle tree over their leaves, and the submission. */
    private record Batch(
            Party institution,
            List<EscrowEntry> entries,
            MerkleTree tree,
            BigInteger expiresAt,
            TransactionReceipt receipt) {
        byte[] root() {
            return tree.root();
        }

        EscrowEntry entry(int i) {
            return entries.get(i);
        }

        List<byte[]> proof(int i) {
            return tree.proof(i);
        }
    }

    private static MerkleTree treeOf(List<EscrowEntry> entries) {
        return MerkleTree.of(entries.stream().map(EscrowEntry::leaf).toList());
    }

    private static EscrowEntry entry(String patient, String institution) {
        return new EscrowEntry(
                patient, EscrowEntry.reportIdOf(UUID.nameUUIDFromBytes(chain.bytes32())), chain.bytes32(), institution);
    }

    /** {@code n} entries of {@code institution}; the first ones for {@code patients}, the rest for random addresses. */
    private static List<EscrowEntry> entries(Party institution, int n, Party... patients) {
        List<EscrowEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String patient =
                    i < patients.length ? patients[i].address() : Numeric.toHexString(chain.bytes32(), 0, 20, true);
            out.add(entry(patient, institution.address()));
        }
        return out;
    }

    private static Batch submit(Party institution, List<EscrowEntry> entries, long ttlSeconds) throws Exception {
        MerkleTree tree = treeOf(entries);
        BigInteger expiresAt = chain.now().add(BigInteger.valueOf(ttlSeconds));
        TransactionReceipt receipt = send(chain.escrow(institution.credentials())
                .submitBatch(tree.root(), BigInteger.valueOf(entries.size()), expiresAt));
        return new Batch(institution, entries, tree, expiresAt, receipt);
    }

    private static BigInteger inAnHour() throws Exception {
        return chain.now().add(BigInteger.valueOf(3_600));
    }

    private static RemoteFunctionCall<TransactionReceipt> release(
            EscrowEntry e, byte[] root, List<byte[]> proof, BigInteger nonce, BigInteger deadline, byte[] sig) {
        return chain.escrow(chain.relayer)
                .release(
                        e.patient(), e.reportId(), e.contentHash(), e.institution(), root, proof, nonce, deadline, sig);
    }

    private static RemoteFunctionCall<TransactionReceipt> reject(
            EscrowEntry e, byte[] root, List<byte[]> proof, BigInteger nonce, BigInteger deadline, byte[] sig) {
        return chain.escrow(chain.relayer)
                .reject(e.patient(), e.reportId(), e.contentHash(), e.institution(), root, proof, nonce, deadline, sig);
    }

    private static RemoteFunctionCall<TransactionReceipt> expire(EscrowEntry e, byte[] root, List<byte[]> proof) {
        return chain.escrow(chain.relayer)
                .expire(e.patient(), e.reportId(), e.contentHash(), e.institution(), root, proof);
    }

    /** release of entry {@code i} of the batch, signed by {@code signer} as Decision(release=true), fresh nonce. */
    private static RemoteFunctionCall<TransactionReceipt> releaseSignedBy(Credentials signer, Batch b, int i)
            throws Exception {
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(signer.getEcKeyPair(), b.entry(i), true, nonce, deadline);
        return release(b.entry(i), b.root(), b.proof(i), nonce, deadline, sig);
    }

    private static Revert assertReverts(RemoteFunctionCall<?> call, String error) {
        return chain.assertReverts(chain.relayer, chain.escrow, call, error);
    }

    // ---------------------------------------------------------------- domain, leaf, views

    @Test
    void domainSeparatorTypehashAndRegistry_matchJava() throws Exception {
        String address = chain.escrow.getContractAddress();

        assertThat(chain.escrow.DOMAIN_SEPARATOR().send())
                .isEqualTo(Eip712.domainSeparator(Eip712.ESCROW_NAME, ChainFixture.CHAIN_ID, address));
        assertThat(chain.escrow.DECISION_TYPEHASH().send()).isEqualTo(Eip712.decisionTypeHash());
        assertThat(chain.escrow.registry().send()).isEqualTo(chain.registry.getContractAddress());
    }

    @Test
    void entryLeaf_equalsJavaEscrowEntryLeaf() throws Exception {
        Party institution = chain.admitInstitution();
        List<EscrowEntry> sample = entries(institution, 5);
        // a high-bit address and an all-ones report id, where a sign or padding slip would show
        sample.add(new EscrowEntry(
                "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF",
                Numeric.hexStringToByteArray("0x" + "ff".repeat(32)),
                chain.bytes32(),
                institution.address()));

        for (EscrowEntry e : sample) {
            assertThat(hex(chain.escrow
                            .entryLeaf(e.patient(), e.reportId(), e.contentHash(), e.institution())
                            .send()))
                    .as("leaf of %s", e)
                    .isEqualTo(hex(e.leaf()));
        }
    }

    @Test
    void intermediateAndSharingAccounts_matchJava_andRevertUnregisteredPartyForOthers() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        String stranger = chain.unfunded().getAddress();

        assertThat(chain.escrow
                        .intermediateAccount(institution.address(), patient.address())
                        .send())
                .isEqualTo(EscrowEntry.intermediateAccount(institution.encryptionKey(), patient.encryptionKey()));
        assertThat(chain.escrow.sharingAccountOf(patient.address()).send()).isEqualTo(patient.address());
        assertThat(assertReverts(chain.escrow.intermediateAccount(stranger, patient.address()), "UnregisteredParty")
                        .description())
                .isEqualTo("UnregisteredParty(" + stranger + ")");
        // roles swapped: the patient is no institution, the institution no patient
        assertThat(assertReverts(
                                chain.escrow.intermediateAccount(patient.address(), institution.address()),
                                "UnregisteredParty")
                        .description())
                .isEqualTo("UnregisteredParty(" + patient.address() + ")");
        assertThat(assertReverts(chain.escrow.sharingAccountOf(institution.address()), "UnregisteredParty")
                        .description())
                .isEqualTo("UnregisteredParty(" + institution.address() + ")");
    }

    @Test
    void intermediateAccount_equalsJavaEscrowEntryIntermediateAccount_forEveryRegisteredPair() throws Exception {
        List<Party> institutions = List.of(chain.admitInstitution(), chain.admitInstitution());
        List<Party> patients = List.of(chain.registerPatient(), chain.registerPatient());
        Set<String> accounts = new HashSet<>();

        for (Party institution : institutions) {
            for (Party patient : patients) {
                String onChain = chain.escrow
                        .intermediateAccount(institution.address(), patient.address())
                        .send();
                assertThat(EscrowEntry.intermediateAccount(institution.encryptionKey(), patient.encryptionKey()))
                        .as("institution %s, patient %s", institution.address(), patient.address())
                        .isEqualTo(onChain);
                accounts.add(onChain);
            }
        }
        assertThat(accounts).as("one account per pair").hasSize(4);
    }

    @Test
    void statusHolderAndBatch_areZeroForUnknownEntriesAndRoots() throws Exception {
        byte[] unknown = chain.bytes32();

        assertThat(chain.escrow.statusOf(unknown).send()).isEqualTo(PENDING);
        assertThat(chain.escrow.holderOf(unknown).send()).isEqualTo(ZERO_ADDRESS);
        Tuple4<String, BigInteger, BigInteger, BigInteger> b =
                chain.escrow.batchOf(unknown).send();
        assertThat(b.component1()).isEqualTo(ZERO_ADDRESS);
        assertThat(b.component2()).isZero();
        assertThat(b.component3()).isZero();
        assertThat(b.component4()).isZero();
        assertThat(chain.escrow.sharedCount(chain.unfunded().getAddress()).send())
                .isZero();
    }

    // ---------------------------------------------------------------- submitBatch

    @Test
    void submitBatch_recordsTheBatch_andEmitsBatchSubmitted() throws Exception {
        Party institution = chain.admitInstitution();

        Batch b = submit(institution, entries(institution, 3), DAY);

        List<ConsentEscrow.BatchSubmittedEventResponse> events = chain.escrow.getBatchSubmittedEvents(b.receipt());
        assertThat(events).hasSize(1);
        assertThat(events.get(0).root).isEqualTo(b.root());
        assertThat(events.get(0).institution).isEqualTo(institution.address());
        assertThat(events.get(0).count).isEqualTo(BigInteger.valueOf(3));
        assertThat(events.get(0).expiresAt).isEqualTo(b.expiresAt());
        Tuple4<String, BigInteger, BigInteger, BigInteger> onChain =
                chain.escrow.batchOf(b.root()).send();
        assertThat(onChain.component1()).isEqualTo(institution.address());
        assertThat(onChain.component2()).isEqualTo(BigInteger.valueOf(3));
        assertThat(onChain.component3()).isEqualTo(chain.timestampOf(b.receipt()));
        assertThat(onChain.component4()).isEqualTo(b.expiresAt());
        assertThat(chain.escrow.statusOf(b.entry(0).leaf()).send()).isEqualTo(PENDING);
    }

    @Test
    void submitBatch_ofAThousandEntries_usesLessThan100GasPerEntry() throws Exception {
        Party institution = chain.admitInstitution();

        Batch b = submit(institution, entries(institution, 1_000), DAY);

        BigInteger gas = b.receipt().getGasUsed();
        System.out.printf(
                "ConsentEscrow.submitBatch(1000 entries): %s gas, %.1f gas per entry%n",
                gas, gas.doubleValue() / 1_000);
        assertThat(gas).as("submitBatch gas for 1,000 entries").isLessThan(BigInteger.valueOf(100_000));
        assertThat(chain.escrow.batchOf(b.root()).send().component2()).isEqualTo(BigInteger.valueOf(1_000));
    }

    @Test
    void submitBatchRevertsUnregisteredParty_forAStrangerAPatientOrARemovedInstitution() throws Exception {
        Credentials stranger = chain.funded();
        Party patient = chain.registerPatient(chain.funded());
        Party removed = chain.admitInstitution();
        send(chain.registry(chain.admin).removeInstitution(removed.address()));
        BigInteger expiresAt = chain.now().add(BigInteger.valueOf(DAY));

        for (Credentials caller : List.of(stranger, patient.credentials(), removed.credentials())) {
            ConsentEscrow asCaller = chain.escrow(caller);
            Revert r = chain.assertReverts(
                    caller,
                    asCaller,
                    asCaller.submitBatch(chain.bytes32(), BigInteger.ONE, expiresAt),
                    "UnregisteredParty");
            assertThat(r.description()).isEqualTo("UnregisteredParty(" + caller.getAddress() + ")");
        }
    }

    @Test
    void submitBatchRevertsEmptyBatch_forAZeroRootOrZeroCount() throws Exception {
        Party institution = chain.admitInstitution();
        ConsentEscrow escrow = chain.escrow(institution.credentials());
        BigInteger expiresAt = chain.now().add(BigInteger.valueOf(DAY));

        chain.assertReverts(
                institution.credentials(), escrow, escrow.submitBatch(ZERO32, BigInteger.ONE, expiresAt), "EmptyBatch");
        chain.assertReverts(
                institution.credentials(),
                escrow,
                escrow.submitBatch(chain.bytes32(), BigInteger.ZERO, expiresAt),
                "EmptyBatch");
    }

    @Test
    void submitBatchRevertsBatchExists_forARootAlreadySubmitted_byAnyInstitution() throws Exception {
        Party institution = chain.admitInstitution();
        Party other = chain.admitInstitution();
        Batch b = submit(institution, entries(institution, 2), DAY);

        for (Party caller : List.of(institution, other)) {
            ConsentEscrow escrow = chain.escrow(caller.credentials());
            Revert r = chain.assertReverts(
                    caller.credentials(),
                    escrow,
                    escrow.submitBatch(b.root(), BigInteger.TWO, b.expiresAt().add(BigInteger.TEN)),
                    "BatchExists");
            assertThat(r.description()).isEqualTo("BatchExists(" + hex(b.root()) + ")");
        }
        assertThat(chain.escrow.batchOf(b.root()).send().component1()).isEqualTo(institution.address());
    }

    @Test
    void submitBatchRevertsExpired_forAnExpiryNotInTheFuture() throws Exception {
        Party institution = chain.admitInstitution();
        ConsentEscrow escrow = chain.escrow(institution.credentials());
        BigInteger past = chain.now().subtract(BigInteger.ONE);

        Revert r = chain.assertReverts(
                institution.credentials(),
                escrow,
                escrow.submitBatch(chain.bytes32(), BigInteger.ONE, past),
                "Expired");

        assertThat(r.description()).isEqualTo("Expired(" + hex(ZERO32) + ", " + past + ")");
    }

    // ---------------------------------------------------------------- release / reject

    @Test
    void release_recordsTheRelease_toThePatientsSharingAccount_andEmitsEntryReleased() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(
                institution, entries(institution, 5, chain.registerPatient(), chain.registerPatient(), patient), DAY);
        EscrowEntry e = b.entry(2);
        byte[] leaf = e.leaf();
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), e, true, nonce, deadline);
        assertThat(chain.escrow.decisionNonceUsed(patient.address(), nonce).send())
                .isFalse();

        TransactionReceipt receipt = send(release(e, b.root(), b.proof(2), nonce, deadline, sig));

        List<ConsentEscrow.EntryReleasedEventResponse> events = chain.escrow.getEntryReleasedEvents(receipt);
        assertThat(events).hasSize(1);
        ConsentEscrow.EntryReleasedEventResponse ev = events.get(0);
        assertThat(ev.entry).isEqualTo(leaf);
        assertThat(ev.root).isEqualTo(b.root());
        assertThat(ev.patient).isEqualTo(patient.address());
        assertThat(ev.intermediateAccount)
                .isEqualTo(EscrowEntry.intermediateAccount(institution.encryptionKey(), patient.encryptionKey()));
        assertThat(ev.sharingAccount).isEqualTo(patient.address());
        assertThat(ev.reportId).isEqualTo(e.reportId());
        assertThat(ev.contentHash).isEqualTo(e.contentHash());
        assertThat(chain.escrow.statusOf(leaf).send()).isEqualTo(RELEASED);
        assertThat(chain.escrow.holderOf(leaf).send()).isEqualTo(patient.address());
        assertThat(chain.escrow.sharedCount(patient.address()).send()).isEqualTo(BigInteger.ONE);
        assertThat(chain.escrow.decisionNonceUsed(patient.address(), nonce).send())
                .isTrue();
        assertThat(chain.escrow.statusOf(b.entry(1).leaf()).send())
                .as("the other entries")
                .isEqualTo(PENDING);
        System.out.printf(
                "ConsentEscrow.release (5-entry batch, proof of %d): %s gas%n",
                b.proof(2).size(), receipt.getGasUsed());
    }

    @Test
    void release_countsEachReleaseOfThePatient_inSharedCount() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 3, patient, patient, patient), DAY);

        send(releaseSignedBy(patient.credentials(), b, 0));
        send(releaseSignedBy(patient.credentials(), b, 2));

        assertThat(chain.escrow.sharedCount(patient.address()).send()).isEqualTo(BigInteger.TWO);
        assertThat(chain.escrow.statusOf(b.entry(1).leaf()).send()).isEqualTo(PENDING);
    }

    @Test
    void reject_recordsTheRejection_andEmitsEntryRejected() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        EscrowEntry e = b.entry(0);
        byte[] leaf = e.leaf();
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), e, false, nonce, deadline);

        TransactionReceipt receipt = send(reject(e, b.root(), b.proof(0), nonce, deadline, sig));

        List<ConsentEscrow.EntryRejectedEventResponse> events = chain.escrow.getEntryRejectedEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).entry).isEqualTo(leaf);
        assertThat(events.get(0).root).isEqualTo(b.root());
        assertThat(events.get(0).patient).isEqualTo(patient.address());
        assertThat(events.get(0).intermediateAccount)
                .isEqualTo(EscrowEntry.intermediateAccount(institution.encryptionKey(), patient.encryptionKey()));
        assertThat(chain.escrow.getEntryReleasedEvents(receipt)).isEmpty();
        assertThat(chain.escrow.statusOf(leaf).send()).isEqualTo(REJECTED);
        assertThat(chain.escrow.holderOf(leaf).send()).isEqualTo(ZERO_ADDRESS);
        assertThat(chain.escrow.sharedCount(patient.address()).send()).isZero();
        assertThat(chain.escrow.decisionNonceUsed(patient.address(), nonce).send())
                .isTrue();
    }

    @Test
    void releaseRevertsAlreadyDecided_forAReleasedOrRejectedEntry() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient, patient), DAY);
        send(releaseSignedBy(patient.credentials(), b, 0));
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] leaf1 = b.entry(1).leaf();
        send(reject(
                b.entry(1),
                b.root(),
                b.proof(1),
                nonce,
                deadline,
                chain.signDecision(patient.key(), b.entry(1), false, nonce, deadline)));

        Revert again = assertReverts(releaseSignedBy(patient.credentials(), b, 0), "AlreadyDecided");
        Revert afterReject = assertReverts(releaseSignedBy(patient.credentials(), b, 1), "AlreadyDecided");
        BigInteger fresh = chain.nonce();
        Revert rejectAfterRelease = assertReverts(
                reject(
                        b.entry(0),
                        b.root(),
                        b.proof(0),
                        fresh,
                        deadline,
                        chain.signDecision(patient.key(), b.entry(0), false, fresh, deadline)),
                "AlreadyDecided");

        assertThat(again.description())
                .isEqualTo("AlreadyDecided(" + hex(b.entry(0).leaf()) + ", 1)");
        assertThat(afterReject.description()).isEqualTo("AlreadyDecided(" + hex(leaf1) + ", 2)");
        assertThat(rejectAfterRelease.description()).isEqualTo(again.description());
    }

    @Test
    void releaseRevertsUnknownBatch_forARootNeverSubmitted() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        List<EscrowEntry> entries = entries(institution, 2, patient);
        MerkleTree tree = treeOf(entries);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), entries.get(0), true, nonce, deadline);

        Revert r = assertReverts(
                release(entries.get(0), tree.root(), tree.proof(0), nonce, deadline, sig), "UnknownBatch");

        assertThat(r.description()).isEqualTo("UnknownBatch(" + hex(tree.root()) + ")");
    }

    @Test
    void releaseRevertsWrongProof_forATamperedShortenedOrForeignProof() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 8, patient), DAY);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), e, true, nonce, deadline);
        List<byte[]> tampered = new ArrayList<>(b.proof(0));
        byte[] flipped = tampered.get(1).clone();
        flipped[31] ^= 1;
        tampered.set(1, flipped);
        List<byte[]> shortened = b.proof(0).subList(0, 2);
        List<byte[]> othersProof = b.proof(5);

        for (List<byte[]> proof : List.of(tampered, shortened, othersProof, List.<byte[]>of())) {
            Revert r = assertReverts(release(e, b.root(), proof, nonce, deadline, sig), "WrongProof");
            assertThat(r.description()).isEqualTo("WrongProof(" + hex(e.leaf()) + ")");
        }
        // an entry whose fields differ from the committed ones (another content hash) is not in the batch either
        EscrowEntry altered = new EscrowEntry(e.patient(), e.reportId(), chain.bytes32(), e.institution());
        assertReverts(
                release(
                        altered,
                        b.root(),
                        b.proof(0),
                        nonce,
                        deadline,
                        chain.signDecision(patient.key(), altered, true, nonce, deadline)),
                "WrongProof");
        send(release(e, b.root(), b.proof(0), nonce, deadline, sig));
    }

    @Test
    void releaseRevertsWrongProof_forAnEntryNamingAnotherInstitution_evenWithAValidProof() throws Exception {
        Party institution = chain.admitInstitution();
        Party submitter = chain.admitInstitution();
        Party patient = chain.registerPatient();
        // the submitter's tree holds an entry that names the other institution
        EscrowEntry foreign = entry(patient.address(), institution.address());
        List<EscrowEntry> entries = new ArrayList<>(entries(submitter, 3));
        entries.add(1, foreign);
        Batch b = submit(submitter, entries, DAY);
        assertThat(MerkleTree.verify(b.proof(1), b.root(), foreign.leaf())).isTrue();
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), foreign, true, nonce, deadline);

        Revert r = assertReverts(release(foreign, b.root(), b.proof(1), nonce, deadline, sig), "WrongProof");

        assertThat(r.description()).isEqualTo("WrongProof(" + hex(foreign.leaf()) + ")");
        assertThat(chain.escrow
                        .verifyEntry(
                                foreign.patient(),
                                foreign.reportId(),
                                foreign.contentHash(),
                                foreign.institution(),
                                b.root(),
                                b.proof(1))
                        .send())
                .isFalse();
    }

    @Test
    void releaseRevertsWrongSigner_whenSignedByAnotherKey() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Party otherPatient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);

        Revert r = assertReverts(releaseSignedBy(otherPatient.credentials(), b, 0), "WrongSigner");

        assertThat(r.description()).isEqualTo("WrongSigner(" + patient.address() + ", " + otherPatient.address() + ")");
        assertThat(chain.escrow.statusOf(b.entry(0).leaf()).send()).isEqualTo(PENDING);
    }

    @Test
    void releaseRevertsWrongSigner_forADecisionSignedAsReject_andRejectForOneSignedAsRelease() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] rejectSig = chain.signDecision(patient.key(), e, false, nonce, deadline);
        byte[] releaseSig = chain.signDecision(patient.key(), e, true, nonce, deadline);

        Revert asRelease = assertReverts(release(e, b.root(), b.proof(0), nonce, deadline, rejectSig), "WrongSigner");
        Revert asReject = assertReverts(reject(e, b.root(), b.proof(0), nonce, deadline, releaseSig), "WrongSigner");
        Revert otherDeadline = assertReverts(
                release(e, b.root(), b.proof(0), nonce, deadline.add(BigInteger.ONE), releaseSig), "WrongSigner");

        for (Revert r : List.of(asRelease, asReject, otherDeadline)) {
            assertThat(r.description())
                    .startsWith("WrongSigner(" + patient.address() + ", ")
                    .doesNotEndWith(patient.address() + ")");
        }
    }

    @Test
    void releaseRevertsWrongSigner_forADecisionSignedForAnotherEntry() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient, patient), DAY);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sigForEntry1 = chain.signDecision(patient.key(), b.entry(1), true, nonce, deadline);

        assertReverts(release(b.entry(0), b.root(), b.proof(0), nonce, deadline, sigForEntry1), "WrongSigner");
    }

    @Test
    void releaseAndRejectRevertWrongSigner_forADecisionNamingAnotherIntermediateAccount() throws Exception {
        Party institution = chain.admitInstitution();
        Party otherInstitution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        String right = EscrowEntry.intermediateAccount(institution.encryptionKey(), patient.encryptionKey());
        List<String> wrong = List.of(
                // the patient's key with another institution's
                EscrowEntry.intermediateAccount(otherInstitution.encryptionKey(), patient.encryptionKey()),
                // the right keys in the wrong order
                EscrowEntry.intermediateAccount(patient.encryptionKey(), institution.encryptionKey()),
                // the patient's sharing account
                patient.address());

        for (String intermediate : wrong) {
            Revert asRelease = assertReverts(
                    release(
                            e,
                            b.root(),
                            b.proof(0),
                            nonce,
                            deadline,
                            chain.signDecision(patient.key(), e.leaf(), intermediate, true, nonce, deadline)),
                    "WrongSigner");
            Revert asReject = assertReverts(
                    reject(
                            e,
                            b.root(),
                            b.proof(0),
                            nonce,
                            deadline,
                            chain.signDecision(patient.key(), e.leaf(), intermediate, false, nonce, deadline)),
                    "WrongSigner");
            for (Revert r : List.of(asRelease, asReject)) {
                assertThat(r.description())
                        .as("signed over %s", intermediate)
                        .startsWith("WrongSigner(" + patient.address() + ", ")
                        .doesNotEndWith(patient.address() + ")");
            }
        }
        assertThat(chain.escrow.decisionNonceUsed(patient.address(), nonce).send())
                .as("a refused decision spends no nonce")
                .isFalse();

        send(release(
                e,
                b.root(),
                b.proof(0),
                nonce,
                deadline,
                chain.signDecision(patient.key(), e.leaf(), right, true, nonce, deadline)));
        assertThat(chain.escrow.statusOf(e.leaf()).send()).isEqualTo(RELEASED);
    }

    @Test
    void releaseAndRejectRevertNonceUsed_forANonceThePatientSpentOnAnotherEntry() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Party otherPatient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 4, patient, patient, patient, otherPatient), DAY);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        send(release(
                b.entry(0),
                b.root(),
                b.proof(0),
                nonce,
                deadline,
                chain.signDecision(patient.key(), b.entry(0), true, nonce, deadline)));
        assertThat(chain.escrow.decisionNonceUsed(patient.address(), nonce).send())
                .isTrue();

        Revert asRelease = assertReverts(
                release(
                        b.entry(1),
                        b.root(),
                        b.proof(1),
                        nonce,
                        deadline,
                        chain.signDecision(patient.key(), b.entry(1), true, nonce, deadline)),
                "NonceUsed");
        Revert asReject = assertReverts(
                reject(
                        b.entry(2),
                        b.root(),
                        b.proof(2),
                        nonce,
                        deadline,
                        chain.signDecision(patient.key(), b.entry(2), false, nonce, deadline)),
                "NonceUsed");
        // the signature is checked before the nonce: someone else's signature is WrongSigner, not NonceUsed
        Revert forged = assertReverts(
                release(
                        b.entry(1),
                        b.root(),
                        b.proof(1),
                        nonce,
                        deadline,
                        chain.signDecision(otherPatient.key(), b.entry(1), true, nonce, deadline)),
                "WrongSigner");

        assertThat(asRelease.description()).isEqualTo("NonceUsed(" + patient.address() + ", " + nonce + ")");
        assertThat(asReject.description()).isEqualTo(asRelease.description());
        assertThat(forged.description())
                .isEqualTo("WrongSigner(" + patient.address() + ", " + otherPatient.address() + ")");
        assertThat(chain.escrow.statusOf(b.entry(1).leaf()).send()).isEqualTo(PENDING);
        assertThat(chain.escrow.statusOf(b.entry(2).leaf()).send()).isEqualTo(PENDING);
        // nonces are per patient: another patient may pick the same number
        assertThat(chain.escrow.decisionNonceUsed(otherPatient.address(), nonce).send())
                .isFalse();
        send(reject(
                b.entry(3),
                b.root(),
                b.proof(3),
                nonce,
                deadline,
                chain.signDecision(otherPatient.key(), b.entry(3), false, nonce, deadline)));
        assertThat(chain.escrow.statusOf(b.entry(3).leaf()).send()).isEqualTo(REJECTED);
        // and the refused entry is decided with a fresh nonce
        BigInteger fresh = chain.nonce();
        send(release(
                b.entry(1),
                b.root(),
                b.proof(1),
                fresh,
                deadline,
                chain.signDecision(patient.key(), b.entry(1), true, fresh, deadline)));
        assertThat(chain.escrow.statusOf(b.entry(1).leaf()).send()).isEqualTo(RELEASED);
        assertThat(chain.escrow.sharedCount(patient.address()).send()).isEqualTo(BigInteger.TWO);
    }

    @Test
    void releaseRevertsSignatureExpired_forAPastDeadline() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = chain.now().subtract(BigInteger.ONE);
        byte[] sig = chain.signDecision(patient.key(), e, true, nonce, deadline);

        Revert r = assertReverts(release(e, b.root(), b.proof(0), nonce, deadline, sig), "SignatureExpired");
        assertReverts(
                reject(
                        e,
                        b.root(),
                        b.proof(0),
                        nonce,
                        deadline,
                        chain.signDecision(patient.key(), e, false, nonce, deadline)),
                "SignatureExpired");

        assertThat(r.description()).isEqualTo("SignatureExpired(" + deadline + ")");
    }

    @Test
    void releaseRevertsUnregisteredParty_forAnUnregisteredPatient() throws Exception {
        Party institution = chain.admitInstitution();
        Credentials unregistered = chain.unfunded();
        EscrowEntry e = entry(unregistered.getAddress(), institution.address());
        Batch b = submit(institution, List.of(e, entry(chain.unfunded().getAddress(), institution.address())), DAY);

        Revert r = assertReverts(releaseSignedBy(unregistered, b, 0), "UnregisteredParty");

        assertThat(r.description()).isEqualTo("UnregisteredParty(" + unregistered.getAddress() + ")");
    }

    @Test
    void releaseRevertsUnregisteredParty_whenTheInstitutionWasRemovedAfterTheBatch() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        send(chain.registry(chain.admin).removeInstitution(institution.address()));

        Revert r = assertReverts(releaseSignedBy(patient.credentials(), b, 0), "UnregisteredParty");

        assertThat(r.description()).isEqualTo("UnregisteredParty(" + institution.address() + ")");
        EscrowEntry e = b.entry(0);
        assertThat(chain.escrow
                        .verifyEntry(e.patient(), e.reportId(), e.contentHash(), e.institution(), b.root(), b.proof(0))
                        .send())
                .as("the entry is still in the batch")
                .isTrue();
    }

    @Test
    void releaseRevertsInvalidSignature_forMalformedOrHighSSignatures() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), DAY);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = inAnHour();
        byte[] sig = chain.signDecision(patient.key(), e, true, nonce, deadline);

        for (byte[] bad : ChainFixture.malformed(sig)) {
            assertReverts(release(e, b.root(), b.proof(0), nonce, deadline, bad), "InvalidSignature");
        }
        send(release(e, b.root(), b.proof(0), nonce, deadline, sig));
    }

    // ---------------------------------------------------------------- expiry (time travel)

    @Test
    void expireRevertsNotExpired_beforeTheBatchDeadline() throws Exception {
        Party institution = chain.admitInstitution();
        Batch b = submit(institution, entries(institution, 2), DAY);
        EscrowEntry e = b.entry(0);

        Revert r = assertReverts(expire(e, b.root(), b.proof(0)), "NotExpired");

        assertThat(r.description()).isEqualTo("NotExpired(" + hex(e.leaf()) + ", " + b.expiresAt() + ")");
    }

    @Test
    void expire_marksAnUndecidedEntryExpired_afterTheBatchDeadline_andEmitsEntryExpired() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 3, patient, patient), 1_000);
        send(releaseSignedBy(patient.credentials(), b, 1));
        chain.travel(1_001);
        EscrowEntry e = b.entry(0);

        TransactionReceipt receipt = send(expire(e, b.root(), b.proof(0)));

        List<ConsentEscrow.EntryExpiredEventResponse> events = chain.escrow.getEntryExpiredEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).entry).isEqualTo(e.leaf());
        assertThat(events.get(0).root).isEqualTo(b.root());
        assertThat(events.get(0).patient).isEqualTo(patient.address());
        assertThat(chain.escrow.statusOf(e.leaf()).send()).isEqualTo(EXPIRED);
        assertThat(chain.escrow.holderOf(e.leaf()).send()).isEqualTo(ZERO_ADDRESS);
        // decided entries stay as they were, and an expired one cannot be decided or expired again
        Revert released = assertReverts(expire(b.entry(1), b.root(), b.proof(1)), "AlreadyDecided");
        assertThat(released.description())
                .isEqualTo("AlreadyDecided(" + hex(b.entry(1).leaf()) + ", 1)");
        Revert expiredAgain = assertReverts(expire(e, b.root(), b.proof(0)), "AlreadyDecided");
        assertThat(expiredAgain.description()).isEqualTo("AlreadyDecided(" + hex(e.leaf()) + ", 3)");
        assertReverts(releaseSignedBy(patient.credentials(), b, 0), "AlreadyDecided");
    }

    @Test
    void releaseAndRejectRevertExpired_afterTheBatchDeadline() throws Exception {
        Party institution = chain.admitInstitution();
        Party patient = chain.registerPatient();
        Batch b = submit(institution, entries(institution, 2, patient), 1_000);
        EscrowEntry e = b.entry(0);
        BigInteger nonce = chain.nonce();
        BigInteger deadline = b.expiresAt().add(BigInteger.valueOf(DAY));
        byte[] releaseSig = chain.signDecision(patient.key(), e, true, nonce, deadline);
        byte[] rejectSig = chain.signDecision(patient.key(), e, false, nonce, deadline);
        chain.travel(1_001);

        Revert r = assertReverts(release(e, b.root(), b.proof(0), nonce, deadline, releaseSig), "Expired");
        assertReverts(reject(e, b.root(), b.proof(0), nonce, deadline, rejectSig), "Expired");

        assertThat(r.description()).isEqualTo("Expired(" + hex(e.leaf()) + ", " + b.expiresAt() + ")");
        assertThat(chain.escrow.statusOf(e.leaf()).send()).isEqualTo(PENDING);
    }

    @Test
    void expireRevertsUnknownBatchAndWrongProof() throws Exception {
        Party institution = chain.admitInstitution();
        Batch b = submit(institution, entries(institution, 4), DAY);
        EscrowEntry e = b.entry(0);

        assertReverts(expire(e, chain.bytes32(), b.proof(0)), "UnknownBatch");
        assertReverts(expire(e, b.root(), b.proof(1)), "WrongProof");
    }

    // ---------------------------------------------------------------- proofs: Java MerkleTree vs chain

    @Test
    void verifyEntry_isTrueForABatchMember_andFalseForAnythingElse() throws Exception {
        Party institution = chain.admitInstitution();
        Batch b = submit(institution, entries(institution, 6), DAY);
        EscrowEntry e = b.entry(3);

        assertThat(verifyEntry(e, e.institution(), b.root(), b.proof(3))).isTrue();
        assertThat(verifyEntry(e, e.institution(), b.root(), b.proof(2)))
                .as("another entry's proof")
                .isFalse();
        assertThat(verifyEntry(e, e.institution(), chain.bytes32(), b.proof(3)))
                .as("unknown root")
                .isFalse();
        assertThat(verifyEntry(e, chain.admitInstitution().address(), b.root(), b.proof(3)))
                .as("another institution")
                .isFalse();
        EscrowEntry altered = new EscrowEntry(e.patient(), chain.bytes32(), e.contentHash(), e.institution());
        assertThat(verifyEntry(altered, e.institution(), b.root(), b.proof(3)))
                .as("altered report id")
                .isFalse();
    }

    private static boolean verifyEntry(EscrowEntry e, String institution, byte[] root, List<byte[]> proof)
            throws Exception {
        return chain.escrow
                .verifyEntry(e.patient(), e.reportId(), e.contentHash(), institution, root, proof)
                .send();
    }

    @Test
    void verifyProof_acceptsEveryJavaProof_andRefusesWrongLeaves_forTreesOf1To1001Leaves() throws Exception {
        Party institution = chain.admitInstitution();
        long before = chain.web3j.ethBlockNumber().send().getBlockNumber().longValueExact();

        for (int size : new int[] {1, 2, 3, 1_000, 1_001}) {
            List<EscrowEntry> entries = entries(institution, size);
            MerkleTree tree = treeOf(entries);
            byte[] root = tree.root();
            List<String> calls = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                calls.add(chain.escrow
                        .verifyProof(root, entries.get(i).leaf(), tree.proof(i))
                        .encodeFunctionCall());
            }
            List<String> results = chain.ethCalls(chain.escrow.getContractAddress(), calls);
            for (int i = 0; i < size; i++) {
                assertThat(ChainFixture.isTrue(results.get(i)))
                        .as("leaf %d of %d", i, size)
                        .isTrue();
            }

            byte[] stranger =
                    entry(institution.address(), institution.address()).leaf();
            List<String> wrong = List.of(
                    chain.escrow.verifyProof(root, stranger, tree.proof(0)).encodeFunctionCall(),
                    chain.escrow
                            .verifyProof(root, stranger, tree.proof(size - 1))
                            .encodeFunctionCall(),
                    chain.escrow
                            .verifyProof(chain.bytes32(), entries.get(0).leaf(), tree.proof(0))
                            .encodeFunctionCall());
            for (String result : chain.ethCalls(chain.escrow.getContractAddress(), wrong)) {
                assertThat(ChainFixture.isTrue(result))
                        .as("wrong leaf or root, tree of %d", size)
                        .isFalse();
            }
            if (size > 1) {
                String swapped = chain.escrow
                        .verifyProof(root, entries.get(0).leaf(), tree.proof(size - 1))
                        .encodeFunctionCall();
                assertThat(ChainFixture.isTrue(chain.ethCalls(chain.escrow.getContractAddress(), List.of(swapped))
                                .get(0)))
                        .as("another leaf's proof, tree of %d", size)
                        .isFalse();
            }
        }
        assertThat(chain.web3j.ethBlockNumber().send().getBlockNumber().longValueExact())
                .as("only eth_call, nothing mined")
                .isEqualTo(before);
    }

    @Test
    void release_ofTheFirstAndLastEntry_ofAThousandAndOneEntryBatch() throws Exception {
        Party institution = chain.admitInstitution();
        Party first = chain.registerPatient();
        Party last = chain.registerPatient();
        List<EscrowEntry> entries = entries(institution, 1_001, first);
        entries.set(1_000, entry(last.address(), institution.address()));
        Batch b = submit(institution, entries, DAY);
        assertThat(b.proof(0)).hasSize(10);
        assertThat(b.proof(1_000).size())
                .as("the last leaf, carried up past levels where it has no sibling")
                .isLessThan(b.proof(0).size());

        TransactionReceipt r0 = send(releaseSignedBy(first.credentials(), b, 0));
        TransactionReceipt r1000 = send(releaseSignedBy(last.credentials(), b, 1_000));

        assertThat(chain.escrow.getEntryReleasedEvents(r0).get(0).entry)
                .isEqualTo(b.entry(0).leaf());
        assertThat(chain.escrow.getEntryReleasedEvents(r1000).get(0).entry)
                .isEqualTo(b.entry(1_000).leaf());
        assertThat(chain.escrow.getEntryReleasedEvents(r1000).get(0).intermediateAccount)
                .isEqualTo(EscrowEntry.intermediateAccount(institution.encryptionKey(), last.encryptionKey()));
        assertThat(chain.escrow.statusOf(b.entry(0).leaf()).send()).isEqualTo(RELEASED);
        assertThat(chain.escrow.statusOf(b.entry(1_000).leaf()).send()).isEqualTo(RELEASED);
        assertThat(chain.escrow.holderOf(b.entry(1_000).leaf()).send()).isEqualTo(last.address());
        assertThat(chain.escrow.statusOf(b.entry(500).leaf()).send()).isEqualTo(PENDING);
        System.out.printf(
                "ConsentEscrow.release (1001-entry batch): first %s gas (proof %d), last %s gas (proof %d)%n",
                r0.getGasUsed(),
                b.proof(0).size(),
                r1000.getGasUsed(),
                b.proof(1_000).size());
    }
}
