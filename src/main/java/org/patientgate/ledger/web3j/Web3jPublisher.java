package org.patientgate.ledger.web3j;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerProperties;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.OutboxRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;

/**
 * Drains the ledger outbox: per signing identity, in id order, one transaction at a time.
 *
 * <p>For each write it first asks the chain whether the write is already there (the batch root
 * anchored, the grant issued), and marks it done if so; then it simulates the call ({@code
 * eth_estimateGas}) so a contract refusal is known by name before any gas is spent, signs with the
 * signer's local nonce, records the transaction hash in the outbox <em>before</em> sending, sends,
 * and waits for the receipt at the chain's pace plus the configured confirmations. A crash at any
 * point leaves either a PENDING row (nothing sent, or the chain check finds it) or a SENT row whose
 * hash is looked up first at restart, so a write lands once. An unreachable chain only delays:
 * rows are retried with exponential back-off and never counted as refusals.
 */
public final class Web3jPublisher {

    private static final Logger log = LoggerFactory.getLogger(Web3jPublisher.class);
    private static final int ROWS_PER_PASS = 64;

    private final Web3jChain chain;
    private final java.util.function.Supplier<Web3jContracts> contracts;
    private final LedgerOutbox outbox;
    private final LedgerProperties.Publisher policy;
    private final int confirmations;
    private final Duration pollInterval;
    private final Optional<BigInteger> fixedGasPrice;
    private final int gasMargin;
    private final Map<String, LedgerTransactionManager> signers;
    private final PacedReceiptProcessor receipts;
    private final Map<String, Integer> outageStreak = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong recognised = new AtomicLong();
    private final Runnable onChainBack;
    private volatile boolean chainAway;

    /**
     * @param signers one transaction manager per signing identity
     * @param onChainBack run once when the chain answers again after an outage (reconciliation)
     */
    Web3jPublisher(
            Web3jChain chain,
            java.util.function.Supplier<Web3jContracts> contracts,
            LedgerOutbox outbox,
            LedgerProperties properties,
            Map<String, LedgerTransactionManager> signers,
            Runnable onChainBack) {
        this.chain = chain;
        this.contracts = contracts;
        this.outbox = outbox;
        this.policy = properties.publisher();
        this.confirmations = properties.confirmations();
        this.pollInterval = properties.pollInterval();
        this.fixedGasPrice = Optional.ofNullable(properties.gas().price());
        this.gasMargin = properties.gas().limitMargin();
        this.signers = signers;
        this.onChainBack = onChainBack;
        // wait up to 2 minutes at the chain's pace; a longer wait leaves the row SENT for the next pass
        this.receipts = new PacedReceiptProcessor(chain.web3j(), pollInterval, Duration.ofMinutes(2));
    }

    /** Transactions sent so far (metric). */
    public long sentCount() {
        return sent.get();
    }

    /** Writes found already on the chain and marked done without sending (metric). */
    public long recognisedCount() {
        return recognised.get();
    }

    /** Whether the last pass found the chain unreachable. */
    public boolean chainAway() {
        return chainAway;
    }

    /** One pass over every signer's open writes; returns the number of writes completed. */
    public int drainOnce() {
        if (chainAway) {
            chain.headBlock(); // throws ChainAway while the node is still away
            log.info("The chain answers again; reconciling the outbox with it before sending");
            onChainBack.run(); // if this throws, chainAway stays set and the next pass tries again
            chainAway = false;
            outageStreak.clear();
        }
        int done = 0;
        for (String signer : outbox.signersWithOpenWrites()) {
            try {
                // one publisher per signer across hub replicas: the same key must not be drained twice
                done += outbox.withSignerLock(signer, () -> drain(signer)).orElse(0);
            } catch (ChainAway e) {
                throw e;
            } catch (RuntimeException e) {
                log.error("Ledger writes of signer {} failed this pass; the others go on", signer, e);
            }
        }
        return done;
    }

    private final java.util.Set<String> keylessSigners = ConcurrentHashMap.newKeySet();

