package org.patientgate.ledger.web3j;

import java.io.IOException;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.tx.FastRawTransactionManager;
import org.web3j.tx.response.TransactionReceiptProcessor;

/**
 * One per signing key: web3j's raw transaction manager with the nonce kept locally, so writes of
 * one signer go out back to back without asking the node each time. The nonce is re-read from the
 * chain (pending block) at start, after any failed send and after the chain was away, which is how
 * it recovers from a crash, a node restart or a transaction the node dropped.
 */
final class LedgerTransactionManager extends FastRawTransactionManager {

    private final Credentials credentials;

    LedgerTransactionManager(Web3j web3j, Credentials credentials, long chainId, TransactionReceiptProcessor receipts) {
        super(web3j, credentials, chainId, receipts);
        this.credentials = credentials;
    }

    /** Takes the next nonce (consumed: call {@link #resetNonce()} if the send then fails). */
    BigInteger takeNonce() throws IOException {
        return getNonce();
    }

    String address() {
        return credentials.getAddress();
    }
}
