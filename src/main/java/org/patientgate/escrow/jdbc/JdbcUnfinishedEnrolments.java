package org.patientgate.escrow.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Enrolments the hub did not finish: identifiers a patient has linked while reports for them are
 * still held (not handed over to the patient, or not moved into the escrow). The link commits before
 * its listeners run, so a hub killed in between leaves exactly this behind, and nothing else would
 * ever pick it up: the code is spent, and the held reports would be shredded when their hold ends.
 */
public final class JdbcUnfinishedEnrolments {

    /** A linked identifier (blinded) with held reports, and the patient it is linked to. */
    public record Unfinished(byte[] identifier, String patient) {}

    private final DataSource dataSource;

    public JdbcUnfinishedEnrolments(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<Unfinished> find() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT i.identifier_hash, i.patient FROM patient_identifier i"
                                + " WHERE i.identifier_hash IN (SELECT patient_ref FROM protected_report WHERE patient IS NULL"
                                + " UNION SELECT patient_ref FROM escrow_report WHERE state = 'HELD')");
                ResultSet rs = ps.executeQuery()) {
            List<Unfinished> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Unfinished(rs.getBytes(1), rs.getString(2)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("unfinished enrolments read failed: " + e.getSQLState(), e);
        }
    }
}
