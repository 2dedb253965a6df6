package org.patientgate.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.patientgate.ledger.LedgerEvent;

/**
 * The event follower's persistent side: its block cursor ({@code ledger_cursor}) and the events it
 * read ({@code ledger_event}), written in one transaction so a restart resumes exactly after the
 * last block taken in. Escrow decisions also update the entry's state.
 */
public final class JdbcLedgerEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;

    public JdbcLedgerEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The last block taken in, or -1 before the first. */
    public long cursor(String name) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT block_number FROM ledger_cursor WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger events: database error " + e.getSQLState(), e);
        }
    }

    /**
     * Moves the cursor back to {@code block} and forgets what was read above it: events from blocks
     * the chain no longer has, and the escrow decisions they set (reading again restores what the
     * chain still has).
     */
    public void rewind(String cursorName, long block, String blockHash) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement undecide = c.prepareStatement("UPDATE escrow_entry SET decision = 'PENDING',"
                            + " decided_tx = NULL WHERE decided_tx IN (SELECT tx_hash FROM ledger_event"
                            + " WHERE block_number > ?)");
                    PreparedStatement forget = c.prepareStatement("DELETE FROM ledger_event WHERE block_number > ?");
                    PreparedStatement cur = c.prepareStatement("INSERT INTO ledger_cursor (name, block_number,"
                            + " block_hash) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET block_number ="
                            + " excluded.block_number, block_hash = excluded.block_hash, updated_at = now()")) {
                undecide.setLong(1, block);
                undecide.executeUpdate();
                forget.setLong(1, block);
                forget.executeUpdate();
                cur.setString(1, cursorName);
                cur.setLong(2, block);
                cur.setString(3, blockHash);
                cur.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger events: database error " + e.getSQLState(), e);
        }
    }

    /** The hash of the cursor's block as it was when the cursor moved there (null if unknown). */
    public String cursorHash(String name) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT block_hash FROM ledger_cursor WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger events: database error " + e.getSQLState(), e);
        }
    }

    /**
     * Stores the events and moves the cursor to {@code throughBlock} (whose hash is {@code
     * throughHash}); returns the events new here.
     */
    public int record(String cursorName, long throughBlock, String throughHash, List<LedgerEvent> events) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int fresh = 0;
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO ledger_event (block_number, log_index,"
                                + " tx_hash, contract, name, subject, data) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)"
                                + " ON CONFLICT (tx_hash, log_index) DO NOTHING");
                        PreparedStatement decide = c.prepareStatement(
                                "UPDATE escrow_entry SET decision = ?, decided_tx = ? WHERE leaf = ?")) {
                    for (LedgerEvent e : events) {
                        ins.setLong(1, e.blockNumber());
                        ins.setInt(2, e.logIndex());
                        ins.setString(3, e.txHash());
                        ins.setString(4, e.contract());
                        ins.setString(5, e.name());
                        ins.setBytes(6, e.subject());
                        ins.setString(7, JSON.writeValueAsString(e.data()));
                        fresh += ins.executeUpdate();
                        String decision =
                                switch (e.name()) {
                                    case "EntryReleased" -> "RELEASED";
                                    case "EntryRejected" -> "REJECTED";
                                    case "EntryExpired" -> "EXPIRED";
                                    default -> null;
                                };
                        if (decision != null && e.subject() != null) {
                            decide.setString(1, decision);
                            decide.setString(2, e.txHash());
                            decide.setBytes(3, e.subject());
                            decide.executeUpdate();
                        }
                    }
                }
                try (PreparedStatement cur = c.prepareStatement("INSERT INTO ledger_cursor (name, block_number,"
                        + " block_hash) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET block_number ="
                        + " excluded.block_number, block_hash = excluded.block_hash, updated_at = now()")) {
                    cur.setString(1, cursorName);
                    cur.setLong(2, throughBlock);
                    cur.setString(3, throughHash);
                    cur.executeUpdate();
                }
                c.commit();
                return fresh;
            } catch (SQLException | JsonProcessingException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger events: database error " + e.getSQLState(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("ledger events: unserialisable event data", e);
        }
    }
}
