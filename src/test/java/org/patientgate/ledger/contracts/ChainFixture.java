package org.patientgate.ledger.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.anvil.AnvilNode;
import org.patientgate.ledger.web3j.ContractErrors;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.Contract;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/** A fresh anvil node with the four contracts deployed, plus key, EIP-712, revert and time helpers. */
final class ChainFixture implements AutoCloseable {

    /** The anvil binary the build installs (relative to the project root, Maven's working directory). */
    static final Path ANVIL = Path.of("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

    /** Not anvil's default, so a domain separator that ignored the chain id would show. */
    static final long CHAIN_ID = 424_242;

    static final BigInteger GAS_LIMIT = BigInteger.valueOf(6_000_000);
    static final BigInteger CURVE_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
    static final byte[] ZERO32 = new byte[32];

    private static final String HUNDRED_ETH = "0x56BC75E2D63100000";
    private static final int CALLS_PER_BATCH = 500;

    /** A participant: its signing key and the keys it registered. */
    record Party(Credentials credentials, byte[] encryptionKey, byte[] profileHash) {
        String address() {
            return credentials.getAddress();
        }

        ECKeyPair key() {
            return credentials.getEcKeyPair();
        }
    }

    /** The revert data of a refused call, named through {@link ContractErrors}. */
    record Revert(String data) {
        String name() {
            return ContractErrors.name(data).orElse("?");
        }

        String description() {
            return ContractErrors.describe(data);
        }
    }

    private final AnvilNode anvil;
    private final HttpService http;
    final Web3j web3j;
    final StaticGasProvider gas;
    final Credentials admin;
    final Credentials relayer;
    final ParticipantRegistry registry;
    final ConsentEscrow escrow;
    final AccessGrants grants;
    final AuditAnchor audit;
    private final Map<String, TransactionManager> managers = new HashMap<>();
    /** The X25519 key each institution and patient of this fixture registered, by lowercase address. */
    private final Map<String, byte[]> registeredKeys = new HashMap<>();

    private final Random random = new Random(20_250_101);
    private int keys;

    private ChainFixture(AnvilNode anvil) {
        this.anvil = anvil;
        this.http = new HttpService(anvil.rpcUrl());
        this.web3j = Web3j.build(http);
        try {
            BigInteger price = web3j.ethGasPrice().send().getGasPrice();
            this.gas = new StaticGasProvider(price.shiftLeft(1), GAS_LIMIT);
            this.admin = funded();
            this.relayer = funded();
            this.registry = deployRegistry(admin);
            String r = registry.getContractAddress();
            this.escrow = ConsentEscrow.deploy(web3j, manager(admin), gas, r).send();
            this.grants = AccessGrants.deploy(web3j, manager(admin), gas, r).send();
            this.audit = AuditAnchor.deploy(web3j, manager(admin), gas, r).send();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("could not deploy the contracts on anvil", e);
        }
    }

    /** Starts anvil with its state file in {@code dir} and deploys the registry, escrow, grants and anchor. */
    static ChainFixture start(Path dir) {
        AnvilNode node = new AnvilNode(
                        ANVIL, dir.resolve("chain.json"), CHAIN_ID, Duration.ofHours(1), Duration.ofSeconds(30))
                .start();
        return new ChainFixture(node);
    }

    @Override
    public void close() {
        web3j.shutdown();
        anvil.close();
    }

    // ---------------------------------------------------------------- keys and contracts

    /** A new key (deterministic per fixture) that holds no ether: a signer that never sends transactions. */
    Credentials unfunded() {
        byte[] seed = Hash.sha3(("patientgate-contract-it-" + keys++).getBytes(StandardCharsets.UTF_8));
        return Credentials.create(ECKeyPair.create(new BigInteger(1, seed)));
    }

    /** A new key with 100 ether. */
    Credentials funded() {
        Credentials c = unfunded();
        fund(c.getAddress());
        return c;
    }

    void fund(String address) {
        rpc("anvil_setBalance", List.of(address, HUNDRED_ETH));
    }

    BigInteger balanceOf(String address) throws IOException {
        return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST)
                .send()
                .getBalance();
    }

    TransactionManager manager(Credentials as) {
        return managers.computeIfAbsent(
                as.getAddress(),
                a -> new RawTransactionManager(
                        web3j, as, CHAIN_ID, new PollingTransactionReceiptProcessor(web3j, 50, 200)));
    }

    ParticipantRegistry deployRegistry(Credentials initialAdmin) throws Exception {
        return ParticipantRegistry.deploy(web3j, manager(initialAdmin), gas, initialAdmin.getAddress())
                .send();
    }

    ParticipantRegistry registry(Credentials as) {
        return registryAt(registry.getContractAddress(), as);
    }

    ParticipantRegistry registryAt(String address, Credentials as) {
        return ParticipantRegistry.load(address, web3j, manager(as), gas);
    }

    ConsentEscrow escrow(Credentials as) {
        return ConsentEscrow.load(escrow.getContractAddress(), web3j, manager(as), gas);
    }

