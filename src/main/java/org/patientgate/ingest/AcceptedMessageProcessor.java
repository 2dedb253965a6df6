package org.patientgate.ingest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.Parser;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processing stage behind the ingest queue: takes one accepted message id, parses the stored
 * message in full (HAPI HL7 v2 through one canonical model for every version, or HAPI FHIR R4), and
 * records the outcome exactly once. A message that cannot be parsed is moved to the dead-letter store
 * with the parser's error code and location, never with field content.
 *
 * <p>This is the stage the normalization capability extends; the parse here is what it starts from.
 */
public class AcceptedMessageProcessor {

    private static final Logger log = LoggerFactory.getLogger(AcceptedMessageProcessor.class);

    private final MessageStore store;
    private final HapiContext hl7;
    private final FhirContext fhir;
    private final IngestMetrics metrics;

    public AcceptedMessageProcessor(MessageStore store, HapiContext hl7, FhirContext fhir, IngestMetrics metrics) {
        this.store = store;
        this.hl7 = hl7;
        this.fhir = fhir;
        this.metrics = metrics;
    }

    /**
     * Processes one message id from the queue. Returns what happened: "processed", "failed", or
     * "repeat" for an id that was already finished (a redelivery), which has no effect.
     */
    public String process(String messageId) {
        UUID id = UUID.fromString(messageId.trim());
        Optional<InboundMessage> loaded = store.load(id);
        if (loaded.isEmpty()) {
            log.warn("Processing stage got unknown message id {}", id);
            return "unknown";
        }
        InboundMessage message = loaded.get();
        Optional<String> failure = parse(message);
        if (failure.isPresent()) {
            store.markFailed(id, "processing", "parse", failure.get());
            metrics.processed("failed");
            log.info("Message {} failed processing: {}", id, failure.get());
            return "failed";
        }
        if (store.markProcessed(id)) {
            metrics.processed("processed");
            return "processed";
        }
        metrics.processed("repeat");
        return "repeat";
    }

    private Optional<String> parse(InboundMessage message) {
        if (message.source() == InboundMessage.Source.HL7V2_MLLP) {
            return parseHl7(message);
        }
        try {
            fhir.newJsonParser().parseResource(new String(message.payload(), StandardCharsets.UTF_8));
            return Optional.empty();
        } catch (DataFormatException e) {
            return Optional.of("FHIR resource could not be parsed");
        }
    }

    private Optional<String> parseHl7(InboundMessage message) {
        try {
            Charset charset = "unknown".equals(message.charset())
                    ? StandardCharsets.ISO_8859_1
                    : Charset.forName(message.charset());
            Hl7Envelope envelope = Hl7Envelope.decode(message.payload(), charset);
            Parser parser = hl7.getPipeParser();
            Message parsed = parser.parse(envelope.normalizedText());
            return parsed == null ? Optional.of("HL7 message could not be parsed") : Optional.empty();
        } catch (HL7Exception e) {
            var location = e.getLocation();
            String where = location == null || location.getSegmentName() == null
                    ? "message"
                    : location.getSegmentName() + (location.getField() > 0 ? "-" + location.getField() : "");
            return Optional.of("HL7 parse error " + e.getErrorCode() + " at " + where);
        } catch (Hl7Envelope.UnreadableMessageException e) {
            return Optional.of(e.error().describe());
        } catch (RuntimeException e) {
            return Optional.of("HL7 parser failure " + e.getClass().getSimpleName());
        }
    }
}
