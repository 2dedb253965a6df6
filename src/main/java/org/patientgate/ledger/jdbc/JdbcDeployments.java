package org.patientgate.ledger.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Contract addresses per chain ({@code ledger_deployment}): deployed once, found again at restart. */
public final class JdbcDeployments {

    private final DataSource dataSource;

    public JdbcDeployments(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Contract name to address on the chain. */
    public Map<String, String> find(long chainId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT contract, address FROM ledger_deployment WHERE chain_id = ?")) {
            ps.setLong(1, chainId);
            Map<String, String> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("ledger deployments: database error " + e.getSQLState(), e);
        }
    }

    /** Records a fresh deployment, replacing the addresses of a chain that was lost. */
    public void save(long chainId, Map<String, String> addresses, Map<String, String> txHashes) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM ledger_deployment WHERE chain_id = ?");
                    PreparedStatement ins = c.prepareStatement(
                            "INSERT INTO ledger_deployment (chain_id, contract, address, tx_hash) VALUES (?, ?, ?, ?)")) {
                del.setLong(1, chainId);
                del.executeUpdate();
                for (Map.Entry<String, String> e : addresses.entrySet()) {
                    ins.setLong(1, chainId);
                    ins.setString(2, e.getKey());
                    ins.setString(3, e.getValue());
                    ins.setString(4, txHashes.get(e.getKey()));
                    ins.addBatch();
                }
                ins.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger deployments: database error " + e.getSQLState(), e);
        }
    }
}
