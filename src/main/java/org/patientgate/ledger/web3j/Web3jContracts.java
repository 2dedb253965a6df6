package org.patientgate.ledger.web3j;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.contracts.AccessGrants;
import org.patientgate.ledger.contracts.AuditAnchor;
import org.patientgate.ledger.contracts.ConsentEscrow;
import org.patientgate.ledger.contracts.ParticipantRegistry;
import org.web3j.tuples.generated.Tuple4;
import org.web3j.tuples.generated.Tuple5;
import org.web3j.tuples.generated.Tuple6;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * The four deployed contracts as the hub uses them: the generated web3j wrappers (used only inside
 * this package) turn each {@link LedgerWrite} into call data, and their view functions answer
 * "does the chain already have this write?", which is what keeps a replayed or resent write from
 * having a second effect.
 */
public final class Web3jContracts {

    public static final String REGISTRY = "ParticipantRegistry";
    public static final String ESCROW = "ConsentEscrow";
    public static final String GRANTS = "AccessGrants";
    public static final String AUDIT = "AuditAnchor";

    private static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

    private final Web3jChain chain;
    private final ParticipantRegistry registry;
    private final ConsentEscrow escrow;
    private final AccessGrants grants;
    private final AuditAnchor audit;
    private final Map<String, String> addresses;

    Web3jContracts(Web3jChain chain, Map<String, String> addresses) {
        this.chain = chain;
        this.addresses = Map.copyOf(addresses);
        TransactionManager reader = new ReadonlyTransactionManager(chain.web3j(), ZERO_ADDRESS);
        ContractGasProvider noGas = new StaticGasProvider(BigInteger.ZERO, BigInteger.ZERO);
        this.registry = ParticipantRegistry.load(address(REGISTRY), chain.web3j(), reader, noGas);
        this.escrow = ConsentEscrow.load(address(ESCROW), chain.web3j(), reader, noGas);
        this.grants = AccessGrants.load(address(GRANTS), chain.web3j(), reader, noGas);
        this.audit = AuditAnchor.load(address(AUDIT), chain.web3j(), reader, noGas);
    }

