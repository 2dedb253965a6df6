package org.patientgate.participant;

import java.math.BigInteger;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;
import org.patientgate.ledger.Eip712;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.ledger.PersonalSign;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registration of patients and nodes (docs/PROTECT-API.md, "Participants and sessions"). A
 * participant proves it holds the key behind its address with an EIP-191 personal signature of the
 * registration text; a patient may add the EIP-712 {@code Registration} signature the hub relays to
 * {@code ParticipantRegistry}, checked here against the chain's current terms and enqueued on the
 * ledger outbox in the same transaction as the hub's own record, so one is never kept without the
 * other.
 */
public final class ParticipantRegistration {

    private static final Logger log = LoggerFactory.getLogger(ParticipantRegistration.class);

    /** The longest node name the hub keeps. */
    static final int MAX_NAME = 200;

    /** The hub relays no profile: the registry's profile hash stays zero. */
    private static final byte[] NO_PROFILE = new byte[32];

    private final ParticipantStore store;
    private final ParticipantLedger ledger;
    private final LedgerOutbox outbox;
    private final Clock clock;

    /**
     * @param ledger the chain's registry, or null when the hub follows no ledger
     * @param outbox the ledger outbox, or null when the hub follows no ledger
     */
    public ParticipantRegistration(ParticipantStore store, ParticipantLedger ledger, LedgerOutbox outbox, Clock clock) {
        this.store = store;
        this.ledger = ledger;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * A registration as sent ({@code POST /api/participants}).
     *
     * @param encryptionKey the X25519 key, base64url (the exact text that was signed)
     * @param name a node's display name; none for a patient
     * @param signature the personal signature of {@link #message}, base64url
     * @param ledger a patient's relayed registry registration, or null
     */
    public record Request(
            String address, String role, String encryptionKey, String name, String signature, LedgerPart ledger) {}

    /**
     * @param deadline the last unix second the Registration signature is good (as signed)
     * @param signature the EIP-712 Registration signature, base64url
     */
    public record LedgerPart(BigInteger deadline, String signature) {}

    /** The stored record, and whether this request created it (false: the same registration again). */
    public record Registered(Participant participant, boolean created) {}

    /** The text a participant signs (EIP-191 personal signature) to register. */
    public static String message(String address, String role, String encryptionKey, String name) {
        return "PatientGate registration\naddress: " + address + "\nrole: " + role + "\nencryption-key: "
                + encryptionKey + "\nname: " + (name == null ? "" : name);
    }

    /**
     * Registers a participant.
     *
     * @throws ParticipantException INVALID (malformed, or a signature that is not the address's),
     *     CONFLICT (the address is registered otherwise), UNAVAILABLE (the ledger does not answer)
     */
    public Registered register(Request request) {
        if (request == null) {
            throw ParticipantException.invalid("a registration body is required");
        }
        String address = Encodings.address(request.address(), "address");
        Participant.Role role = role(request.role());
        byte[] key = Encodings.fromBase64Url(request.encryptionKey(), Encodings.KEY_BYTES, "encryptionKey");
        if (Arrays.equals(key, new byte[Encodings.KEY_BYTES])) {
            throw ParticipantException.invalid("encryptionKey must not be all zeros");
        }
        String name = request.name() == null || request.name().isEmpty() ? null : request.name();
        if (name != null && role == Participant.Role.PATIENT) {
            throw ParticipantException.invalid("a patient registers without a name");
        }
        if (name != null
                && (name.isBlank() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl))) {
            throw ParticipantException.invalid(
                    "name must be non-blank text of at most " + MAX_NAME + " characters without control characters");
        }
        byte[] signature = Encodings.fromBase64Url(request.signature(), Encodings.SIGNATURE_BYTES, "signature");
        String signer = recoverPersonal(message(address, role.name(), request.encryptionKey(), name), signature);
        if (!address.equals(signer)) {
            throw ParticipantException.invalid(
                    "signature is not this address's personal signature of the registration text");
        }

        Participant candidate =
                new Participant(address, role, key, name, clock.instant().truncatedTo(ChronoUnit.MILLIS));
        Optional<Participant> existing = store.find(address);
        if (existing.isPresent() && !ParticipantStore.sameRegistration(existing.get(), candidate)) {
            throw conflict();
        }
        LedgerWrite relay = null;
        if (request.ledger() != null) {
            if (role != Participant.Role.PATIENT) {
                throw ParticipantException.invalid("only a patient's registration is relayed to the ledger");
            }
            relay = ledgerRelay(address, key, request.ledger(), existing.isPresent());
        }
        ParticipantStore.Saved saved = store.save(candidate, relay);
        if (saved.outcome() == ParticipantStore.Outcome.CONFLICT) {
            throw conflict();
        }
        boolean created = saved.outcome() == ParticipantStore.Outcome.CREATED;
        if (created) {
            log.info("Registered a {} participant{}", role, relay == null ? "" : "; its ledger registration is queued");
        }
        return new Registered(saved.participant(), created);
    }

    /** The registered record of an address (either case). */
    public Optional<Participant> find(String address) {
        return store.find(Encodings.lookupAddress(address, "address"));
    }

    /**
     * The registry terms a patient's ledger signature must use; empty when the hub follows no ledger.
     *
     * @throws ParticipantException UNAVAILABLE if the ledger is starting or does not answer
     */
    public Optional<ParticipantLedger.RegistrationTerms> terms(String address) {
        String patient = Encodings.lookupAddress(address, "address");
        if (ledger == null) {
            return Optional.empty();
        }
        if (!ledger.ready()) {
            throw unavailable("the ledger is starting; try again shortly");
        }
        try {
            return Optional.of(ledger.registrationTerms(patient));
        } catch (ParticipantLedger.Unreachable e) {
            throw unavailable("the ledger did not answer; try again shortly");
        }
    }

    private LedgerWrite ledgerRelay(String address, byte[] key, LedgerPart part, boolean known) {
        if (ledger == null || outbox == null) {
            throw ParticipantException.invalid(
                    "this hub follows no ledger (hub.ledger.enabled=false): register without ledger");
        }
        if (part.deadline() == null) {
            throw ParticipantException.invalid("ledger.deadline is required");
        }
        byte[] signature = Encodings.fromBase64Url(part.signature(), Encodings.SIGNATURE_BYTES, "ledger.signature");
        LedgerWrite.RegisterPatient write = new LedgerWrite.RegisterPatient(
                ledger.relaySigner(), address, key, NO_PROFILE.clone(), false, part.deadline(), signature);
        if (known && outbox.find(write.dedupeKey()).isPresent()) {
            // the same registration again: its relay is queued or done (its nonce may be spent by now)
            return null;
        }
        if (!ledger.ready()) {
            throw unavailable("the ledger is starting; try again shortly");
        }
        try {
            Optional<byte[]> onChain = ledger.patientKey(address);
            if (onChain.isPresent()) {
                if (Arrays.equals(onChain.get(), key)) {
                    return null; // the registry has this registration already
                }
                throw new ParticipantException(
                        ParticipantException.Kind.CONFLICT,
                        "the ledger registry holds another encryption key for this address");
            }
            if (part.deadline().compareTo(BigInteger.valueOf(clock.instant().getEpochSecond())) < 0) {
                throw ParticipantException.invalid("ledger.deadline has passed");
            }
            ParticipantLedger.RegistrationTerms terms = ledger.registrationTerms(address);
            byte[] digest;
            try {
                digest = terms.digest(address, key, NO_PROFILE, part.deadline());
            } catch (IllegalArgumentException e) {
                throw ParticipantException.invalid("ledger.deadline is out of range for a uint256");
            }
            if (!address.equals(recoverDigest(digest, signature))) {
                throw ParticipantException.invalid("ledger.signature is not this patient's EIP-712 Registration"
                        + " signature under the current terms (GET /api/participants/registration-terms)");
            }
            return write;
        } catch (ParticipantLedger.Unreachable e) {
            throw unavailable("the ledger did not answer; try again shortly");
        }
    }

    private static Participant.Role role(String role) {
        if ("PATIENT".equals(role)) {
            return Participant.Role.PATIENT;
        }
        if ("NODE".equals(role)) {
            return Participant.Role.NODE;
        }
        throw ParticipantException.invalid("role must be PATIENT or NODE");
    }

    /** The signer of a personal signature, or null if the signature is not in canonical form. */
    static String recoverPersonal(String message, byte[] signature) {
        try {
            return PersonalSign.recover(message, signature);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String recoverDigest(byte[] digest, byte[] signature) {
        try {
            return Eip712.recover(digest, signature);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static ParticipantException conflict() {
        return new ParticipantException(
                ParticipantException.Kind.CONFLICT,
                "this address is already registered with another key, role or name");
    }

    private static ParticipantException unavailable(String message) {
        return new ParticipantException(ParticipantException.Kind.UNAVAILABLE, message);
    }
}
