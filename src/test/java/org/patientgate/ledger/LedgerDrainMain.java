package org.patientgate.ledger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A hub's ledger side as a process of its own, for {@link LedgerHubKillIT}: it wires the outbox,
 * batcher and publisher to a given PostgreSQL and chain, optionally queues entries, and drains
 * until it is killed.
 *
 * <p>Arguments: jdbcUrl user password rpcUrl registry escrow grants audit dataDir entriesToQueue
 */
public final class LedgerDrainMain {

    private LedgerDrainMain() {}

    public static void main(String[] a) throws Exception {
        Map<String, String> contracts =
                Map.of("ParticipantRegistry", a[4], "ConsentEscrow", a[5], "AccessGrants", a[6], "AuditAnchor", a[7]);
        LedgerTestBed bed = LedgerTestBed.create(
                Path.of(a[8]),
                LedgerTestBed.external(a[3], 31337, contracts, 10, Duration.ofMillis(20)),
                a[0],
                a[1],
                a[2]);
        int queue = Integer.parseInt(a[9]);
        if (queue > 0) {
            bed.anchoring.enqueue(LedgerTestBed.entries(queue, LedgerTestBed.institutionAddress(bed)));
        }
        bed.ledger.start();
        System.out.println("draining");
        new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this process
    }
}
