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

    /** Told when a patient links an identifier, so held work can flow on. */
    interface Listener {
        void linked(byte[] blindedIdentifier, Participant patient);
    }
}
