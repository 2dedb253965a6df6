package org.patientgate.participant.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
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

    @Override
    public Map<String, String> patientsFor(Collection<byte[]> blindedIdentifiers) {
        Map<String, String> found = new HashMap<>();
        if (blindedIdentifiers.isEmpty()) {
            return found;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT identifier_hash, patient FROM patient_identifier WHERE identifier_hash = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bytea", blindedIdentifiers.toArray(new byte[0][])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(HexFormat.of().formatHex(rs.getBytes(1)), rs.getString(2));
                }
            }
            return found;
        } catch (SQLException e) {
            throw new IllegalStateException("patient link read failed: " + e.getSQLState(), e);
        }
    }
}
