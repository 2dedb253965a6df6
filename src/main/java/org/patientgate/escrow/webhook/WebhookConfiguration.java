package org.patientgate.escrow.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.MessageListener;
import jakarta.jms.TextMessage;
import java.time.Clock;
import javax.sql.DataSource;
import org.patientgate.escrow.webhook.jdbc.JdbcWebhookStore;
import org.patientgate.protect.AtRestCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jms.ConnectionFactoryUnwrapper;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jms.listener.DefaultMessageListenerContainer;

/**
 * Patients' notification webhooks, which exist with the consent escrow (only when the hub follows a
 * ledger): the store, the registration service, the senders (started once the context is up, stopped
 * on close) and the listener on the {@code hub.notifications} topic that hands them each new
 * notification at once.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.ledger.enabled", havingValue = "true", matchIfMissing = true)
class WebhookConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WebhookConfiguration.class);

    /** The topic the escrow announces every new notification's id on (non-persistent). */
    static final String NOTIFICATIONS_TOPIC = "hub.notifications";

    @Bean
    JdbcWebhookStore webhookStore(DataSource dataSource) {
        return new JdbcWebhookStore(dataSource);
    }

    @Bean(destroyMethod = "close")
    WebhookDispatcher webhookDispatcher(
            JdbcWebhookStore store,
            AtRestCipher cipher,
            WebhookProperties properties,
            MeterRegistry registry,
            Clock clock) {
        return new WebhookDispatcher(store, cipher, properties, registry, clock);
    }

    @Bean
    Webhooks webhooks(
            JdbcWebhookStore store, AtRestCipher cipher, WebhookProperties properties, WebhookDispatcher dispatcher) {
        return new Webhooks(store, cipher, properties, dispatcher::wake);
    }

    /** Starts the senders once every bean (and the database migration) is ready. */
    @Bean
    SmartLifecycle webhookDispatcherLifecycle(WebhookDispatcher dispatcher) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                dispatcher.start();
                running = true;
            }

            @Override
            public void stop() {
                dispatcher.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }

    /**
     * A non-durable subscriber of the notifications topic (one consumer, as a topic needs). Best
     * effort like the topic: a message missed here is found by the senders' scan.
     */
    @Bean
    DefaultMessageListenerContainer webhookNotificationListener(
            ConnectionFactory connectionFactory, WebhookDispatcher dispatcher) {
        DefaultMessageListenerContainer container = new DefaultMessageListenerContainer();
        // a listener container keeps its own consumers; the session cache is for senders
        container.setConnectionFactory(ConnectionFactoryUnwrapper.unwrapCaching(connectionFactory));
        container.setDestinationName(NOTIFICATIONS_TOPIC);
        container.setPubSubDomain(true);
        container.setConcurrentConsumers(1);
        container.setMessageListener((MessageListener) message -> {
            try {
                if (message instanceof TextMessage) {
                    dispatcher.onNotification(
                            Long.parseLong(((TextMessage) message).getText().strip()));
                }
            } catch (JMSException | NumberFormatException e) {
                log.warn("Ignoring a notification announcement that is not a notification id");
            } catch (RuntimeException e) {
                // the scan makes these deliveries later
                log.warn("Webhook deliveries of an announced notification failed: {}", e.getMessage());
            }
        });
        return container;
    }
}
