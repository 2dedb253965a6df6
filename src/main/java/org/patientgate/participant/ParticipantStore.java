package org.patientgate.participant;

import org.patientgate.ledger.LedgerWrite;

/** Where registered participants are kept: the {@link Participants} reads plus registration. */
public interface ParticipantStore extends Participants {

    /**
     * Registers {@code candidate} unless its address is taken, and enqueues {@code relay} (if any) on
     * the ledger outbox in the same transaction. An address already registered with the same role,
     * key and name is {@link Outcome#UNCHANGED} (the relay is still enqueued; the outbox dedupes);
     * with anything else it is {@link Outcome#CONFLICT} and nothing is written.
     */
    Saved save(Participant candidate, LedgerWrite relay);

    /** What {@link #save} did, and the record now stored. */
    record Saved(Outcome outcome, Participant participant) {}

    enum Outcome {
        CREATED,
        UNCHANGED,
        CONFLICT
    }

    /** Whether two records are the same registration (role, key and name; not the time). */
    static boolean sameRegistration(Participant a, Participant b) {
        return a.address().equals(b.address())
                && a.role() == b.role()
                && java.util.Arrays.equals(a.encryptionKey(), b.encryptionKey())
                && java.util.Objects.equals(a.name(), b.name());
    }
}
