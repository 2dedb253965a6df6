package org.patientgate.ingest.jdbc;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.patientgate.ingest.PollCursor;
import org.springframework.jdbc.core.JdbcTemplate;

/** Poll cursors in the {@code fhir_poll_cursor} table. */
public final class JdbcPollCursor implements PollCursor {

    private final JdbcTemplate jdbc;

    public JdbcPollCursor(javax.sql.DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    @Override
    public Optional<Instant> read(String channel) {
        List<Timestamp> rows = jdbc.queryForList(
                "SELECT last_updated FROM fhir_poll_cursor WHERE channel = ?", Timestamp.class, channel);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).toInstant());
    }

    @Override
    public void advance(String channel, Instant lastUpdated) {
        jdbc.update(
                "INSERT INTO fhir_poll_cursor (channel, last_updated, updated_at) VALUES (?, ?, now())"
                        + " ON CONFLICT (channel) DO UPDATE SET last_updated = GREATEST(fhir_poll_cursor.last_updated,"
                        + " EXCLUDED.last_updated), updated_at = now()",
                channel,
                Timestamp.from(lastUpdated));
    }
}
