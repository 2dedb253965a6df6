package org.patientgate.ingest;

/**
 * Result of a durable write of an accepted message: stored now, or already stored earlier under the
 * same sender and control id (a duplicate, acknowledged but without a second effect).
 */
public enum StoreOutcome {
    STORED,
    DUPLICATE
}
