package org.patientgate.escrow;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.MessageListener;
import java.time.Clock;
import javax.sql.DataSource;
import org.patientgate.escrow.jdbc.JdbcEscrowStore;
import org.patientgate.ingest.ApplicationAcks;
import org.patientgate.ingest.MessageStore;
import org.patientgate.ledger.EscrowAnchoring;
import org.patientgate.ledger.EscrowLedger;
import org.patientgate.ledger.LedgerIdentities;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerProperties;
import org.patientgate.normalize.BundleStore;
import org.patientgate.participant.Participants;
import org.patientgate.protect.KeyCustody;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.protect.ProtectStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jms.ConnectionFactoryUnwrapper;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.jms.listener.DefaultMessageListenerContainer;

/**
 * The consent escrow, which exists only when the hub follows a ledger: its store, the stage behind
 * protection, the progress loop that follows the chain, and the announcer that puts every new
 * notification on the {@code hub.notifications} topic for the live channels.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.ledger.enabled", havingValue = "true", matchIfMissing = true)
class EscrowLedgerConfiguration {

    static final String NOTIFICATIONS_TOPIC = "hub.notifications";

    @Bean
    JdbcEscrowStore escrowStore(DataSource dataSource, EscrowAnchoring anchoring, LedgerOutbox outbox) {
        return new JdbcEscrowStore(dataSource, anchoring, outbox);
    }

    @Bean
    EscrowProgress.Announcer notificationAnnouncer(ConnectionFactory connectionFactory) {
        JmsTemplate topic = new JmsTemplate(connectionFactory);
        topic.setPubSubDomain(true);
        topic.setExplicitQosEnabled(true);
        topic.setDeliveryPersistent(false);
        return written -> {
            for (EscrowStore.Written w : written) {
                topic.convertAndSend(NOTIFICATIONS_TOPIC, Long.toString(w.id()), m -> {
                    m.setStringProperty("recipient", w.recipient());
                    m.setStringProperty("kind", w.kind());
                    return m;
                });
            }
        };
    }

    @Bean(destroyMethod = "close")
    EscrowProgress escrowProgress(
            JdbcEscrowStore store,
            EscrowAnchoring anchoring,
            PrivacyModule module,
            EscrowProgress.Announcer announcer,
            EscrowProperties properties,
            ObjectProvider<EscrowLedger> ledger,
            LedgerProperties ledgerProperties,
            Clock clock,
            MeterRegistry registry) {
        String name = properties.institutionName() == null
                        || properties.institutionName().isBlank()
                ? ledgerProperties.institution()
                : properties.institutionName();
        // the ledger is resolved on first use: it takes this bean as an event listener when it is made
        return new EscrowProgress(
                store,
                anchoring,
                () -> ledger.getObject().relaySigner(),
                () -> ledger.getObject().nudge(),
                module,
                announcer,
                properties,
                () -> ledger.getObject().institutionAddress(),
                name,
                clock,
                registry);
    }

    @Bean
    NotificationFeed notificationFeed() {
        return new NotificationFeed();
    }

    /**
     * A non-durable subscriber of the notifications topic that tells the live streams (best effort,
     * like the topic: the streams also catch up on their own every few seconds).
     */
    @Bean
    DefaultMessageListenerContainer notificationFeedListener(
            ConnectionFactory connectionFactory, NotificationFeed feed) {
        DefaultMessageListenerContainer container = new DefaultMessageListenerContainer();
        container.setConnectionFactory(ConnectionFactoryUnwrapper.unwrapCaching(connectionFactory));
        container.setDestinationName(NOTIFICATIONS_TOPIC);
        container.setPubSubDomain(true);
        container.setConcurrentConsumers(1);
        container.setMessageListener((MessageListener) message -> {
            try {
                String recipient = message.getStringProperty("recipient");
                if (recipient != null) {
                    feed.announced(recipient);
                }
            } catch (JMSException e) {
                // the streams' own catch-up finds it
            }
        });
        return container;
    }

    /** Starts the progress loop once every bean (and the database migration) is ready. */
    @Bean
    SmartLifecycle escrowProgressLifecycle(EscrowProgress progress) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                progress.start();
                running = true;
            }

            @Override
            public void stop() {
                progress.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }

    @Bean
    EscrowDecisions escrowDecisions(
            JdbcEscrowStore store,
            EscrowAnchoring anchoring,
            EscrowLedger ledger,
            Participants participants,
            LedgerProperties ledgerProperties,
            KeyCustody custody,
            Clock clock) {
        byte[] institutionKey =
                custody.encryptionPublicKey(LedgerIdentities.institution(ledgerProperties.institution()));
        return new EscrowDecisions(store, anchoring, ledger, participants, institutionKey, clock);
    }

    /**
     * MLLP senders that asked for application acknowledgments always (MSH-15 set, MSH-16 {@code AL})
     * and have a listener configured hear each message's escrow outcome as an ACK {@code AA}.
     */
    @Bean
    SmartInitializingSingleton escrowOutcomeAcks(
            EscrowProgress progress, PrivacyModule module, MessageStore messages, ApplicationAcks acks) {
        return () -> progress.outcomes(r -> module.report(r.report())
                .map(ProtectStore.ReportRecord::messageId)
                .flatMap(messages::load)
                .ifPresent(message -> acks.reportOutcome(message, EscrowOutcomeText.of(r))));
    }

    @Bean
    EscrowStage escrowStage(
            PrivacyModule module,
            BundleStore bundles,
            JdbcEscrowStore store,
            EscrowLedger ledger,
            EscrowProperties properties,
            Clock clock,
            EscrowProgress progress) {
        return new EscrowStage(module, bundles, store, ledger, properties, clock, progress::wake);
    }
}