    /** Contract name to address, in deployment order. */
    public Map<String, String> addresses() {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String name : new String[] {REGISTRY, ESCROW, GRANTS, AUDIT}) {
            ordered.put(name, addresses.get(name));
        }
        return ordered;
    }

    public String address(String contract) {
        String a = addresses.get(contract);
        if (a == null || a.isBlank()) {
            throw new IllegalStateException("no address for contract " + contract);
        }
        return a;
    }

    /** Whether every contract has code on the chain (a fresh or reset chain has none). */
    public boolean deployed() {
        return addresses().values().stream().allMatch(a -> a != null && chain.hasCode(a));
    }

    /** The call data of a write, addressed to the contract that takes it. */
    ChainCall encode(LedgerWrite write) {
        if (write instanceof LedgerWrite.AdmitInstitution w) {
            return new ChainCall(
                    address(REGISTRY),
                    registry.admitInstitution(w.institution(), w.encryptionKey(), w.profileHash())
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.EscrowBatch w) {
            return new ChainCall(
                    address(ESCROW),
                    escrow.submitBatch(w.root(), BigInteger.valueOf(w.count()), BigInteger.valueOf(w.expiresAt()))
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.AuditBatch w) {
            return new ChainCall(
                    address(AUDIT),
                    audit.anchor(
                                    w.root(),
                                    BigInteger.valueOf(w.count()),
                                    BigInteger.valueOf(w.fromTime()),
                                    BigInteger.valueOf(w.toTime()))
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.EscrowDecision w) {
            EscrowEntry e = w.entry();
            var call = w.release()
                    ? escrow.release(
                            e.patient(),
                            e.reportId(),
                            e.contentHash(),
                            e.institution(),
                            w.root(),
                            w.proof(),
                            w.nonce(),
                            w.deadline(),
                            w.signature())
                    : escrow.reject(
                            e.patient(),
                            e.reportId(),
                            e.contentHash(),
                            e.institution(),
                            w.root(),
                            w.proof(),
                            w.nonce(),
                            w.deadline(),
                            w.signature());
            return new ChainCall(address(ESCROW), call.encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.EscrowExpiry w) {
            EscrowEntry e = w.entry();
            return new ChainCall(
                    address(ESCROW),
                    escrow.expire(e.patient(), e.reportId(), e.contentHash(), e.institution(), w.root(), w.proof())
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.IssueGrant w) {
            return new ChainCall(
                    address(GRANTS),
                    grants.issue(
                                    w.credentialHash(),
                                    w.patient(),
                                    w.grantee(),
                                    BigInteger.valueOf(w.expiresAt()),
                                    w.deadline(),
                                    w.signature())
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.RevokeGrant w) {
            return new ChainCall(
                    address(GRANTS),
                    grants.revokeBySig(w.credentialHash(), w.deadline(), w.signature())
                            .encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.SurrenderGrant w) {
            return new ChainCall(
                    address(GRANTS), grants.revoke(w.credentialHash()).encodeFunctionCall());
        }
        if (write instanceof LedgerWrite.RegisterPatient w) {
            var call = w.update()
                    ? registry.updatePatientBySig(
                            w.patient(), w.encryptionKey(), w.profileHash(), w.deadline(), w.signature())
                    : registry.registerPatientBySig(
                            w.patient(), w.encryptionKey(), w.profileHash(), w.deadline(), w.signature());
            return new ChainCall(address(REGISTRY), call.encodeFunctionCall());
        }
        throw new IllegalArgumentException("unknown ledger write " + write.getClass());
    }

    /** Whether the chain already shows the write's effect (so it is not sent, or not sent again). */
    boolean alreadyOnChain(LedgerWrite write) {
        return chain.rpc("eth_call", () -> onChain(write));
    }

    private boolean onChain(LedgerWrite write) throws Exception {
        if (write instanceof LedgerWrite.AdmitInstitution w) {
            Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p =
                    registry.participantOf(w.institution()).send();
            return p.component1().intValue() == 1
                    && p.component2()
                    && Arrays.equals(p.component5(), w.encryptionKey())
                    && Arrays.equals(p.component6(), w.profileHash());
        }
        if (write instanceof LedgerWrite.EscrowBatch w) {
            return !escrow.batchOf(w.root()).send().component1().equals(ZERO_ADDRESS);
        }
        if (write instanceof LedgerWrite.AuditBatch w) {
            return !audit.batchOf(w.root()).send().component1().equals(ZERO_ADDRESS);
        }
        if (write instanceof LedgerWrite.EscrowDecision w) {
            return escrow.statusOf(w.entry().leaf()).send().signum() != 0;
        }
        if (write instanceof LedgerWrite.EscrowExpiry w) {
            return escrow.statusOf(w.entry().leaf()).send().signum() != 0;
        }
        if (write instanceof LedgerWrite.IssueGrant w) {
            return grants.statusOf(w.credentialHash()).send().component1().signum() != 0;
        }
        if (write instanceof LedgerWrite.RevokeGrant w) {
            return grantRevoked(w.credentialHash());
        }
        if (write instanceof LedgerWrite.SurrenderGrant w) {
            return grantRevoked(w.credentialHash());
        }
        if (write instanceof LedgerWrite.RegisterPatient w) {
            Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p =
                    registry.participantOf(w.patient()).send();
            return p.component1().intValue() == 2
                    && Arrays.equals(p.component5(), w.encryptionKey())
                    && Arrays.equals(p.component6(), w.profileHash());
        }
        throw new IllegalArgumentException("unknown ledger write " + write.getClass());
    }

    private boolean grantRevoked(byte[] credentialHash) throws Exception {
        return grants.statusOf(credentialHash).send().component1().intValue() == 2;
    }

    /** Contract errors that say the write's effect is already there (an earlier send landed). */
    private static final Map<Class<?>, Set<String>> ALREADY = Map.of(
            LedgerWrite.EscrowBatch.class, Set.of("BatchExists"),
            LedgerWrite.AuditBatch.class, Set.of("RootExists"),
            LedgerWrite.IssueGrant.class, Set.of("GrantExists"),
            LedgerWrite.RevokeGrant.class, Set.of("AlreadyRevoked"),
            LedgerWrite.SurrenderGrant.class, Set.of("AlreadyRevoked"),
            LedgerWrite.EscrowDecision.class, Set.of("AlreadyDecided"),
            LedgerWrite.EscrowExpiry.class, Set.of("AlreadyDecided"));

    boolean meansAlreadyDone(LedgerWrite write, String errorName) {
        return ALREADY.getOrDefault(write.getClass(), Set.of()).contains(errorName);
    }

    /** (institution, count, submittedAt, expiresAt) of an escrow batch; institution 0 if unknown. */
    public Tuple4<String, BigInteger, BigInteger, BigInteger> escrowBatch(byte[] root) {
        return chain.rpc("eth_call", () -> escrow.batchOf(root).send());
    }

    /** (submitter, count, fromTime, toTime, anchoredAt) of an audit batch; submitter 0 if unknown. */
    public Tuple5<String, BigInteger, BigInteger, BigInteger, BigInteger> auditBatch(byte[] root) {
        return chain.rpc("eth_call", () -> audit.batchOf(root).send());
    }

    /** Asks the escrow contract itself whether the entry is proven under the root. */
    public boolean verifyOnChain(EscrowEntry e, byte[] root, List<byte[]> proof) {
        return chain.rpc("eth_call", () -> escrow.verifyEntry(
                        e.patient(), e.reportId(), e.contentHash(), e.institution(), root, proof)
                .send());
    }

    /** The registry's next Registration nonce of {@code patient}. */
    public BigInteger registrationNonce(String patient) {
        return chain.rpc("eth_call", () -> registry.nonces(patient).send());
    }

    /** The X25519 key the registry holds for {@code patient}; empty unless registered as a patient. */
    public java.util.Optional<byte[]> patientKey(String patient) {
        Tuple6<BigInteger, Boolean, BigInteger, BigInteger, byte[], byte[]> p =
                chain.rpc("eth_call", () -> registry.participantOf(patient).send());
        return p.component1().intValue() == 2 ? java.util.Optional.of(p.component5()) : java.util.Optional.empty();
    }

    /** The escrow contract's record of an entry: 0 pending, 1 released, 2 rejected, 3 expired. */
    public int escrowStatus(byte[] leaf) {
        return chain.rpc("eth_call", () -> escrow.statusOf(leaf).send()).intValue();
    }
}
