package org.patientgate.participant;

import java.util.Optional;

/**
 * Which patient (address) a hospital identifier belongs to. Identifiers are known only by their
 * blinded form (a keyed hash, {@code protect.IdentifierBlinding}); linking happens through a
 * verifiable step (a one-time enrolment code).
 */
public interface PatientLinks {

    /** The patient linked to a blinded identifier, if one has enrolled. */
    Optional<String> patientFor(byte[] blindedIdentifier);

    /**
     * The patients linked to several blinded identifiers in one read, keyed by the identifier in
     * lower-case hex ({@link java.util.HexFormat}); identifiers nobody has linked are absent.
     */
    java.util.Map<String, String> patientsFor(java.util.Collection<byte[]> blindedIdentifiers);

    /** Told when a patient links an identifier, so held work can flow on. */
    interface Listener {
        void linked(byte[] blindedIdentifier, Participant patient);
    }
}
