package org.patientgate.participant;

import java.time.Instant;
import java.util.Optional;

/**
 * Sign-in challenges and session tokens, kept only as SHA-256 hashes: a copy of the database lets
 * nobody sign in or act as a participant.
 */
public interface SessionStore {

    /** Stores a fresh challenge (and drops challenges that expired before {@code now}). */
    void saveChallenge(byte[] challengeHash, String address, Instant expiresAt, Instant now);

    /** The address and expiry of an unused challenge that is still good at {@code now}. */
    Optional<OpenChallenge> openChallenge(byte[] challengeHash, Instant now);

    /**
     * Spends the challenge and stores the session, in one transaction; false (and nothing stored) if
     * the challenge was spent meanwhile, expired, or is another address's.
     */
    boolean startSession(byte[] challengeHash, byte[] tokenHash, Caller caller, Instant expiresAt, Instant now);

    /** The participant a session token hash stands for, if the session is still good at {@code now}. */
    Optional<Caller> caller(byte[] tokenHash, Instant now);

    record OpenChallenge(String address, Instant expiresAt) {}
}
