package org.patientgate.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Ingest meters, tagged by channel, sender application and message type only (never by anything
 * from a patient): {@code hub.messages.received}, {@code hub.messages.acknowledged} with the ack
 * code, {@code hub.messages.duplicates}, and the {@code hub.ack.latency} histogram from frame
 * received to acknowledgment ready.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void received(String channel, String sender, String type) {
        Counter.builder("hub.messages.received")
                .description("Inbound messages read from a channel")
                .tags("channel", channel, "sender", tag(sender), "type", tag(type))
                .register(registry)
                .increment();
    }

    public void acknowledged(String channel, String sender, String type, String ackCode, Duration latency) {
        Counter.builder("hub.messages.acknowledged")
                .description("Acknowledgments sent, by code (AA/AE/AR/CA/CE/CR, or HTTP status class for FHIR)")
                .tags("channel", channel, "sender", tag(sender), "type", tag(type), "code", ackCode)
                .register(registry)
                .increment();
        Timer.builder("hub.ack.latency")
                .description("Time from message read to acknowledgment ready, including the durable write")
                .tags("channel", channel)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry)
                .record(latency);
    }

    public void duplicate(String channel, String sender) {
        Counter.builder("hub.messages.duplicates")
                .description("Messages acknowledged as duplicates of one already stored")
                .tags("channel", channel, "sender", tag(sender))
                .register(registry)
                .increment();
    }

    public void processed(String outcome) {
        Counter.builder("hub.messages.processed")
                .description("Messages finished by the processing stage")
                .tags("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** Most distinct header values kept as tag values; later ones are counted as "other". */
    static final int MAX_TAG_VALUES = 500;

    private static final java.util.regex.Pattern UNSAFE = java.util.regex.Pattern.compile("[^A-Za-z0-9._^-]");
    private final java.util.concurrent.ConcurrentHashMap<String, String> tagValues =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Tag values come from message headers: cleaned, cut to 40 characters, and capped in number, so
     * a misconfigured or hostile sender cannot explode the metrics' cardinality.
     */
    private String tag(String value) {
        if (value == null || value.isEmpty()) {
            return "none";
        }
        String known = tagValues.get(value);
        if (known != null) {
            return known;
        }
        if (tagValues.size() >= MAX_TAG_VALUES) {
            return "other";
        }
        String v = UNSAFE.matcher(value).replaceAll("_");
        String cleaned = v.length() > 40 ? v.substring(0, 40) : v;
        tagValues.putIfAbsent(value, cleaned);
        return cleaned;
    }
}
