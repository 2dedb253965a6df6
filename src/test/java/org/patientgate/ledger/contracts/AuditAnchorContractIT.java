package org.patientgate.ledger.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO32;
import static org.patientgate.ledger.contracts.ChainFixture.ZERO_ADDRESS;
import static org.patientgate.ledger.contracts.ChainFixture.hex;
import static org.patientgate.ledger.contracts.ChainFixture.send;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.MerkleTree;
import org.patientgate.ledger.contracts.ChainFixture.Party;
import org.patientgate.ledger.contracts.ChainFixture.Revert;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tuples.generated.Tuple5;

/** AuditAnchor on anvil: anchoring by institutions and admins, every revert, proofs from a Java MerkleTree. */
class AuditAnchorContractIT {

    private static final BigInteger FROM = BigInteger.valueOf(1_700_000_000L);
    private static final BigInteger TO = BigInteger.valueOf(1_700_003_600L);

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

    /** Leaves as the hub would hash audit records: keccak256 of each record's bytes. */
    private static List<byte[]> auditLeaves(int n) {
        List<byte[]> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String record = "{\"seq\":" + i + ",\"event\":\"release\",\"salt\":\"" + hex(chain.bytes32()) + "\"}";
            leaves.add(Hash.sha3(record.getBytes(StandardCharsets.UTF_8)));
        }
        return leaves;
    }

    private static Revert assertAnchorReverts(
            Credentials caller, byte[] root, long count, BigInteger from, BigInteger to, String error) {
        AuditAnchor audit = chain.audit(caller);
        return chain.assertReverts(caller, audit, audit.anchor(root, BigInteger.valueOf(count), from, to), error);
    }

    @Test
    void registry_isTheDeployedRegistry_andBatchOfIsZeroForAnUnknownRoot() throws Exception {
        assertThat(chain.audit.registry().send()).isEqualTo(chain.registry.getContractAddress());

        Tuple5<String, BigInteger, BigInteger, BigInteger, BigInteger> b =
                chain.audit.batchOf(chain.bytes32()).send();
        assertThat(b.component1()).isEqualTo(ZERO_ADDRESS);
        assertThat(b.component2()).isZero();
        assertThat(b.component3()).isZero();
        assertThat(b.component4()).isZero();
        assertThat(b.component5()).isZero();
    }

    @Test
    void anchor_byAnInstitution_recordsTheBatch_andEmitsAuditBatchAnchored() throws Exception {
        Party institution = chain.admitInstitution();
        MerkleTree tree = MerkleTree.of(auditLeaves(7));

        TransactionReceipt receipt =
                send(chain.audit(institution.credentials()).anchor(tree.root(), BigInteger.valueOf(7), FROM, TO));

        List<AuditAnchor.AuditBatchAnchoredEventResponse> events = chain.audit.getAuditBatchAnchoredEvents(receipt);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).root).isEqualTo(tree.root());
        assertThat(events.get(0).submitter).isEqualTo(institution.address());
        assertThat(events.get(0).count).isEqualTo(BigInteger.valueOf(7));
        assertThat(events.get(0).fromTime).isEqualTo(FROM);
        assertThat(events.get(0).toTime).isEqualTo(TO);
        Tuple5<String, BigInteger, BigInteger, BigInteger, BigInteger> b =
                chain.audit.batchOf(tree.root()).send();
        assertThat(b.component1()).isEqualTo(institution.address());
        assertThat(b.component2()).isEqualTo(BigInteger.valueOf(7));
        assertThat(b.component3()).isEqualTo(FROM);
        assertThat(b.component4()).isEqualTo(TO);
        assertThat(b.component5()).as("anchoredAt").isEqualTo(chain.timestampOf(receipt));
        System.out.printf("AuditAnchor.anchor: %s gas%n", receipt.getGasUsed());
    }

    @Test
    void anchor_byAnAdminThatIsNoInstitution_isAccepted_withAnEqualFromAndTo() throws Exception {
        assertThat(chain.registry.isActiveInstitution(chain.admin.getAddress()).send())
                .isFalse();
        byte[] root = MerkleTree.of(auditLeaves(1)).root();

        TransactionReceipt receipt = send(chain.audit(chain.admin).anchor(root, BigInteger.ONE, FROM, FROM));

        AuditAnchor.AuditBatchAnchoredEventResponse event =
                chain.audit.getAuditBatchAnchoredEvents(receipt).get(0);
        assertThat(event.root).isEqualTo(root);
        assertThat(event.submitter).isEqualTo(chain.admin.getAddress());
        assertThat(event.count).isEqualTo(BigInteger.ONE);
        assertThat(event.fromTime).isEqualTo(FROM);
        assertThat(event.toTime).isEqualTo(FROM);
        assertThat(chain.audit.batchOf(root).send().component1()).isEqualTo(chain.admin.getAddress());
    }

    @Test
    void anchorRevertsUnregisteredParty_forAStrangerAPatientOrARemovedInstitution() throws Exception {
        Credentials stranger = chain.funded();
        Party patient = chain.registerPatient(chain.funded());
        Party removed = chain.admitInstitution();
        send(chain.registry(chain.admin).removeInstitution(removed.address()));

        for (Credentials caller : List.of(stranger, patient.credentials(), removed.credentials())) {
            Revert r = assertAnchorReverts(caller, chain.bytes32(), 3, FROM, TO, "UnregisteredParty");
            assertThat(r.description()).isEqualTo("UnregisteredParty(" + caller.getAddress() + ")");
        }
    }

    @Test
    void anchorRevertsEmptyBatch_forAZeroRootOrZeroCount() throws Exception {
        Party institution = chain.admitInstitution();

        assertAnchorReverts(institution.credentials(), ZERO32, 3, FROM, TO, "EmptyBatch");
        assertAnchorReverts(institution.credentials(), chain.bytes32(), 0, FROM, TO, "EmptyBatch");
    }

    @Test
    void anchorRevertsInvalidRange_whenFromIsAfterTo_evenByOneSecond() throws Exception {
        Party institution = chain.admitInstitution();

        Revert r = assertAnchorReverts(institution.credentials(), chain.bytes32(), 3, TO, FROM, "InvalidRange");
        BigInteger justAfter = FROM.add(BigInteger.ONE);
        Revert bySecond =
                assertAnchorReverts(institution.credentials(), chain.bytes32(), 3, justAfter, FROM, "InvalidRange");

        assertThat(r.description()).isEqualTo("InvalidRange(" + TO + ", " + FROM + ")");
        assertThat(bySecond.description()).isEqualTo("InvalidRange(" + justAfter + ", " + FROM + ")");
    }

    @Test
    void anchorRevertsRootExists_forARootAlreadyAnchored_byAnySubmitter() throws Exception {
        Party institution = chain.admitInstitution();
        byte[] root = MerkleTree.of(auditLeaves(4)).root();
        send(chain.audit(institution.credentials()).anchor(root, BigInteger.valueOf(4), FROM, TO));

        for (Credentials caller : List.of(institution.credentials(), chain.admin)) {
            Revert r = assertAnchorReverts(caller, root, 4, FROM, TO, "RootExists");
            assertThat(r.description()).isEqualTo("RootExists(" + hex(root) + ")");
        }
        assertThat(chain.audit.batchOf(root).send().component1()).isEqualTo(institution.address());
    }

    @Test
    void verify_isTrueForEveryRecordOfAnAnchoredJavaMerkleTree_andFalseOtherwise() throws Exception {
        Party institution = chain.admitInstitution();
        List<byte[]> records = auditLeaves(37);
        List<byte[]> leaves = records.stream().map(Hash::sha3).toList(); // leaf = keccak(record hash)
        MerkleTree tree = MerkleTree.of(leaves);
        byte[] root = tree.root();
        assertThat(chain.audit.auditLeaf(records.get(3)).send()).isEqualTo(leaves.get(3));
        List<String> beforeAnchoring =
                List.of(chain.audit.verify(root, records.get(0), tree.proof(0)).encodeFunctionCall());
        assertThat(ChainFixture.isTrue(chain.ethCalls(chain.audit.getContractAddress(), beforeAnchoring)
                        .get(0)))
                .as("a valid proof under a root not anchored")
                .isFalse();
        send(chain.audit(institution.credentials()).anchor(root, BigInteger.valueOf(records.size()), FROM, TO));

        List<String> calls = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            calls.add(chain.audit.verify(root, records.get(i), tree.proof(i)).encodeFunctionCall());
        }
        List<String> results = chain.ethCalls(chain.audit.getContractAddress(), calls);
        for (int i = 0; i < records.size(); i++) {
            assertThat(ChainFixture.isTrue(results.get(i))).as("record %d", i).isTrue();
        }

        byte[] tampered = records.get(5).clone();
        tampered[0] ^= 1;
        assertThat(chain.audit.verify(root, tampered, tree.proof(5)).send())
                .as("tampered record")
                .isFalse();
        assertThat(chain.audit.verify(root, records.get(5), tree.proof(6)).send())
                .as("another record's proof")
                .isFalse();
        assertThat(chain.audit
                        .verify(root, auditLeaves(1).get(0), tree.proof(0))
                        .send())
                .as("foreign record")
                .isFalse();
        assertThat(chain.audit.verify(root, root, List.of()).send())
                .as("the root itself passed off as a record")
                .isFalse();
        byte[] innerNode = MerkleTree.hashPair(leaves.get(0), leaves.get(1));
        assertThat(chain.audit
                        .verify(
                                root,
                                innerNode,
                                tree.proof(0).subList(1, tree.proof(0).size()))
                        .send())
                .as("an inner node with a shortened proof")
                .isFalse();
    }
}