    AccessGrants grants(Credentials as) {
        return AccessGrants.load(grants.getContractAddress(), web3j, manager(as), gas);
    }

    AuditAnchor audit(Credentials as) {
        return AuditAnchor.load(audit.getContractAddress(), web3j, manager(as), gas);
    }

    /** A funded account admitted as an institution by the admin, with random keys. */
    Party admitInstitution() throws Exception {
        Party p = new Party(funded(), bytes32(), bytes32());
        send(registry(admin).admitInstitution(p.address(), p.encryptionKey(), p.profileHash()));
        registeredKeys.put(p.address().toLowerCase(Locale.ROOT), p.encryptionKey());
        return p;
    }

    /** A patient registered through its Registration signature, relayed by the hub; it holds no ether. */
    Party registerPatient() throws Exception {
        return registerPatient(unfunded());
    }

    /** Registers {@code patient} through its Java-made Registration signature (nonce 0), relayed by the hub. */
    Party registerPatient(Credentials patient) throws Exception {
        Party p = new Party(patient, bytes32(), bytes32());
        BigInteger deadline = now().add(BigInteger.valueOf(3_600));
        byte[] sig = signRegistration(
                registry.getContractAddress(), p.key(), p.address(), p.encryptionKey(), p.profileHash(), 0, deadline);
        send(registry(relayer).registerPatientBySig(p.address(), p.encryptionKey(), p.profileHash(), deadline, sig));
        registeredKeys.put(p.address().toLowerCase(Locale.ROOT), p.encryptionKey());
        return p;
    }

    // ---------------------------------------------------------------- EIP-712 (the Java side)

    static byte[] signRegistration(
            String registryAddress,
            ECKeyPair signer,
            String patient,
            byte[] encryptionKey,
            byte[] profileHash,
            long nonce,
            BigInteger deadline) {
        byte[] domain = Eip712.domainSeparator(Eip712.REGISTRY_NAME, CHAIN_ID, registryAddress);
        byte[] struct = Eip712.registration(patient, encryptionKey, profileHash, BigInteger.valueOf(nonce), deadline);
        return Eip712.sign(Eip712.digest(domain, struct), signer);
    }

    /**
     * A Decision on {@code entry} naming its intermediate account as computed from the keys this
     * fixture registered (see {@link #intermediateAccountOf}).
     */
    byte[] signDecision(ECKeyPair signer, EscrowEntry entry, boolean release, BigInteger nonce, BigInteger deadline) {
        return signDecision(signer, entry.leaf(), intermediateAccountOf(entry), release, nonce, deadline);
    }

    /** A Decision on the entry with leaf {@code leaf}, naming whatever {@code intermediateAccount} is given. */
    byte[] signDecision(
            ECKeyPair signer,
            byte[] leaf,
            String intermediateAccount,
            boolean release,
            BigInteger nonce,
            BigInteger deadline) {
        byte[] domain = Eip712.domainSeparator(Eip712.ESCROW_NAME, CHAIN_ID, escrow.getContractAddress());
        byte[] struct = Eip712.decision(leaf, intermediateAccount, release, nonce, deadline);
        return Eip712.sign(Eip712.digest(domain, struct), signer);
    }

    /**
     * The entry's intermediate account ({@link EscrowEntry#intermediateAccount}) from the keys its
     * institution and patient registered through this fixture; a party the fixture never registered
     * counts as an all-zero key (the contract refuses such an entry before it looks at a signature).
     */
    String intermediateAccountOf(EscrowEntry entry) {
        return EscrowEntry.intermediateAccount(
                registeredKeys.getOrDefault(entry.institution(), ZERO32),
                registeredKeys.getOrDefault(entry.patient(), ZERO32));
    }

    /** A random uint256 Decision nonce, as a wallet picks one (deterministic per fixture). */
    BigInteger nonce() {
        return new BigInteger(256, random);
    }

    byte[] signGrant(
            ECKeyPair signer, byte[] credentialHash, String grantee, BigInteger expiresAt, BigInteger deadline) {
        byte[] domain = Eip712.domainSeparator(Eip712.GRANTS_NAME, CHAIN_ID, grants.getContractAddress());
        return Eip712.sign(Eip712.digest(domain, Eip712.grant(credentialHash, grantee, expiresAt, deadline)), signer);
    }

    byte[] signRevocation(ECKeyPair signer, byte[] credentialHash, BigInteger deadline) {
        byte[] domain = Eip712.domainSeparator(Eip712.GRANTS_NAME, CHAIN_ID, grants.getContractAddress());
        return Eip712.sign(Eip712.digest(domain, Eip712.revocation(credentialHash, deadline)), signer);
    }

    /** The malleable twin of a canonical signature: s → n − s, v flipped; same signer, refused on chain. */
    static byte[] highS(byte[] signature) {
        byte[] twin = signature.clone();
        BigInteger s = new BigInteger(1, signature, 32, 32);
        System.arraycopy(Numeric.toBytesPadded(CURVE_ORDER.subtract(s), 32), 0, twin, 32, 32);
        twin[64] = (byte) (twin[64] == 27 ? 28 : 27);
        return twin;
    }

