package org.patientgate.ledger.web3j;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.response.TransactionReceiptProcessor;

/**
 * web3j's receipt strategy, paced to the chain: it asks again after 1 ms, then doubles the wait up
 * to {@code hub.ledger.poll-interval}, for at most {@code timeout}. A node that mines at once
 * (anvil) answers within a millisecond or two; a Besu QBFT network with a 2 s block period is
 * polled every interval, never at web3j's default of 15 s.
 */
final class PacedReceiptProcessor extends TransactionReceiptProcessor {

    private final Web3j web3j;
    private final long maxPauseMillis;
    private final long timeoutNanos;

    PacedReceiptProcessor(Web3j web3j, Duration pollInterval, Duration timeout) {
        super(web3j);
        this.web3j = web3j;
        this.maxPauseMillis = Math.max(1, pollInterval.toMillis());
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public TransactionReceipt waitForTransactionReceipt(String transactionHash)
            throws IOException, TransactionException {
        long deadline = System.nanoTime() + timeoutNanos;
        long pause = 1;
        while (true) {
            var response = web3j.ethGetTransactionReceipt(transactionHash).send();
            if (response.hasError()) {
                throw new TransactionException(
                        "receipt request refused: " + response.getError().getMessage());
            }
            Optional<TransactionReceipt> receipt = response.getTransactionReceipt();
            if (receipt.isPresent()) {
                return receipt.get();
            }
            if (System.nanoTime() > deadline) {
                throw new TransactionException(
                        "no receipt for " + transactionHash + " within " + Duration.ofNanos(timeoutNanos),
                        transactionHash);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a receipt", e);
            }
            pause = Math.min(maxPauseMillis, pause * 2);
        }
    }
}
