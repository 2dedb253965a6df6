package org.patientgate.normalize;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.patientgate.ingest.ApplicationAcks;
import org.patientgate.ingest.InboundMessage;
import org.patientgate.ingest.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processing stage behind the ingest queue: takes one accepted message id, turns the stored
 * message into its canonical bundle with the mappings in force, stores the bundle durably, marks the
 * message processed and returns the id to hand on to the next stage.
 *
 * <p>Every step is safe to repeat: the bundle is keyed by message id and named by content, the
 * processed mark is conditional, and a redelivered id is handed on again (the next stage takes it
 * once). A message the mappings cannot convert goes to the dead-letter store with the reason (rule,
 * field, table; never content), to be replayed after the mapping is fixed and reloaded.
 */
public class NormalizeStage {

    private static final Logger log = LoggerFactory.getLogger(NormalizeStage.class);

    private final MessageStore messages;
    private final BundleStore bundles;
    private final Normalizer normalizer;
    private final java.util.function.Supplier<BundleValidator> validator;
    private final double validateSampleRate;
    private final MeterRegistry registry;
    private final Timer duration;
    private final ApplicationAcks applicationAcks;
    private final Counter sampled;
    private final Counter sampledInvalid;
    private final ConcurrentHashMap<String, Counter> outcomes = new ConcurrentHashMap<>();

    public NormalizeStage(
            MessageStore messages,
            BundleStore bundles,
            Normalizer normalizer,
            java.util.function.Supplier<BundleValidator> validator,
            double validateSampleRate,
            ApplicationAcks applicationAcks,
            MeterRegistry registry) {
        this.applicationAcks = applicationAcks;
        this.messages = messages;
        this.bundles = bundles;
        this.normalizer = normalizer;
        this.validator = validator;
        this.validateSampleRate = validateSampleRate;
        this.registry = registry;
        this.duration = Timer.builder("hub.normalize.duration")
                .description("Time to turn one message into its canonical bundle (mapping and serialization)")
                .publishPercentileHistogram()
                .register(registry);
        this.sampled = Counter.builder("hub.normalize.validation.sampled")
                .description("Bundles checked by the full FHIR R4 validator in the pipeline")
                .register(registry);
        this.sampledInvalid = Counter.builder("hub.normalize.validation.failed")
                .description("Sampled bundles the full FHIR R4 validator found errors in")
                .register(registry);
    }

    /**
     * Normalizes the messages whose ids the body lists (one per line, as the outbox relay batches
     * them), stores their bundles in one transaction and marks them processed in another. Returns the
     * ids to hand on, one per line, or null when there is nothing to hand on (unknown ids, or every
     * message was dead-lettered). An infrastructure failure throws, so the whole batch is redelivered;
     * redelivery is harmless because conversion is deterministic and the store an upsert.
     */
    public String process(String body) {
        Map<UUID, CanonicalBundle> converted = new LinkedHashMap<>();
        Map<UUID, String> structures = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            UUID id = UUID.fromString(line.trim());
            CanonicalBundle bundle = normalize(id);
            if (bundle != null) {
                converted.put(id, bundle);
                structures.put(id, bundle.structure());
            }
        }
        if (converted.isEmpty()) {
            return null;
        }
        bundles.saveAll(converted);
        Set<UUID> first = messages.markProcessed(converted.keySet());
        StringBuilder handOn = new StringBuilder(converted.size() * 37);
        for (UUID id : converted.keySet()) {
            count(first.contains(id) ? "normalized" : "repeat", structures.get(id));
            if (handOn.length() > 0) {
                handOn.append('\n');
            }
            handOn.append(id);
        }
        return handOn.toString();
    }

    /** Converts one message; null when it is unknown or was dead-lettered. */
    private CanonicalBundle normalize(UUID id) {
        Optional<InboundMessage> loaded = messages.load(id);
        if (loaded.isEmpty()) {
            log.warn("Normalization got unknown message id {}", id);
            count("unknown", "none");
            return null;
        }
        InboundMessage message = loaded.get();
        CanonicalBundle bundle;
        long start = System.nanoTime();
        try {
            bundle = convert(message);
        } catch (UnmappableMessageException e) {
            messages.markFailed(id, "normalize", "unmappable", e.getMessage());
            count("unmappable", message.messageType());
            log.info("Message {} could not be normalized: {}", id, e.getMessage());
            applicationAcks.reportError(message, e.code(), e.getMessage());
            return null;
        }
        duration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (validateSampleRate > 0 && ThreadLocalRandom.current().nextDouble() < validateSampleRate) {
            sampleValidation(id, bundle);
        }
        return bundle;
    }

    private CanonicalBundle convert(InboundMessage message) throws UnmappableMessageException {
        if (message.source() == InboundMessage.Source.HL7V2_MLLP) {
            String charset = "unknown".equals(message.charset()) ? null : message.charset();
            return normalizer.fromHl7v2(message.payload(), charset);
        }
        String sender = message.channel() + "|" + message.senderApplication();
        return normalizer.fromFhir(message.payload(), sender);
    }

    private void sampleValidation(UUID id, CanonicalBundle bundle) {
        sampled.increment();
        List<BundleValidator.Finding> errors = validator.get().errors(bundle.json());
        if (!errors.isEmpty()) {
            sampledInvalid.increment();
            // Locations only: validator messages can quote values.
            log.warn(
                    "Sampled R4 validation of the bundle of message {} ({}) found {} error(s) at {}",
                    id,
                    bundle.structure(),
                    errors.size(),
                    errors.stream()
                            .map(BundleValidator.Finding::location)
                            .distinct()
                            .limit(5)
                            .toList());
        }
    }

    private void count(String outcome, String structure) {
        String key = outcome + "|" + structure;
        Counter counter = outcomes.get(key);
        if (counter == null) {
            String tag = outcomes.size() < 500 ? (structure == null ? "none" : structure) : "other";
            counter = outcomes.computeIfAbsent(key, k -> Counter.builder("hub.normalize.messages")
                    .description("Messages through normalization by outcome and structure")
                    .tag("outcome", outcome)
                    .tag("structure", tag)
                    .register(registry));
        }
        counter.increment();
    }
}
