package org.patientgate.participant;

import java.util.Optional;

/** The registry of participants the hub knows (the hub's copy; patients are also on the ledger). */
public interface Participants {

    Optional<Participant> find(String address);

    /** Several participants in one read, keyed by address; unknown addresses are absent. */
    java.util.Map<String, Participant> findAll(java.util.Collection<String> addresses);
}
