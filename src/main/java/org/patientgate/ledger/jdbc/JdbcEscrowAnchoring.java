package org.patientgate.ledger.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.MerkleTree;

/**
 * {@link EscrowAnchoring} over PostgreSQL. The batcher takes queued entries of one signer in order
 * ({@code FOR UPDATE SKIP LOCKED}, so two hub replicas never batch the same entry), builds the
 * Merkle tree, stores every entry's proof and enqueues the batch's anchoring write, all in one
 * transaction: an entry is either still queued or in a batch whose write is in the outbox.
 */
public final class JdbcEscrowAnchoring implements EscrowAnchoring {

    private final DataSource dataSource;
    private final LedgerOutbox outbox;
    private final String signer;
    private final int batchSize;
    private final Duration maxWait;
    private final Duration escrowPeriod;
    private final Clock clock;

    /**
     * @param signer the hosted institution's signing identity that anchors batches
     * @param batchSize entries per batch
     * @param maxWait the longest the oldest queued entry waits before a partial batch is formed
     * @param escrowPeriod how long patients have to decide, from the batch's forming
     */
    public JdbcEscrowAnchoring(
            DataSource dataSource,
            LedgerOutbox outbox,
            String signer,
            int batchSize,
            Duration maxWait,
            Duration escrowPeriod,
            Clock clock) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("hub.ledger.batch.size must be at least 1");
        }
        this.dataSource = dataSource;
        this.outbox = outbox;
        this.signer = signer;
        this.batchSize = batchSize;
        this.maxWait = maxWait;
        this.escrowPeriod = escrowPeriod;
        this.clock = clock;
    }

    private static final String INSERT = "INSERT INTO escrow_entry"
            + " (leaf, signer, patient, institution, report_id, content_hash) VALUES (?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (leaf) DO NOTHING";

    @Override
    public void enqueue(Connection c, EscrowEntry entry) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, entry);
            ps.executeUpdate();
        }
    }

    @Override
    public void enqueueAll(Connection c, List<EscrowEntry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (EscrowEntry entry : entries) {
                bind(ps, entry);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public void enqueue(List<EscrowEntry> entries) {
        inTransaction(c -> {
            enqueueAll(c, entries);
            return null;
        });
    }

    private void bind(PreparedStatement ps, EscrowEntry entry) throws SQLException {
        ps.setBytes(1, entry.leaf());
        ps.setString(2, signer);
        ps.setString(3, entry.patient().toLowerCase());
        ps.setString(4, entry.institution().toLowerCase());
        ps.setBytes(5, entry.reportId());
        ps.setBytes(6, entry.contentHash());
    }

    /**
     * Forms every full batch that is ready and, if the oldest queued entry has waited
     * {@code maxWait}, one partial batch. Returns the number of entries batched.
     */
    public int formBatches() {
        int total = 0;
        while (true) {
            int formed = inTransaction(this::formOne);
            total += formed;
            if (formed < batchSize) {
                return total;
            }
        }
    }

    private int formOne(Connection c) throws SQLException {
        List<byte[]> leaves = new ArrayList<>(Math.min(batchSize, 4096));
        List<Long> seqs = new ArrayList<>(Math.min(batchSize, 4096));
        Instant oldest = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, leaf, queued_at FROM escrow_entry"
                + " WHERE signer = ? AND batch_root IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setString(1, signer);
            ps.setInt(2, batchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                    leaves.add(rs.getBytes(2));
                    if (oldest == null) {
                        oldest = rs.getTimestamp(3).toInstant();
                    }
                }
            }
        }
        Instant now = clock.instant();
        if (leaves.isEmpty()
                || (leaves.size() < batchSize && oldest.plus(maxWait).isAfter(now))) {
            return 0;
        }
        MerkleTree tree = MerkleTree.of(leaves);
        byte[] root = tree.root();
        Long[] seqArray = seqs.toArray(Long[]::new);
        Integer[] indexes = new Integer[leaves.size()];
        byte[][] proofs = new byte[leaves.size()][];
        for (int i = 0; i < leaves.size(); i++) {
            indexes[i] = i;
            proofs[i] = concat(tree.proof(i));
        }
        long expiresAt = now.plus(escrowPeriod).getEpochSecond();
        long outboxId = outbox.enqueue(c, new LedgerWrite.EscrowBatch(signer, root, leaves.size(), expiresAt));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_batch (root, kind, signer, entries,"
                + " expires_at, outbox_id) VALUES (?, 'ESCROW', ?, ?, ?, ?) ON CONFLICT (root) DO NOTHING")) {
            ps.setBytes(1, root);
            ps.setString(2, signer);
            ps.setInt(3, leaves.size());
            ps.setTimestamp(4, Timestamp.from(Instant.ofEpochSecond(expiresAt)));
            ps.setLong(5, outboxId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE escrow_entry e SET batch_root = ?, batch_index = u.idx,"
                + " proof = u.proof FROM unnest(?::bigint[], ?::int[], ?::bytea[]) AS u(seq, idx, proof)"
                + " WHERE e.seq = u.seq")) {
            Array seqSql = c.createArrayOf("bigint", seqArray);
            Array idxSql = c.createArrayOf("int4", indexes);
            Array proofSql = c.createArrayOf("bytea", proofs);
            ps.setBytes(1, root);
            ps.setArray(2, seqSql);
            ps.setArray(3, idxSql);
            ps.setArray(4, proofSql);
            ps.executeUpdate();
        }
        return leaves.size();
    }

    private static byte[] concat(List<byte[]> proof) {
        byte[] out = new byte[proof.size() * 32];
        for (int i = 0; i < proof.size(); i++) {
            System.arraycopy(proof.get(i), 0, out, i * 32, 32);
        }
        return out;
    }

    private static List<byte[]> split(byte[] proof) {
        List<byte[]> out = new ArrayList<>(proof.length / 32);
        for (int i = 0; i < proof.length; i += 32) {
            byte[] node = new byte[32];
            System.arraycopy(proof, i, node, 0, 32);
            out.add(node);
        }
        return out;
    }

    @Override
    public Optional<AnchoredEntry> find(byte[] leaf) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT e.patient, e.report_id, e.content_hash,"
                    + " e.institution, e.queued_at, e.batch_root, e.batch_index, e.proof, e.decision, b.entries,"
                    + " b.expires_at, b.outbox_id FROM escrow_entry e LEFT JOIN ledger_batch b ON b.root = e.batch_root"
                    + " WHERE e.leaf = ?")) {
                ps.setBytes(1, leaf);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    EscrowEntry entry =
                            new EscrowEntry(rs.getString(1), rs.getBytes(2), rs.getBytes(3), rs.getString(4));
                    byte[] root = rs.getBytes(6);
                    Timestamp expires = rs.getTimestamp(11);
                    long outboxId = rs.getLong(12);
                    boolean batched = !rs.wasNull() && root != null;
                    return Optional.of(new AnchoredEntry(
                            leaf.clone(),
                            entry,
                            rs.getTimestamp(5).toInstant(),
                            root,
                            (Integer) rs.getObject(7),
                            (Integer) rs.getObject(10),
                            root == null ? List.of() : split(rs.getBytes(8)),
                            expires == null ? null : expires.toInstant(),
                            batched ? outbox.find(outboxId) : Optional.empty(),
                            rs.getString(9)));
                }
            }
        });
    }

    /** Entries still waiting for a batch (a metric and a test aid). */
    public long queued() {
        return inTransaction(c -> {
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT count(*) FROM escrow_entry WHERE batch_root IS NULL");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private <T> T inTransaction(JdbcTransactions.Work<T> work) {
        return JdbcTransactions.inTransaction(dataSource, "escrow anchoring", work);
    }
}
