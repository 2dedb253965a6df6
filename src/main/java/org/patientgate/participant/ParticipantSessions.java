package org.patientgate.participant;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Sign-in by signed challenge (docs/PROTECT-API.md, "Participants and sessions"): the hub hands out
 * 32 random bytes, good for five minutes and once; the participant returns its personal signature of
 * the challenge text and gets a bearer token (32 random bytes) for {@code hub.participants.session-ttl}.
 * Challenges and tokens are stored only as SHA-256 hashes.
 */
public final class ParticipantSessions {

    /** How long a challenge may be answered. */
    static final Duration CHALLENGE_TTL = Duration.ofMinutes(5);

    private static final int RANDOM_BYTES = 32;

    private final Participants participants;
    private final SessionStore store;
    private final Duration sessionTtl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ParticipantSessions(Participants participants, SessionStore store, Duration sessionTtl, Clock clock) {
        if (sessionTtl == null || sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("hub.participants.session-ttl must be positive");
        }
        this.participants = participants;
        this.store = store;
        this.sessionTtl = sessionTtl;
        this.clock = clock;
    }

    /**
     * @param challenge 32 random bytes, base64url
     * @param message the text to sign (EIP-191 personal signature)
     */
    public record Challenge(String challenge, String message, Instant expiresAt) {}

    /** @param token the bearer token, base64url */
    public record Session(String token, Instant expiresAt) {}

    /** The sign-in text for a challenge; it names the address, the challenge and its expiry. */
    public static String message(String address, String challenge, Instant expiresAt) {
        return "PatientGate sign-in\naddress: " + address + "\nchallenge: " + challenge + "\nexpires-at: " + expiresAt;
    }

    /**
     * A fresh challenge for a registered participant.
     *
     * @throws ParticipantException INVALID (malformed address), NOT_FOUND (not registered)
     */
    public Challenge challenge(String address) {
        String who = Encodings.lookupAddress(address, "address");
        if (participants.find(who).isEmpty()) {
            throw new ParticipantException(
                    ParticipantException.Kind.NOT_FOUND, "no participant is registered at this address");
        }
        byte[] raw = randomBytes();
        String challenge = Encodings.base64Url(raw);
        Instant now = clock.instant();
        Instant expiresAt = now.plus(CHALLENGE_TTL).truncatedTo(ChronoUnit.SECONDS);
        store.saveChallenge(Sha256.of(raw), who, expiresAt, now);
        return new Challenge(challenge, message(who, challenge, expiresAt), expiresAt);
    }

    /**
     * Exchanges an answered challenge for a session token; the challenge is spent.
     *
     * @throws ParticipantException INVALID (malformed input), UNAUTHENTICATED (unknown, spent or expired
     *     challenge, another address's challenge, or a signature that is not the address's)
     */
    public Session token(String address, String challenge, String signature) {
        String who = Encodings.lookupAddress(address, "address");
        byte[] raw = Encodings.fromBase64Url(challenge, RANDOM_BYTES, "challenge");
        byte[] sig = Encodings.fromBase64Url(signature, Encodings.SIGNATURE_BYTES, "signature");
        byte[] challengeHash = Sha256.of(raw);
        Instant now = clock.instant();
        SessionStore.OpenChallenge open = store.openChallenge(challengeHash, now)
                .filter(c -> c.address().equals(who))
                .orElseThrow(() -> unauthenticated("the challenge is unknown, used or expired: ask for a new one"));
        String signer = ParticipantRegistration.recoverPersonal(message(who, challenge, open.expiresAt()), sig);
        if (!who.equals(signer)) {
            throw unauthenticated("signature is not this address's personal signature of the challenge message");
        }
        Participant participant = participants
                .find(who)
                .orElseThrow(() -> unauthenticated("no participant is registered at this address"));
        byte[] token = randomBytes();
        Instant expiresAt = now.plus(sessionTtl).truncatedTo(ChronoUnit.SECONDS);
        if (!store.startSession(challengeHash, Sha256.of(token), new Caller(who, participant.role()), expiresAt, now)) {
            throw unauthenticated("the challenge is unknown, used or expired: ask for a new one");
        }
        return new Session(Encodings.base64Url(token), expiresAt);
    }

    /** The participant a bearer token stands for, while its session lasts; empty for anything else. */
    public Optional<Caller> caller(String token) {
        if (token == null || token.length() != 43) {
            return Optional.empty(); // 32 bytes in base64url without padding are 43 characters
        }
        byte[] raw;
        try {
            raw = Encodings.fromBase64Url(token, RANDOM_BYTES, "token");
        } catch (ParticipantException e) {
            return Optional.empty();
        }
        return store.caller(Sha256.of(raw), clock.instant());
    }

    private byte[] randomBytes() {
        byte[] b = new byte[RANDOM_BYTES];
        random.nextBytes(b);
        return b;
    }

    private static ParticipantException unauthenticated(String message) {
        return new ParticipantException(ParticipantException.Kind.UNAUTHENTICATED, message);
    }
}
