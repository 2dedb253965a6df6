package org.patientgate.ledger.web3j;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.ledger.LedgerEventListener;
import org.patientgate.ledger.LedgerExplorer;
import org.patientgate.ledger.LedgerIdentities;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerProperties;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.ledger.anvil.AnvilNode;
import org.patientgate.ledger.contracts.AccessGrants;
import org.patientgate.ledger.contracts.AuditAnchor;
import org.patientgate.ledger.contracts.ConsentEscrow;
import org.patientgate.ledger.contracts.ParticipantRegistry;
import org.patientgate.ledger.jdbc.JdbcDeployments;
import org.patientgate.ledger.jdbc.JdbcEscrowAnchoring;
import org.patientgate.ledger.jdbc.JdbcLedgerEvents;
import org.patientgate.protect.KeyCustody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.tx.Contract;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * The ledger capability running: the chain (the embedded anvil node or a configured Besu network),
 * the contracts (deployed once on the embedded chain; configured on an external one), one
 * transaction manager per signing identity, and three workers: the escrow batcher, the outbox
 * publisher and the event follower.
 *
 * <p>Reconciliation: at start, and whenever the chain answers again after an outage, writes the
 * outbox recorded in blocks the chain no longer has are re-opened (the publisher then finds them
 * missing and sends them again, or finds them present and marks them done); if the embedded chain
 * was lost altogether, the contracts are deployed again and every write is re-opened.
 */
