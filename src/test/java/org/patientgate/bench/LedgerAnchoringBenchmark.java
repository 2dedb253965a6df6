package org.patientgate.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.LedgerTestBed;

/**
 * Escrow anchoring throughput and gas against the managed anvil node, for batch sizes 1, 100 and
 * 1,000 (docs/BENCHMARKS.md). For each size it starts fresh parts (PostgreSQL, anvil, keystore),
 * queues all entries first, then starts the ledger (which deploys the contracts and admits the
 * institution) and measures, from the database's own timestamps, the time from the first batch
 * formed to the last batch's anchoring write DONE with its receipt: batching (Merkle tree, proofs
 * stored) and anchoring together. Gas comes from the receipts.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     org.patientgate.bench.LedgerAnchoringBenchmark [entries for size 1] [for 100] [for 1000]
 * </pre>
 */
public final class LedgerAnchoringBenchmark {

    private LedgerAnchoringBenchmark() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = {1, 100, 1000};
        int[] counts = {
            args.length > 0 ? Integer.parseInt(args[0]) : 1_000,
            args.length > 1 ? Integer.parseInt(args[1]) : 50_000,
            args.length > 2 ? Integer.parseInt(args[2]) : 200_000
        };
        System.out.printf(
                "%-6s %9s %9s %10s %12s %14s %12s%n",
                "batch", "entries", "txs", "seconds", "entries/s", "gas/tx (avg)", "gas/entry");
        for (int i = 0; i < sizes.length; i++) {
            run(sizes[i], counts[i]);
        }
    }

    private static void run(int batchSize, int entries) throws Exception {
        Path dir = Files.createTempDirectory("ledger-bench-" + batchSize + "-");
        LedgerTestBed bed = LedgerTestBed.create(
                dir, LedgerTestBed.embedded(batchSize, Duration.ofMillis(20), Duration.ofSeconds(60)));
        try {
            String institution = LedgerTestBed.institutionAddress(bed);
            for (int done = 0; done < entries; done += 10_000) {
                List<EscrowEntry> chunk = LedgerTestBed.entries(Math.min(10_000, entries - done), institution);
                bed.anchoring.enqueue(chunk);
            }
            bed.ledger.start();
            long expectedBatches = (entries + batchSize - 1) / batchSize;
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofMinutes(30))
                    .pollInterval(java.time.Duration.ofMillis(20))
                    .until(() -> doneBatches(bed) >= expectedBatches);
            double seconds = anchoringSeconds(bed);
            long[] gas = gas(bed);
            System.out.printf(
                    "%-6d %9d %9d %10.2f %12.0f %14.0f %12.1f%n",
                    batchSize,
                    entries,
                    gas[0],
                    seconds,
                    entries / seconds,
                    gas[1] / (double) gas[0],
                    gas[1] / (double) entries);
        } finally {
            bed.shutdown();
        }
    }

    private static long doneBatches(LedgerTestBed bed) throws Exception {
        return bed.doneBatches();
    }

    /** From the first batch formed to the last anchoring write done, by the database's clock. */
    private static double anchoringSeconds(LedgerTestBed bed) throws Exception {
        try (Connection c = bed.dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM (SELECT max(done_at) FROM"
                        + " ledger_outbox WHERE kind = 'ESCROW_BATCH') - (SELECT min(created_at) FROM ledger_batch))");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    /** Transactions and total gas of the anchoring writes. */
    private static long[] gas(LedgerTestBed bed) throws Exception {
        try (Connection c = bed.dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*), coalesce(sum(gas_used), 0) FROM ledger_outbox"
                                + " WHERE kind = 'ESCROW_BATCH' AND status = 'DONE'");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
