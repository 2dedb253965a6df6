package org.patientgate.ledger;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The ledger capability's settings ({@code hub.ledger.*}). With no {@code rpc-url} the hub runs its
 * own anvil node and deploys the contracts itself; with one (a Besu QBFT network) it checks the
 * chain id and uses the configured contract addresses.
 *
 * @param enabled whether the ledger runs at all (tests of other capabilities switch it off)
 * @param rpcUrl an external chain's JSON-RPC URL; empty means the embedded anvil node
 * @param chainId the chain id the external chain must report (required with {@code rpc-url})
 * @param institution the hosted institution whose key signs escrow and audit batches
 * @param institutionName the institution's display name, part of its published profile
 * @param anvil the embedded node
 * @param contracts the contract addresses on an external chain
 * @param gas the gas policy
 * @param pollInterval how often receipts and the head block are polled: the chain's pace, not
 *     web3j's 15 s default (anvil mines at once; Besu QBFT every block period)
 * @param confirmations blocks on top of a write's block before it counts as done (QBFT is final at
 *     once: 0)
 * @param batch Merkle batching of escrow entries
 * @param publisher the outbox publisher's retry policy
 * @param follower the contract event follower
 */
@ConfigurationProperties("hub.ledger")
public record LedgerProperties(
        @DefaultValue("true") boolean enabled,
        String rpcUrl,
        Long chainId,
        @DefaultValue("local") String institution,
        @DefaultValue("PatientGate hosted institution") String institutionName,
        @DefaultValue Anvil anvil,
        @DefaultValue Contracts contracts,
        @DefaultValue Gas gas,
        @DefaultValue("100ms") Duration pollInterval,
        @DefaultValue("0") int confirmations,
        @DefaultValue Batch batch,
        @DefaultValue Publisher publisher,
        @DefaultValue Follower follower) {

    /** Whether the hub manages its own chain (no external RPC URL configured). */
    public boolean embedded() {
        return rpcUrl == null || rpcUrl.isBlank();
    }

    /**
     * @param binary the anvil executable, installed by the build from the pinned npm package
     * @param chainId the embedded chain's id
     * @param stateInterval how often anvil writes its state file besides at shutdown
     * @param startTimeout how long the node may take to listen
     */
    public record Anvil(
            @DefaultValue("./contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil") Path binary,
            @DefaultValue("31337") long chainId,
            @DefaultValue("10s") Duration stateInterval,
            @DefaultValue("30s") Duration startTimeout) {}

    /** Addresses of the deployed contracts on an external chain (printed by {@code ledger deploy}). */
    public record Contracts(String registry, String escrow, String grants, String audit) {

        public boolean complete() {
            return present(registry) && present(escrow) && present(grants) && present(audit);
        }

        private static boolean present(String a) {
            return a != null && !a.isBlank();
        }
    }

    /**
     * @param price gas price in wei; empty means the node's {@code eth_gasPrice} (a Besu network with
     *     free gas sets 0)
     * @param limitMargin percent added to the node's gas estimate
     */
    public record Gas(BigInteger price, @DefaultValue("25") int limitMargin) {}

    /**
     * @param size escrow entries per batch (one transaction anchors the Merkle root of all)
     * @param maxWait the longest an entry waits for its batch to fill
     * @param escrowPeriod how long a patient has to decide on an escrowed report
     */
    public record Batch(
            @DefaultValue("1000") int size,
            @DefaultValue("1s") Duration maxWait,
            @DefaultValue("30d") Duration escrowPeriod) {}

    /**
     * @param retryInitial first back-off after a failed send
     * @param retryMax longest back-off (a chain outage of minutes delays writes, loses none)
     * @param maxReverts a write the contract keeps refusing is parked as FAILED after this many tries
     */
    public record Publisher(
            @DefaultValue("500ms") Duration retryInitial,
            @DefaultValue("30s") Duration retryMax,
            @DefaultValue("10") int maxReverts) {}

    /**
     * @param interval how often new contract events are read
     * @param maxBlocks the most blocks one {@code eth_getLogs} call spans
     */
    public record Follower(@DefaultValue("500ms") Duration interval, @DefaultValue("2000") int maxBlocks) {}
}