    private int drain(String signer) {
        LedgerTransactionManager tm = signers.get(signer);
        if (tm == null) {
            if (keylessSigners.add(signer)) {
                log.warn("Ledger writes are queued for signer {} but the hub holds no key for it; they wait", signer);
            }
            return 0;
        }
        int done = 0;
        List<OutboxRow> rows = outbox.open(signer, ROWS_PER_PASS);
        for (OutboxRow row : rows) {
            if (row.nextAttemptAt().isAfter(Instant.now())) {
                break; // keep order: a write waiting for its retry holds back the ones after it
            }
            boolean completed;
            try {
                completed = publish(row, tm);
            } catch (ChainAway e) {
                chainAway = true;
                int streak = outageStreak.merge(signer, 1, Integer::sum);
                Duration delay = backoff(streak);
                outbox.retryLater(row.id(), "chain unreachable", delay, false);
                log.warn(
                        "Chain unreachable ({}); ledger write {} waits {} ms",
                        e.getMessage(),
                        row.id(),
                        delay.toMillis());
                resetNonceQuietly(tm);
                return done;
            }
            if (!completed) {
                return done;
            }
            done++;
        }
        return done;
    }

    private boolean publish(OutboxRow row, LedgerTransactionManager tm) {
        LedgerWrite write = row.write();
        if (row.txHash() != null) {
            Optional<TransactionReceipt> receipt = chain.receipt(row.txHash());
            if (receipt.isEmpty() && chain.known(row.txHash())) {
                receipt = awaitReceipt(row.txHash());
                if (receipt.isEmpty()) {
                    return false; // still in the node's pool: never decide a known transaction again
                }
            }
            if (receipt.isPresent()) {
                return finish(row, receipt.get(), tm);
            }
            // the transaction is gone (never arrived, or the chain lost it): decide afresh below,
            // with the nonce read again from the chain
            resetNonceQuietly(tm);
        }
        // A write never sent before cannot be on the chain unless an identical one is (the estimate
        // below then reverts with the contract's "already exists" error); one that was sent or tried
        // before is looked up first, so it is never sent twice.
        if ((row.txHash() != null || row.attempts() > 0) && contracts.get().alreadyOnChain(write)) {
            markRecognised(row, null);
            return true;
        }
        ChainCall call = contracts.get().encode(write);
        Web3jChain.Estimate estimate = chain.estimate(tm.address(), call);
        if (estimate.reverted()) {
            return refused(row, estimate.revertData(), estimate.message());
        }
        BigInteger gasLimit =
                estimate.gas().multiply(BigInteger.valueOf(100L + gasMargin)).divide(BigInteger.valueOf(100));
        BigInteger gasPrice = fixedGasPrice.orElseGet(this::nodeGasPrice);
        BigInteger nonce = chain.rpc("eth_getTransactionCount", tm::takeNonce);
        EthSendTransaction response;
        String hash;
        try {
            String signed =
                    tm.sign(RawTransaction.createTransaction(nonce, gasPrice, gasLimit, call.to(), call.data()));
            hash = Hash.sha3(signed);
            outbox.markSent(row.id(), hash, nonce.longValueExact());
            response = chain.rpc(
                    "eth_sendRawTransaction",
                    () -> chain.web3j().ethSendRawTransaction(signed).send());
        } catch (RuntimeException e) {
            resetNonceQuietly(tm); // the nonce was taken but nothing may have gone out with it
            throw e;
        }
        if (response.hasError()) {
            resetNonceQuietly(tm);
            String message = response.getError().getMessage();
            if (message == null || !message.toLowerCase().contains("already")) {
                outbox.retryLater(
                        row.id(), "node refused the transaction: " + message, backoff(row.attempts() + 1), true);
                return false;
            }
        }
        sent.incrementAndGet();
        Optional<TransactionReceipt> receipt = awaitReceipt(hash);
        if (receipt.isEmpty()) {
            return false; // stays SENT; the next pass looks the hash up again
        }
        return finish(row, receipt.get(), tm);
    }

