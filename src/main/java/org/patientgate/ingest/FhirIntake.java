package org.patientgate.ingest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * The FHIR side of the front door: validates a resource with HAPI's R4 instance validator (base
 * profiles, code systems it knows), stores it durably as an inbound message (the same store and
 * outbox the MLLP listener uses), and reports duplicates.
 *
 * <p>A resource's identity for duplicate detection is, in order: a Bundle's {@code identifier}
 * (system|value), its {@code type/id/_history/versionId} when both are given, otherwise the SHA-256
 * of the bytes received. So the same resource version sent twice has one effect.
 */
public class FhirIntake {

    static final String CONTENT_TYPE = "application/fhir+json";

    private final MessageStore store;
    private final FhirContext fhir;
    private final FhirValidator validator;
    private final FhirIngestProperties properties;
    private final Clock clock;

    /** What happened to one resource: stored (or a duplicate of a stored one), with its tracking id. */
    public record Stored(UUID messageId, boolean duplicate) {}

    /** A resource the validator found errors in; {@code outcome} is the OperationOutcome to return. */
    public static final class InvalidResourceException extends Exception {
        private final transient IBaseOperationOutcome outcome;
        private final UUID deadLetterId;

        InvalidResourceException(String message, IBaseOperationOutcome outcome, UUID deadLetterId) {
            super(message);
            this.outcome = outcome;
            this.deadLetterId = deadLetterId;
        }

        public IBaseOperationOutcome outcome() {
            return outcome;
        }

        public UUID deadLetterId() {
            return deadLetterId;
        }
    }

    /** The durable write did not complete in time; the client should retry. */
    public static final class StoreUnavailableException extends Exception {
        StoreUnavailableException(String message) {
            super(message);
        }
    }

    /** The shared R4 validator (the normalization stage's sampled validation uses it too). */
    public FhirValidator validator() {
        return validator;
    }

    public FhirIntake(MessageStore store, FhirContext fhir, FhirIngestProperties properties, Clock clock) {
        this.store = store;
        this.fhir = fhir;
        this.properties = properties;
        this.clock = clock;
        this.validator = R4Validation.newValidator(fhir);
        // The first validation loads the R4 definitions (seconds); do it now, off the request path.
        Thread warmUp = new Thread(
                () -> validator.validateWithResult(new org.hl7.fhir.r4.model.Patient()), "fhir-validator-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /** Error and fatal messages of the R4 validator for a resource; empty when it is valid. */
    public List<String> validate(IBaseResource resource) {
        return errors(validator.validateWithResult(resource));
    }

    private static List<String> errors(ValidationResult result) {
        List<String> errors = new ArrayList<>();
        for (SingleValidationMessage m : result.getMessages()) {
            if (m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL) {
                errors.add(m.getLocationString() + ": " + m.getMessage());
            }
        }
        return errors;
    }

    /**
     * Validates and stores one resource received over REST or by the poll. Completes only after the
     * durable write.
     */
    public Stored receive(
            IBaseResource resource, byte[] raw, InboundMessage.Source source, String channel, String sender)
            throws InvalidResourceException, StoreUnavailableException {
        ValidationResult result = validator.validateWithResult(resource);
        List<String> errors = errors(result);
        InboundMessage message = toMessage(resource, raw, source, channel, sender);
        if (!errors.isEmpty() && source == InboundMessage.Source.FHIR_POLL && alreadyDeadLettered(message)) {
            // A poll sees the same invalid version again (its cursor is inclusive): keep it once.
            throw new InvalidResourceException(
                    "already in the dead-letter store", (IBaseOperationOutcome) result.toOperationOutcome(), null);
        }
        if (!errors.isEmpty()) {
            String reason = errors.size() + " validation error(s); first: " + errors.get(0);
            refuse(message, "validation", reason);
            throw new InvalidResourceException(
                    reason, (IBaseOperationOutcome) result.toOperationOutcome(), message.id());
        }
        try {
            StoreOutcome outcome =
                    store.accept(message).get(properties.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new Stored(message.id(), outcome == StoreOutcome.DUPLICATE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted before the durable write completed");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("the resource could not be stored durably; retry later");
        }
    }

    /**
     * Keeps a request that could not be taken (unparseable, unauthorized, too large) in the dead-letter
     * store, with the HTTP status given as its code.
     */
    public UUID refuseRaw(byte[] raw, String channel, String sender, String code, String reason) {
        InboundMessage message =
                fhirMessage(InboundMessage.Source.FHIR_REST, channel, sender, "refused-" + UUID.randomUUID(), "", raw);
        try {
            store.refuse(message, "intake", code, reason)
                    .get(properties.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The client still gets its error answer; the refused request could not be kept.
            return null;
        }
        return message.id();
    }

    /** Re-validates a refused FHIR request and stores it as accepted if it now passes. */
    public List<String> replay(InboundMessage deadLetter) throws Exception {
        IBaseResource resource;
        try {
            resource = parser().parseResource(new String(deadLetter.payload(), StandardCharsets.UTF_8));
        } catch (DataFormatException e) {
            return List.of("not a FHIR R4 JSON resource");
        }
        List<String> errors = validate(resource);
        if (!errors.isEmpty()) {
            return errors;
        }
        InboundMessage fresh = toMessage(
                        resource,
                        deadLetter.payload(),
                        deadLetter.source(),
                        deadLetter.channel(),
                        deadLetter.senderApplication())
                .asReplayOf(deadLetter.id(), clock.instant());
        store.accept(fresh).get(properties.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return List.of();
    }

    private boolean alreadyDeadLettered(InboundMessage message) {
        return store.search(message.senderApplication(), message.controlId(), MessageStatus.DEAD_LETTER, 1, 0).stream()
                .anyMatch(r -> r.source() == message.source());
    }

    private void refuse(InboundMessage message, String stage, String reason) throws StoreUnavailableException {
        try {
            store.refuse(message, stage, "422", reason)
                    .get(properties.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("the refused resource could not be kept; retry later");
        }
    }

    IParser parser() {
        return fhir.newJsonParser();
    }

    private InboundMessage toMessage(
            IBaseResource resource, byte[] raw, InboundMessage.Source source, String channel, String sender) {
        String type = fhir.getResourceType(resource);
        if (resource instanceof Bundle bundle && bundle.getType() != null) {
            type = type + "/" + bundle.getType().toCode();
        }
        return fhirMessage(source, channel, sender, identity(resource, raw), type, raw);
    }

    private InboundMessage fhirMessage(
            InboundMessage.Source source, String channel, String sender, String identity, String type, byte[] raw) {
        return new InboundMessage(
                UUID.randomUUID(),
                source,
                channel,
                sender,
                "",
                identity,
                type,
                "R4",
                "UTF-8",
                CONTENT_TYPE,
                raw,
                clock.instant(),
                null);
    }

    static String identity(IBaseResource resource, byte[] raw) {
        if (resource instanceof Bundle bundle
                && bundle.hasIdentifier()
                && bundle.getIdentifier().hasValue()) {
            return "Bundle|"
                    + Optional.ofNullable(bundle.getIdentifier().getSystem()).orElse("") + "|"
                    + bundle.getIdentifier().getValue();
        }
        if (resource instanceof Resource r
                && r.hasIdElement()
                && r.getIdElement().hasIdPart()
                && r.getMeta().hasVersionId()) {
            return r.fhirType() + "/" + r.getIdElement().getIdPart() + "/_history/"
                    + r.getMeta().getVersionId();
        }
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
