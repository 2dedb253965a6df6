package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IngestMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics metrics = new IngestMetrics(registry);

    @Test
    void countsBySenderAndType_andRecordsAckLatency() {
        metrics.received("mllp-a", "LAB", "ORU^R01");
        metrics.received("mllp-a", "LAB", "ORU^R01");
        metrics.acknowledged("mllp-a", "LAB", "ORU^R01", "AA", Duration.ofMillis(3));

        assertThat(registry.get("hub.messages.received")
                        .tag("sender", "LAB")
                        .tag("type", "ORU^R01")
                        .counter()
                        .count())
                .isEqualTo(2.0);
        assertThat(registry.get("hub.messages.acknowledged")
                        .tag("code", "AA")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("hub.ack.latency").timer().count()).isEqualTo(1);
    }

    @Test
    void cleansTagValues_andCapsHowManyDistinctOnesExist() {
        metrics.received("mllp-a", "LAB SYS\\F\\<script>", "ORU^R01");
        assertThat(registry.get("hub.messages.received")
                        .tag("sender", "LAB_SYS_F__script_")
                        .counter()
                        .count())
                .isEqualTo(1.0);

        for (int i = 0; i < IngestMetrics.MAX_TAG_VALUES + 100; i++) {
            metrics.received("mllp-a", "SENDER" + i, "ORU^R01");
        }
        long distinctSenders = registry.find("hub.messages.received").counters().stream()
                .map(c -> c.getId().getTag("sender"))
                .distinct()
                .count();
        assertThat(distinctSenders).isLessThanOrEqualTo(IngestMetrics.MAX_TAG_VALUES + 1);
        assertThat(registry.get("hub.messages.received")
                        .tag("sender", "other")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(100.0);
    }
}
