package org.patientgate.ledger;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What integration engineers see of the ledger: the chain, the contracts, the outbox's depth and
 * age, and any escrow entry's anchoring with its proof.
 */
public interface LedgerExplorer {

    /** Whether the chain is connected and the contracts known (false while the hub starts). */
    boolean ready();

    Status status();

    /** The entry's batch, root, proof and anchoring transaction; empty if the hub never queued it. */
    Optional<EntryProof> proof(byte[] leaf);

    /** Puts a FAILED outbox write back in the queue; false if there is no such FAILED write. */
    boolean retry(long outboxId);

    /**
     * @param mode {@code embedded-anvil} or {@code external}
     * @param rpcUrl the node's JSON-RPC URL
     * @param chainId the chain's id
     * @param reachable whether the node answered just now
     * @param headBlock its latest block (-1 if unreachable)
     * @param contracts contract name to address
     * @param institution the hosted institution's ledger address
     * @param outboxOpen writes not yet on the chain
     * @param oldestOpenAge how long the oldest of them has waited
     * @param outboxFailed writes parked after repeated refusals
     * @param outboxDone writes the chain has
     * @param escrowQueued escrow entries waiting for a batch
     * @param eventCursor the last block whose events the hub took in
     */
    record Status(
            String mode,
            String rpcUrl,
            long chainId,
            boolean reachable,
            long headBlock,
            Map<String, String> contracts,
            String institution,
            long outboxOpen,
            Duration oldestOpenAge,
            long outboxFailed,
            long outboxDone,
            long escrowQueued,
            long eventCursor) {}

    /**
     * @param entry the entry and where it stands
     * @param verifiedOnChain the escrow contract's own answer to "is this entry under this root?"
     *     (empty if not batched yet or the chain is unreachable)
     */
    record EntryProof(EscrowAnchoring.AnchoredEntry entry, Optional<Boolean> verifiedOnChain) {}
}