    private Optional<TransactionReceipt> awaitReceipt(String hash) {
        try {
            TransactionReceipt receipt = receipts.waitForTransactionReceipt(hash);
            if (confirmations > 0) {
                long target = receipt.getBlockNumber().longValueExact() + confirmations;
                while (chain.headBlock() < target) {
                    sleep(pollInterval);
                }
            }
            return Optional.of(receipt);
        } catch (TransactionException e) {
            log.info("No receipt yet for ledger transaction {}; it stays SENT", hash);
            return Optional.empty();
        } catch (IOException e) {
            throw new ChainAway("receipt polling failed", e);
        }
    }

    private boolean finish(OutboxRow row, TransactionReceipt receipt, LedgerTransactionManager tm) {
        if (receipt.isStatusOK()) {
            outbox.markDone(
                    row.id(),
                    receipt.getTransactionHash(),
                    receipt.getBlockNumber().longValueExact(),
                    receipt.getBlockHash(),
                    receipt.getGasUsed().longValueExact(),
                    false);
            return true;
        }
        // reverted on chain: maybe a concurrent identical write got there first
        if (contracts.get().alreadyOnChain(row.write())) {
            markRecognised(row, receipt.getTransactionHash());
            return true;
        }
        Optional<String> revert = chain.revertOf(tm.address(), contracts.get().encode(row.write()));
        outbox.forgetTransaction(row.id()); // the reverted one is final: the next try is a new transaction
        return refused(row, revert.orElse(null), "reverted in block " + receipt.getBlockNumber());
    }

    private boolean refused(OutboxRow row, String revertData, String message) {
        Optional<String> name = ContractErrors.name(revertData);
        if (name.isPresent() && contracts.get().meansAlreadyDone(row.write(), name.get())) {
            markRecognised(row, null);
            return true;
        }
        String reason = revertData != null ? ContractErrors.describeForLog(revertData) : String.valueOf(message);
        if (row.attempts() + 1 >= policy.maxReverts()) {
            outbox.markFailed(row.id(), reason);
            log.error(
                    "Ledger write {} ({}) parked as FAILED after {} refusals: {}",
                    row.id(),
                    row.write().getClass().getSimpleName(),
                    row.attempts() + 1,
                    reason);
            return true; // the next write of this signer may go on
        }
        Duration delay = backoff(row.attempts() + 1);
        outbox.retryLater(row.id(), reason, delay, true);
        log.warn(
                "Ledger write {} ({}) refused by the contract: {}; retry in {} ms",
                row.id(),
                row.write().getClass().getSimpleName(),
                reason,
                delay.toMillis());
        return false;
    }

    private volatile BigInteger cachedGasPrice;
    private volatile long gasPriceReadAt;

    /** The node's gas price, asked at most once a second (it moves with blocks, not per call). */
    private BigInteger nodeGasPrice() {
        long now = System.nanoTime();
        if (cachedGasPrice == null || now - gasPriceReadAt > 1_000_000_000L) {
            cachedGasPrice = chain.gasPrice();
            gasPriceReadAt = now;
        }
        return cachedGasPrice;
    }

    /**
     * Marks a write done because the chain already has it, recording the current head block and its
     * hash: if the node later loses that block, reconciliation re-opens the write and checks again.
     */
    private void markRecognised(OutboxRow row, String txHash) {
        long head = chain.headBlock();
        outbox.markDone(row.id(), txHash, head, chain.blockHash(head).orElse(null), null, true);
        recognised.incrementAndGet();
    }

    Duration backoff(int attempt) {
        long ms = policy.retryInitial().toMillis() << Math.min(20, Math.max(0, attempt - 1));
        return Duration.ofMillis(Math.min(ms, policy.retryMax().toMillis()));
    }

    /** Forgets the local nonce; the next send re-reads it from the chain's pending block. */
    private static void resetNonceQuietly(LedgerTransactionManager tm) {
        tm.setNonce(BigInteger.valueOf(-1));
    }

    /** Re-reads every signer's nonce from the chain (after the chain was restarted or replaced). */
    void resetNonces() {
        signers.values().forEach(Web3jPublisher::resetNonceQuietly);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChainAway("interrupted", e);
        }
    }
}
