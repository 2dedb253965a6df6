package org.patientgate.ingest;

import java.time.Instant;
import java.util.Optional;

/** The high-water mark of an upstream poll: the newest {@code _lastUpdated} already stored. */
public interface PollCursor {

    Optional<Instant> read(String channel);

    /** Moves the mark forward (never back). */
    void advance(String channel, Instant lastUpdated);
}