public final class Web3jLedger implements LedgerExplorer, ParticipantLedger, EscrowLedger, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Web3jLedger.class);
    /** How far back reconciliation compares recorded block hashes with the chain's. */
    private static final long RECHECKED_BLOCKS = 10_000;

    private static final BigInteger DEPLOY_GAS = BigInteger.valueOf(6_000_000);
    private static final String DEV_BALANCE = "0x" + new BigInteger("1000000000000000000000000").toString(16);

    private final LedgerProperties properties;
    private final Path dataDir;
    private final KeyCustody keys;
    private final LedgerOutbox outbox;
    private final JdbcEscrowAnchoring anchoring;
    private final JdbcLedgerEvents events;
    private final JdbcDeployments deployments;
    private final List<LedgerEventListener> listeners;

    private AnvilNode node;
    private Web3jChain chain;
    private long chainId;
    private final AtomicReference<Web3jContracts> contracts = new AtomicReference<>();
    private Credentials admin;
    private Credentials institution;
    private Web3jPublisher publisher;
    private Web3jEventFollower follower;
    private final Semaphore publisherWake = new Semaphore(0);
    private volatile boolean running;
    private final List<Thread> workers = new java.util.ArrayList<>();

    public Web3jLedger(
            LedgerProperties properties,
            Path dataDir,
            KeyCustody keys,
            LedgerOutbox outbox,
            JdbcEscrowAnchoring anchoring,
            JdbcLedgerEvents events,
            JdbcDeployments deployments,
            List<LedgerEventListener> listeners) {
        this.properties = properties;
        this.dataDir = dataDir;
        this.keys = keys;
        this.outbox = outbox;
        this.anchoring = anchoring;
        this.events = events;
        this.deployments = deployments;
        this.listeners = listeners;
    }

    /** Connects (starting the embedded node if configured so), deploys or checks, starts the workers. */
    public synchronized void start() {
        String rpcUrl;
        if (properties.embedded()) {
            LedgerProperties.Anvil a = properties.anvil();
            node = new AnvilNode(
                            a.binary(),
                            dataDir.resolve("ledger").resolve("anvil-state.json"),
                            a.chainId(),
                            a.stateInterval(),
                            a.startTimeout())
                    .start();
            rpcUrl = node.rpcUrl();
        } else {
            rpcUrl = properties.rpcUrl();
        }
        chain = new Web3jChain(rpcUrl, Duration.ofSeconds(10));
        chainId = chain.chainId();
        if (properties.embedded()) {
            if (chainId != properties.anvil().chainId()) {
                throw new IllegalStateException("the embedded node reports chain id " + chainId);
            }
        } else if (properties.chainId() == null) {
            throw new IllegalStateException("hub.ledger.chain-id is required with hub.ledger.rpc-url");
        } else if (properties.chainId() != chainId) {
            throw new IllegalStateException(
                    "the chain at hub.ledger.rpc-url reports chain id " + chainId + ", but hub.ledger.chain-id is "
                            + properties.chainId() + ": refusing to write to the wrong chain");
        }
        institution = credentials(LedgerIdentities.institution(properties.institution()));
        Map<String, LedgerTransactionManager> signers = new HashMap<>();
        signers.put(LedgerIdentities.institution(properties.institution()), transactionManager(institution));
        if (properties.embedded()) {
            admin = credentials(LedgerIdentities.ADMIN);
            signers.put(LedgerIdentities.ADMIN, transactionManager(admin));
            fund(admin.getAddress());
            fund(institution.getAddress());
            contracts.set(embeddedContracts());
            outbox.enqueue(new LedgerWrite.AdmitInstitution(
                    institution.getAddress(),
                    keys.encryptionPublicKey(LedgerIdentities.institution(properties.institution())),
                    institutionProfileHash()));
        } else {
            if (!properties.contracts().complete()) {
                throw new IllegalStateException(
                        "an external chain needs hub.ledger.contracts.registry, .escrow, .grants"
                                + " and .audit (printed by: java -jar patientgate.jar ledger deploy)");
            }
            Web3jContracts configured = new Web3jContracts(
                    chain,
                    Map.of(
                            Web3jContracts.REGISTRY, properties.contracts().registry(),
                            Web3jContracts.ESCROW, properties.contracts().escrow(),
                            Web3jContracts.GRANTS, properties.contracts().grants(),
                            Web3jContracts.AUDIT, properties.contracts().audit()));
            if (!configured.deployed()) {
                throw new IllegalStateException("no contract code at the configured hub.ledger.contracts.* addresses on"
                        + " chain " + chainId + ": deploy them first (java -jar patientgate.jar ledger deploy)");
            }
            contracts.set(configured);
        }
        publisher = new Web3jPublisher(chain, contracts::get, outbox, properties, signers, this::reconcile);
        follower = new Web3jEventFollower(
                chain,
                contracts::get,
                events,
                listeners,
                properties.confirmations(),
                properties.follower().maxBlocks());
        reconcile();
        running = true;
        worker("ledger-batcher", this::batcherLoop);
        worker("ledger-publisher", this::publisherLoop);
        worker("ledger-follower", this::followerLoop);
        log.info(
                "Ledger ready: chain {} ({}), contracts {}, institution {}",
                chainId,
                properties.embedded() ? "embedded anvil" : rpcUrl,
                contracts.get().addresses(),
                institution.getAddress());
    }

    private Credentials credentials(String identity) {
        byte[] key = keys.ledgerKey(identity);
        try {
            return Credentials.create(ECKeyPair.create(key));
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    private LedgerTransactionManager transactionManager(Credentials credentials) {
        return new LedgerTransactionManager(
                chain.web3j(),
                credentials,
                chainId,
                new PacedReceiptProcessor(chain.web3j(), properties.pollInterval(), Duration.ofMinutes(2)));
    }

    /** The embedded chain is a development chain: the hub gives its own accounts gas money. */
    private void fund(String address) {
        chain.call("anvil_setBalance", List.of(address, DEV_BALANCE));
    }

    private byte[] institutionProfileHash() {
        return org.patientgate.ledger.cli.LedgerDeployCommand.profileHash(
                properties.institution(), properties.institutionName());
    }

    private Web3jContracts embeddedContracts() {
        Map<String, String> known = deployments.find(chainId);
        if (known.size() == 4) {
            Web3jContracts existing = new Web3jContracts(chain, known);
            if (existing.deployed()) {
                return existing;
            }
            log.warn("The embedded chain no longer has the hub's contracts (its state was lost): deploying them again"
                    + " and re-publishing every ledger write");
        }
        Web3jContracts fresh = deploy();
        if (!known.isEmpty()) {
            outbox.reopenAll();
        }
        return fresh;
    }

    /** Deploys the four contracts with the admin key and records their addresses. */
    private Web3jContracts deploy() {
        BigInteger gasPrice = Optional.ofNullable(properties.gas().price()).orElseGet(chain::gasPrice);
        Deployment d = deploy(chain, transactionManager(admin), admin.getAddress(), gasPrice);
        deployments.save(chainId, d.addresses(), d.transactions());
        log.info("Deployed the ledger contracts on chain {}: {}", chainId, d.addresses());
        return new Web3jContracts(chain, d.addresses());
    }

    /**
     * The four contracts' addresses and deployment transactions.
     *
     * @param addresses contract name to address, in deployment order
     * @param transactions contract name to the deploying transaction's hash
     */
    public record Deployment(Map<String, String> addresses, Map<String, String> transactions) {}

    /**
     * Deploys ParticipantRegistry (with {@code adminAddress} as its first admin), then ConsentEscrow,
     * AccessGrants and AuditAnchor bound to it.
     */
    static Deployment deploy(Web3jChain chain, LedgerTransactionManager tm, String adminAddress, BigInteger gasPrice) {
        tm.setNonce(BigInteger.valueOf(-1));
        StaticGasProvider gas = new StaticGasProvider(gasPrice, DEPLOY_GAS);
        Map<String, String> addresses = new LinkedHashMap<>();
        Map<String, String> txs = new HashMap<>();
        chain.rpc("deploy", () -> {
            ParticipantRegistry registry = ParticipantRegistry.deploy(chain.web3j(), tm, gas, adminAddress)
                    .send();
            record(addresses, txs, Web3jContracts.REGISTRY, registry);
            record(
                    addresses,
                    txs,
                    Web3jContracts.ESCROW,
                    ConsentEscrow.deploy(chain.web3j(), tm, gas, registry.getContractAddress())
                            .send());
            record(
                    addresses,
                    txs,
                    Web3jContracts.GRANTS,
                    AccessGrants.deploy(chain.web3j(), tm, gas, registry.getContractAddress())
                            .send());
            record(
                    addresses,
                    txs,
                    Web3jContracts.AUDIT,
                    AuditAnchor.deploy(chain.web3j(), tm, gas, registry.getContractAddress())
                            .send());
            return null;
        });
        return new Deployment(addresses, txs);
    }

    private static void record(Map<String, String> addresses, Map<String, String> txs, String name, Contract c) {
        addresses.put(name, c.getContractAddress());
        c.getTransactionReceipt().ifPresent(r -> txs.put(name, r.getTransactionHash()));
    }

    /** Brings the outbox in line with what the chain has (see the class comment). */
    void reconcile() {
        if (properties.embedded()) {
            // a node that came back without its state (an unreadable dump) has no balances either
            fund(admin.getAddress());
            fund(institution.getAddress());
            if (!contracts.get().deployed()) {
                contracts.set(embeddedContracts());
            }
        }
        long head = chain.headBlock();
        int reopened = outbox.reopenAbove(head);
        // a node restarted from an older state dump may already have mined new blocks at the same
        // heights: a recorded block whose hash the chain no longer has was lost too
        for (Map.Entry<Long, String> block :
                outbox.doneBlocks(Math.max(0, head - RECHECKED_BLOCKS)).entrySet()) {
            if (!block.getValue()
                    .equalsIgnoreCase(chain.blockHash(block.getKey()).orElse(""))) {
                reopened += outbox.reopenBlock(block.getKey());
            }
        }
        if (reopened > 0) {
            log.warn(
                    "{} ledger writes were in blocks the chain no longer has (head {}); publishing them again",
                    reopened,
                    head);
        }
        if (publisher != null) {
            publisher.resetNonces();
        }
    }

    private void worker(String name, Runnable loop) {
        Thread t = new Thread(loop, name);
        t.setDaemon(true);
        workers.add(t);
        t.start();
    }

    private void batcherLoop() {
        long pause = Math.max(10, Math.min(200, properties.batch().maxWait().toMillis() / 4));
        while (running) {
            try {
                if (anchoring.formBatches() > 0) {
                    publisherWake.release();
                }
                pause(pause);
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: the database may already be closing under us
                }
                log.error("Escrow batcher failed; retrying", e);
                pause(1000);
            }
        }
    }

    private void publisherLoop() {
        while (running) {
            try {
                superviseNode();
                int done = publisher.drainOnce();
                if (done == 0) {
                    publisherWake.tryAcquire(
                            Math.max(20, properties.pollInterval().toMillis()), TimeUnit.MILLISECONDS);
                    publisherWake.drainPermits();
                }
            } catch (ChainAway e) {
                pause(Math.min(5000, properties.publisher().retryInitial().toMillis() * 2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: the database may already be closing under us
                }
                log.error("Ledger publisher failed; retrying", e);
                pause(1000);
            }
        }
    }

    private void followerLoop() {
        while (running) {
            try {
                if (follower.step() == 0) {
                    pause(properties.follower().interval().toMillis());
                }
            } catch (ChainAway e) {
                pause(Math.max(1000, properties.follower().interval().toMillis()));
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: the database may already be closing under us
                }
                log.error("Ledger event follower failed; retrying", e);
                pause(1000);
            }
        }
    }

    /** The embedded node is the hub's child: if it died, start it again (same port, same state file). */
    private void superviseNode() {
        if (node != null && running && !node.isRunning()) {
            log.warn("The embedded ledger node stopped; starting it again from its state file");
            node.start();
            reconcile();
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Wakes the publisher (an outbox write was just committed). */
    @Override
    public void nudge() {
        publisherWake.release();
    }

    public Optional<AnvilNode> node() {
        return Optional.ofNullable(node);
    }

    @Override
    public String institutionAddress() {
        return institution.getAddress();
    }

    @Override
    public EscrowLedger.Terms escrowTerms() {
        return new EscrowLedger.Terms(chainId, readyContracts().address(Web3jContracts.ESCROW));
    }

    public long chainId() {
        return chainId;
    }

    @Override
    public boolean ready() {
        return running && contracts.get() != null;
    }

    @Override
    public Status status() {
        long head;
        boolean reachable;
        try {
            head = chain.headBlock();
            reachable = true;
        } catch (ChainAway e) {
            head = -1;
            reachable = false;
        }
        LedgerOutbox.Depth depth = outbox.depth();
        return new Status(
                properties.embedded() ? "embedded-anvil" : "external",
                chain.rpcUrl(),
                chainId,
                reachable,
                head,
                contracts.get().addresses(),
                institution.getAddress(),
                depth.open(),
                depth.oldestOpen().map(t -> Duration.between(t, Instant.now())).orElse(Duration.ZERO),
                depth.failed(),
                depth.done(),
                anchoring.queued(),
                events.cursor(Web3jEventFollower.CURSOR));
    }

    @Override
    public Optional<EntryProof> proof(byte[] leaf) {
        return anchoring.find(leaf).map(entry -> {
            Optional<Boolean> verified = Optional.empty();
            if (entry.batchRoot() != null) {
                try {
                    verified =
                            Optional.of(contracts.get().verifyOnChain(entry.entry(), entry.batchRoot(), entry.proof()));
                } catch (ChainAway e) {
                    verified = Optional.empty();
                }
            }
            return new EntryProof(entry, verified);
        });
    }

    @Override
    public boolean retry(long outboxId) {
        boolean reopened = outbox.retryFailed(outboxId) > 0;
        if (reopened) {
            nudge();
        }
        return reopened;
    }

    @Override
    public RegistrationTerms registrationTerms(String patient) {
        Web3jContracts c = readyContracts();
        try {
            return new RegistrationTerms(
                    chainId,
                    c.address(Web3jContracts.REGISTRY),
                    Eip712.REGISTRY_NAME,
                    Eip712.VERSION,
                    c.registrationNonce(patient));
        } catch (ChainAway e) {
            throw new Unreachable("the chain did not answer", e);
        }
    }

    @Override
    public String relaySigner() {
        return LedgerIdentities.institution(properties.institution());
    }

    @Override
    public Optional<byte[]> patientKey(String patient) {
        Web3jContracts c = readyContracts();
        try {
            return c.patientKey(patient);
        } catch (ChainAway e) {
            throw new Unreachable("the chain did not answer", e);
        }
    }

    private Web3jContracts readyContracts() {
        Web3jContracts c = contracts.get();
        if (!running || c == null) {
            throw new Unreachable("the ledger is starting", null);
        }
        return c;
    }

    /** The escrow contract's record of a batch: institution, count, submittedAt, expiresAt. */
    public Map<String, Object> escrowBatchOnChain(byte[] root) {
        var b = contracts.get().escrowBatch(root);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("institution", b.component1());
        out.put("count", b.component2());
        out.put("submittedAt", b.component3());
        out.put("expiresAt", b.component4());
        return out;
    }

    /** The publisher (tests and metrics). */
    public Web3jPublisher publisher() {
        return publisher;
    }

    /** Stops the workers, then the embedded node (which writes its state). */
    @Override
    public synchronized void close() {
        running = false;
        for (Thread t : workers) {
            t.interrupt();
        }
        for (Thread t : workers) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        if (chain != null) {
            chain.close();
        }
        if (node != null) {
            node.close();
        }
    }

    /** Entries queued (a convenience for tests and the benchmark). */
    public EscrowAnchoring anchoring() {
        return anchoring;
    }
}
