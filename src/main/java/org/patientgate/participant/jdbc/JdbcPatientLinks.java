package org.patientgate.participant.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.patientgate.participant.PatientLinks;

/** Which patient a blinded identifier is linked to, from {@code patient_identifier}. */
public final class JdbcPatientLinks implements PatientLinks {

    private final DataSource dataSource;

    public JdbcPatientLinks(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Optional<String> patientFor(byte[] blindedIdentifier) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT patient FROM patient_identifier WHERE identifier_hash = ?")) {
            ps.setBytes(1, blindedIdentifier);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("patient link read failed: " + e.getSQLState(), e);
        }
    }
}
