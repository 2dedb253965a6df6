package org.patientgate.ledger.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** One local JDBC transaction around a unit of work: commit on success, roll back on any failure. */
final class JdbcTransactions {

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private JdbcTransactions() {}

    /**
     * @param what names the store in the error ("ledger outbox"), never the data
     */
    static <T> T inTransaction(DataSource dataSource, String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(what + ": database error " + e.getSQLState(), e);
        }
    }
}
