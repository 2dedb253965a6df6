package org.patientgate.normalize;

import java.util.Optional;
import java.util.UUID;

/** Where canonical bundles are kept for the next stage, keyed by the message they were made from. */
public interface BundleStore {

    /**
     * Stores (or, after a replay with changed mappings, replaces) the bundle made from a message.
     * Returns only after the write is durable.
     */
    void save(UUID messageId, CanonicalBundle bundle);

    /** Stores several in one durable transaction (one commit for the batch). */
    void saveAll(java.util.Map<UUID, CanonicalBundle> bundles);

    Optional<CanonicalBundle> find(UUID messageId);

    /** The bundles of several messages in one read; messages without a bundle are absent. */
    java.util.Map<UUID, CanonicalBundle> findAll(java.util.Collection<UUID> messageIds);
}
