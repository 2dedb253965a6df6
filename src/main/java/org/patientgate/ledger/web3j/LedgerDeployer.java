package org.patientgate.ledger.web3j;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.patientgate.ledger.LedgerWrite;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.RawTransaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Deploys the contracts to a network once (the consortium admin's one-off step, e.g. on a Besu
 * QBFT network) and admits the hub's hosted institution, so the hub can then start with the
 * printed addresses. Used by {@code java -jar patientgate.jar ledger deploy} and by tests that need
 * an "external" chain.
 */
public final class LedgerDeployer {

    private LedgerDeployer() {}

    /**
     * @param rpcUrl the network's JSON-RPC URL
     * @param expectedChainId refuse to deploy to any other chain
     * @param adminKey the consortium admin's private key (becomes the registry's first admin)
     * @param institutionKey the hosted institution's signing key (admitted after deployment)
     * @param institutionEncryptionKey its X25519 public key
     * @param institutionProfileHash the hash of its published profile
     * @param gasPrice null for the node's price (a free-gas network: 0)
     * @return contract name to address
     */
    public static Map<String, String> deploy(
            String rpcUrl,
            long expectedChainId,
            byte[] adminKey,
            byte[] institutionKey,
            byte[] institutionEncryptionKey,
            byte[] institutionProfileHash,
            BigInteger gasPrice) {
        Credentials admin = Credentials.create(ECKeyPair.create(adminKey));
        String institution =
                Credentials.create(ECKeyPair.create(institutionKey)).getAddress();
        Arrays.fill(adminKey, (byte) 0);
        try (Web3jChain chain = new Web3jChain(rpcUrl, Duration.ofSeconds(30))) {
            long chainId = chain.chainId();
            if (chainId != expectedChainId) {
                throw new IllegalStateException(
                        "the node at " + rpcUrl + " reports chain id " + chainId + ", expected " + expectedChainId);
            }
            BigInteger price = gasPrice != null ? gasPrice : chain.gasPrice();
            PacedReceiptProcessor receipts =
                    new PacedReceiptProcessor(chain.web3j(), Duration.ofMillis(500), Duration.ofMinutes(5));
            LedgerTransactionManager tm = new LedgerTransactionManager(chain.web3j(), admin, chainId, receipts);
            Web3jLedger.Deployment d = Web3jLedger.deploy(chain, tm, admin.getAddress(), price);
            Web3jContracts contracts = new Web3jContracts(chain, d.addresses());
            LedgerWrite.AdmitInstitution admit =
                    new LedgerWrite.AdmitInstitution(institution, institutionEncryptionKey, institutionProfileHash);
            ChainCall call = contracts.encode(admit);
            Web3jChain.Estimate estimate = chain.estimate(admin.getAddress(), call);
            if (estimate.reverted()) {
                throw new IllegalStateException(
                        "admitting the institution was refused: " + ContractErrors.describe(estimate.revertData()));
            }
            String signed = tm.sign(RawTransaction.createTransaction(
                    tm.takeNonce(), price, estimate.gas().multiply(BigInteger.TWO), call.to(), call.data()));
            EthSendTransaction sent =
                    chain.web3j().ethSendRawTransaction(signed).send();
            if (sent.hasError()) {
                throw new IllegalStateException(
                        "the node refused the admission: " + sent.getError().getMessage());
            }
            TransactionReceipt receipt = receipts.waitForTransactionReceipt(sent.getTransactionHash());
            if (!receipt.isStatusOK()) {
                throw new IllegalStateException("the admission reverted in block " + receipt.getBlockNumber());
            }
            return d.addresses();
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("deployment failed: " + e.getMessage(), e);
        }
    }

    /** The address of a private key (to print who the admin is). */
    public static String addressOf(byte[] privateKey) {
        return Credentials.create(ECKeyPair.create(privateKey)).getAddress();
    }
}
