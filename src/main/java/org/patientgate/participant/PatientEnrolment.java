package org.patientgate.participant;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;
import org.patientgate.protect.IdentifierBlinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Links hospital identifiers to patients through one-time enrolment codes. An integration engineer
 * makes a code for an identifier ({@code POST /api/enrolment-codes}) and hands it to the patient
 * out of band (at the desk, on a letter); the patient redeems it from a signed-in session. The hub
 * keeps only the code's SHA-256 and the identifier's blinded form, so neither the database nor the
 * log holds the identifier. After the link commits, every {@link PatientLinks.Listener} is told, so
 * work held for that identifier (reports sealed to the institution) can move on to the patient.
 */
public final class PatientEnrolment {

    private static final Logger log = LoggerFactory.getLogger(PatientEnrolment.class);

    /** The longest identifier system or value taken (PID-3 components are far shorter). */
    static final int MAX_IDENTIFIER = 256;

    private final Participants participants;
    private final EnrolmentCodes codes;
    private final IdentifierBlinding blinding;
    private final Duration codeTtl;
    private final Supplier<List<PatientLinks.Listener>> listeners;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /** @param listeners looked up at each link, so listeners registered later are told too */
    public PatientEnrolment(
            Participants participants,
            EnrolmentCodes codes,
            IdentifierBlinding blinding,
            Duration codeTtl,
            Supplier<List<PatientLinks.Listener>> listeners,
            Clock clock) {
        if (codeTtl == null || codeTtl.isNegative() || codeTtl.isZero()) {
            throw new IllegalArgumentException("hub.participants.enrolment-code-ttl must be positive");
        }
        this.participants = participants;
        this.codes = codes;
        this.blinding = blinding;
        this.codeTtl = codeTtl;
        this.listeners = listeners;
        this.clock = clock;
    }

    /** @param code the one-time code, formatted ABCD-EFGH-JK */
    public record IssuedCode(String code, Instant expiresAt) {}

    /**
     * @param created false if the identifier was already linked to the same patient
     */
    public record Linked(String patient, Instant linkedAt, boolean created) {}

    /**
     * A one-time code for the identifier {@code system|value}.
     *
     * @throws ParticipantException INVALID if the value is missing or either part is too long
     */
    public IssuedCode issue(String system, String value) {
        if (value == null || value.isBlank()) {
            throw ParticipantException.invalid("value (the identifier) is required");
        }
        if (value.length() > MAX_IDENTIFIER || (system != null && system.length() > MAX_IDENTIFIER)) {
            throw ParticipantException.invalid(
                    "system and value must be at most " + MAX_IDENTIFIER + " characters each");
        }
        byte[] identifier = blinding.blind(system, value);
        Instant expiresAt = clock.instant().plus(codeTtl).truncatedTo(ChronoUnit.SECONDS);
        for (int attempt = 0; attempt < 5; attempt++) {
            String code = EnrolmentCode.generate(random);
            if (codes.save(EnrolmentCode.hash(code), identifier, expiresAt)) {
                return new IssuedCode(EnrolmentCode.format(code), expiresAt);
            }
        }
        throw new IllegalStateException("no unused enrolment code after 5 draws");
    }

    /**
     * Redeems a code for the calling patient.
     *
     * @throws ParticipantException FORBIDDEN (not a patient), INVALID (unknown, used or expired code),
     *     CONFLICT (the identifier is linked to another patient)
     */
    public Linked link(Caller caller, String code) {
        if (caller == null || caller.role() != Participant.Role.PATIENT) {
            throw new ParticipantException(
                    ParticipantException.Kind.FORBIDDEN, "only a patient links hospital identifiers");
        }
        ParticipantException unusable = ParticipantException.invalid("the enrolment code is unknown, used or expired");
        String canonical = EnrolmentCode.canonical(code).orElseThrow(() -> unusable);
        EnrolmentCodes.Redemption redemption =
                codes.redeem(EnrolmentCode.hash(canonical), caller.address(), clock.instant());
        switch (redemption.outcome()) {
            case UNUSABLE:
                throw unusable;
            case LINKED_TO_ANOTHER:
                throw new ParticipantException(
                        ParticipantException.Kind.CONFLICT, "this identifier is already linked to another patient");
            default:
                break;
        }
        Participant patient = participants
                .find(caller.address())
                .orElseThrow(() -> new IllegalStateException("a linked patient is not registered"));
        for (PatientLinks.Listener listener : listeners.get()) {
            try {
                listener.linked(redemption.identifierHash().clone(), patient);
            } catch (RuntimeException e) {
                // the link stands; the listener's own message may quote what it was handling
                RuntimeException scrubbed = new RuntimeException(e.getClass().getName());
                scrubbed.setStackTrace(e.getStackTrace());
                log.error(
                        "A patient-link listener ({}) failed; the link stands",
                        listener.getClass().getName(),
                        scrubbed);
            }
        }
        return new Linked(
                caller.address(), redemption.linkedAt(), redemption.outcome() == EnrolmentCodes.Outcome.LINKED);
    }
}
