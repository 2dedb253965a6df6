package org.patientgate.participant;

/**
 * A participant request the hub refuses, with the kind of refusal the web layer turns into an HTTP
 * status. Messages say what is wrong with the request and never quote a token, code, key, signature
 * or identifier.
 */
public final class ParticipantException extends RuntimeException {

    /** Why the request is refused. */
    public enum Kind {
        /** Malformed or unacceptable input (400). */
        INVALID,
        /** The caller could not prove who it is (401). */
        UNAUTHENTICATED,
        /** The caller is known but may not do this (403). */
        FORBIDDEN,
        /** No such participant (404). */
        NOT_FOUND,
        /** It contradicts what the hub already holds (409). */
        CONFLICT,
        /** A part the request needs (the ledger) is not available now (503). */
        UNAVAILABLE
    }

    private final Kind kind;

    public ParticipantException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static ParticipantException invalid(String message) {
        return new ParticipantException(Kind.INVALID, message);
    }
}
