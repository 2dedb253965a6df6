package org.patientgate.config;

import java.time.Duration;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tunes the embedded Artemis broker for durable hand-offs between the hub's stages.
 *
 * <p>The journal syncs every transaction to disk (Artemis' default, kept); its buffer timeout is set
 * to the disk's flush time rather than the default so that concurrent transactions share one sync.
 * Messages on the hub's queues are redelivered with back-off and never dropped: an infrastructure
 * failure in a consumer retries until it clears, while bad content is handled by the consumer itself
 * (dead-letter store), not by the broker.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.artemis.mode", havingValue = "embedded")
class ArtemisTuning {

    @Bean
    ArtemisConfigurationCustomizer hubArtemisTuning(
            @Value("${hub.artemis.journal-buffer-timeout:250us}") Duration journalBufferTimeout) {
        return configuration -> {
            int nanos = (int) Math.min(Integer.MAX_VALUE, journalBufferTimeout.toNanos());
            configuration.setJournalBufferTimeout_NIO(nanos);
            configuration.setJournalBufferTimeout_AIO(nanos);
            // A paged address syncs its page files on the same schedule; left at its default (the
            // NIO journal's 3.3 ms), every persistent send to a paging queue waits that long.
            configuration.setPageSyncTimeout(nanos);
            configuration.setJournalSyncTransactional(true);
            configuration.setJournalSyncNonTransactional(true);
            AddressSettings hubQueues = new AddressSettings()
                    .setMaxDeliveryAttempts(-1)
                    .setRedeliveryDelay(1000)
                    .setRedeliveryMultiplier(2.0)
                    .setMaxRedeliveryDelay(60_000)
                    // A backlog pages to disk beyond this, so the broker never holds it in the heap.
                    .setMaxSizeBytes(16L * 1024 * 1024)
                    .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE);
            configuration.addAddressSetting("hub.#", hubQueues);
        };
    }
}
