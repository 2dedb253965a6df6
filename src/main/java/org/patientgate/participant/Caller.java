package org.patientgate.participant;

/**
 * The authenticated participant behind a request (a session token from a signed challenge). The web
 * layer puts it on the request as attribute {@link #ATTRIBUTE}.
 */
public record Caller(String address, Participant.Role role) {

    public static final String ATTRIBUTE = Caller.class.getName();
}