    /** Signatures the contracts' Signatures library refuses: high s, 64 and 66 bytes, v = 29, v = 1, all zero. */
    static List<byte[]> malformed(byte[] canonical) {
        byte[] v29 = canonical.clone();
        v29[64] = 29;
        byte[] v1 = canonical.clone();
        v1[64] = (byte) (canonical[64] - 27);
        byte[] longer = Arrays.copyOf(canonical, 66);
        return List.of(highS(canonical), Arrays.copyOf(canonical, 64), longer, v29, v1, new byte[65]);
    }

    // ---------------------------------------------------------------- transactions, calls and reverts

    /** Sends a transaction and asserts it was mined successfully. */
    static TransactionReceipt send(RemoteFunctionCall<TransactionReceipt> call) throws Exception {
        TransactionReceipt receipt = call.send();
        assertThat(receipt.isStatusOK()).as("transaction status").isTrue();
        return receipt;
    }

    /**
     * Runs {@code call} as {@code from} with eth_call against the latest block and asserts that it reverts
     * with the contracts' custom error {@code errorName}; returns the revert for argument checks.
     */
    Revert assertReverts(Credentials from, Contract contract, RemoteFunctionCall<?> call, String errorName) {
        return assertReverts(from.getAddress(), contract.getContractAddress(), call.encodeFunctionCall(), errorName);
    }

    /** As above for raw call data; {@code to} null simulates a contract creation. */
    Revert assertReverts(String from, String to, String data, String errorName) {
        EthCall result = ethCall(from, to, data);
        String revertData = revertData(result);
        if (revertData == null) {
            fail("expected " + errorName + " but the call succeeded with " + result.getValue());
        }
        Revert revert = new Revert(revertData);
        assertThat(ContractErrors.name(revertData))
                .as("revert of the call (%s)", revert.description())
                .contains(errorName);
        return revert;
    }

    EthCall ethCall(String from, String to, String data) {
        try {
            return web3j.ethCall(Transaction.createEthCallTransaction(from, to, data), DefaultBlockParameterName.LATEST)
                    .send();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The custom error's ABI encoding from a failed eth_call, or null when the call succeeded. */
    static String revertData(EthCall result) {
        if (result.hasError()) {
            String data = result.getError().getData();
            if (data == null) {
                return "0x";
            }
            data = data.trim();
            if (data.startsWith("\"") && data.endsWith("\"")) {
                data = data.substring(1, data.length() - 1);
            }
            return data;
        }
        return result.isReverted() ? result.getValue() : null;
    }

    /**
     * Runs many calls to {@code to} as JSON-RPC batches of eth_call (no transactions, nothing mined) and
     * returns each call's return data in order; fails on any error.
     */
    List<String> ethCalls(String to, List<String> data) throws IOException {
        List<String> out = new ArrayList<>(data.size());
        for (int from = 0; from < data.size(); from += CALLS_PER_BATCH) {
            BatchRequest batch = web3j.newBatch();
            for (String d : data.subList(from, Math.min(data.size(), from + CALLS_PER_BATCH))) {
                batch.add(web3j.ethCall(
                        Transaction.createEthCallTransaction(relayer.getAddress(), to, d),
                        DefaultBlockParameterName.LATEST));
            }
            for (Response<?> r : batch.send().getResponses()) {
                assertThat(r.hasError())
                        .as("eth_call error %s", r.hasError() ? r.getError().getMessage() : "")
                        .isFalse();
                out.add(((EthCall) r).getValue());
            }
        }
        return out;
    }

    /** Whether an ABI-encoded bool return value is true. */
    static boolean isTrue(String returnData) {
        return new BigInteger(Numeric.cleanHexPrefix(returnData), 16).equals(BigInteger.ONE);
    }

    // ---------------------------------------------------------------- time

    /** Timestamp of the latest block. */
    BigInteger now() throws IOException {
        return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                .send()
                .getBlock()
                .getTimestamp();
    }

    /** Timestamp of the block that mined {@code receipt}. */
    BigInteger timestampOf(TransactionReceipt receipt) throws IOException {
        return web3j.ethGetBlockByHash(receipt.getBlockHash(), false)
                .send()
                .getBlock()
                .getTimestamp();
    }

    /** Moves the chain's clock forward and mines a block at the new time. */
    void travel(long seconds) {
        rpc("evm_increaseTime", List.of(seconds));
        rpc("evm_mine", List.of());
    }

    private void rpc(String method, List<?> params) {
        try {
            VoidResponse r = new Request<>(method, params, http, VoidResponse.class).send();
            if (r.hasError()) {
                throw new IllegalStateException(method + ": " + r.getError().getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- values

    /** 32 pseudo-random bytes (deterministic per fixture), never all zero. */
    byte[] bytes32() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        b[31] |= 1;
        return b;
    }

    static String hex(byte[] bytes) {
        return Numeric.toHexString(bytes);
    }
}
