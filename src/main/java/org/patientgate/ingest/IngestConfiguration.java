package org.patientgate.ingest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.validation.impl.NoValidation;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.patientgate.ingest.jdbc.JdbcMessageStore;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jms.core.JmsTemplate;

/**
 * Wires the ingest capability: the durable message store, the listeners' intake, the outbox relay to
 * the processing queue, the processing stage and dead-letter replay. The HL7 and FHIR contexts are
 * built once here; building either per message costs more than the whole rest of the pipeline.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({MllpProperties.class, FhirIngestProperties.class})
class IngestConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * One parser for every HL7 v2 version: HAPI's canonical model reads 2.3 to 2.8 into the 2.8
     * structures. Validation is the intake checker's job (it answers with table 0357 codes), so
     * HAPI's own is off.
     */
    @Bean(destroyMethod = "close")
    HapiContext hapiContext() {
        DefaultHapiContext context = new DefaultHapiContext(new CanonicalModelClassFactory("2.8"));
        context.setValidationContext(new NoValidation());
        context.getParserConfiguration().setValidating(false);
        return context;
    }

    @Bean
    FhirContext fhirContext() {
        return FhirContext.forR4Cached();
    }

    @Bean
    IngestMetrics ingestMetrics(MeterRegistry registry) {
        return new IngestMetrics(registry);
    }

    @Bean(destroyMethod = "close")
    @DependsOnDatabaseInitialization
    JdbcMessageStore messageStore(
            DataSource dataSource,
            AtRestCipher atRestCipher,
            ObjectProvider<OutboxRelay> relay,
            MeterRegistry registry,
            @Value("${hub.store.max-batch:256}") int maxBatch,
            @Value("${hub.store.queue-capacity:20000}") int queueCapacity,
            @Value("${hub.store.requeue-after:5m}") Duration requeueAfter) {
        JdbcMessageStore store = new JdbcMessageStore(
                dataSource,
                atRestCipher,
                maxBatch,
                queueCapacity,
                requeueAfter,
                () -> relay.ifAvailable(OutboxRelay::signal));
        for (MessageStatus status : MessageStatus.values()) {
            Gauge.builder("hub.messages.stored", store, s -> s.countByStatusCached(status))
                    .description("Messages in the message store by status (RECEIVED and QUEUED are the backlog)")
                    .tag("status", status.name())
                    .register(registry);
        }
        Gauge.builder("hub.store.pending.writes", store, JdbcMessageStore::pendingWrites)
                .description("Writes waiting for the next group commit")
                .register(registry);
        return store;
    }

    /** Raw payloads written in clear before encryption at rest are sealed in the background at start. */
    @Bean
    JdbcLegacySealer.Column sealedInboundPayload() {
        return JdbcMessageStore.SEALED_PAYLOAD;
    }

    /**
     * The relay sends each batch in one local JMS transaction (one journal sync per batch). Its own
     * template, because the shared one sends outside a transaction, where every persistent send
     * waits for its own sync.
     */
    @Bean
    OutboxRelay outboxRelay(
            MessageStore store,
            jakarta.jms.ConnectionFactory connectionFactory,
            @Value("${hub.outbox.batch-size:500}") int batch,
            @Value("${hub.outbox.ids-per-message:50}") int idsPerMessage) {
        JmsTemplate transacted = new JmsTemplate(connectionFactory);
        transacted.setSessionTransacted(true);
        return new OutboxRelay(store, transacted, batch, idsPerMessage);
    }

    @Bean
    Hl7Intake hl7Intake(MessageStore store, MllpProperties properties, IngestMetrics metrics, Clock clock) {
        return new Hl7Intake(store, properties, metrics, clock);
    }

    @Bean
    ApplicationAcks applicationAcks(
            MllpProperties properties, ApplicationAcks.Transport transport, Clock clock, MeterRegistry registry) {
        return new ApplicationAcks(properties, transport, clock, registry);
    }

    @Bean
    FhirPoll fhirPoll(FhirIntake intake, FhirContext fhir, DataSource dataSource, FhirIngestProperties properties) {
        return new FhirPoll(
                intake, fhir, new org.patientgate.ingest.jdbc.JdbcPollCursor(dataSource), properties.poll());
    }

    @Bean
    DeadLetterReplay deadLetterReplay(
            MessageStore store, Hl7Intake hl7Intake, FhirIntake fhirIntake, OutboxRelay relay) {
        return new DeadLetterReplay(
                store,
                Map.of(
                        InboundMessage.Source.HL7V2_MLLP,
                        dead -> hl7Intake.replay(dead).stream()
                                .map(Hl7Error::describe)
                                .toList(),
                        InboundMessage.Source.FHIR_REST,
                        fhirIntake::replay,
                        InboundMessage.Source.FHIR_POLL,
                        fhirIntake::replay),
                relay::signal);
    }
}
