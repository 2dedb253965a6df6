package org.patientgate.ingest.fhir;

import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.patientgate.ingest.FhirIntake;
import org.patientgate.ingest.InboundMessage;

/**
 * The write operations of the hub's FHIR R4 endpoint: create of Bundle, DiagnosticReport, Observation
 * and Patient, and the system-level transaction/batch interaction. Each answers only after the
 * resource is durably stored: 201 Created (200 OK for a resend of a stored version), or a
 * transaction-response / batch-response Bundle. The id returned is the hub's tracking id of the
 * message, the same one {@code GET /api/messages/{id}} shows.
 */
public class FhirIngestProvider {

    static final String DEAD_LETTERED = FhirIngestProvider.class.getName() + ".deadLettered";

    private final FhirIntake intake;
    private final String channel;

    public FhirIngestProvider(FhirIntake intake, String channel) {
        this.intake = intake;
        this.channel = channel;
    }

    @Create(type = Bundle.class)
    public MethodOutcome createBundle(@ResourceParam Bundle bundle, RequestDetails request) {
        return create(bundle, request);
    }

    @Create(type = DiagnosticReport.class)
    public MethodOutcome createDiagnosticReport(@ResourceParam DiagnosticReport report, RequestDetails request) {
        return create(report, request);
    }

    @Create(type = Observation.class)
    public MethodOutcome createObservation(@ResourceParam Observation observation, RequestDetails request) {
        return create(observation, request);
    }

    @Create(type = Patient.class)
    public MethodOutcome createPatient(@ResourceParam Patient patient, RequestDetails request) {
        return create(patient, request);
    }

    /** POST to the base URL with a transaction or batch Bundle. */
    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle, RequestDetails request) {
        Bundle.BundleType type = bundle.getType();
        if (type != Bundle.BundleType.TRANSACTION && type != Bundle.BundleType.BATCH) {
            throw new InvalidRequestException(
                    "POST to the base URL takes a transaction or batch Bundle; send other Bundles to /fhir/Bundle");
        }
        FhirIntake.Stored stored = store(bundle, request);
        Bundle response = new Bundle();
        response.setType(
                type == Bundle.BundleType.TRANSACTION
                        ? Bundle.BundleType.TRANSACTIONRESPONSE
                        : Bundle.BundleType.BATCHRESPONSE);
        for (Bundle.BundleEntryComponent ignored : bundle.getEntry()) {
            Bundle.BundleEntryResponseComponent entryResponse = new Bundle.BundleEntryResponseComponent()
                    .setStatus(stored.duplicate() ? "200 OK" : "201 Created")
                    .setOutcome(accepted(stored));
            response.addEntry().setResponse(entryResponse);
        }
        return response;
    }

    private MethodOutcome create(IBaseResource resource, RequestDetails request) {
        FhirIntake.Stored stored = store(resource, request);
        MethodOutcome outcome = new MethodOutcome();
        outcome.setId(new IdType(request.getResourceName(), stored.messageId().toString()));
        outcome.setCreated(!stored.duplicate());
        outcome.setOperationOutcome(accepted(stored));
        return outcome;
    }

    private FhirIntake.Stored store(IBaseResource resource, RequestDetails request) {
        try {
            return intake.receive(
                    resource, request.loadRequestContents(), InboundMessage.Source.FHIR_REST, channel, channel);
        } catch (FhirIntake.InvalidResourceException e) {
            request.getUserData().put(DEAD_LETTERED, e.deadLetterId());
            throw new UnprocessableEntityException(request.getFhirContext(), e.outcome());
        } catch (FhirIntake.StoreUnavailableException e) {
            request.getUserData().put(DEAD_LETTERED, Boolean.TRUE);
            throw new StoreUnavailable(e.getMessage());
        }
    }

    private static OperationOutcome accepted(FhirIntake.Stored stored) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(
                        stored.duplicate()
                                ? OperationOutcome.IssueType.DUPLICATE
                                : OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics(
                        stored.duplicate()
                                ? "this resource version was already stored; the resend has no second effect"
                                : "stored for processing as message " + stored.messageId());
        return outcome;
    }

    /** 503: the durable write did not complete; nothing was acknowledged, the client retries. */
    static final class StoreUnavailable extends InternalErrorException {
        StoreUnavailable(String message) {
            super(message);
        }

        @Override
        public int getStatusCode() {
            return 503;
        }
    }
}
