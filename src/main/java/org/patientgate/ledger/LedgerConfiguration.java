package org.patientgate.ledger;

import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.patientgate.config.HubProperties;
import org.patientgate.ledger.jdbc.JdbcDeployments;
import org.patientgate.ledger.jdbc.JdbcEscrowAnchoring;
import org.patientgate.ledger.jdbc.JdbcLedgerEvents;
import org.patientgate.ledger.jdbc.JdbcLedgerOutbox;
import org.patientgate.ledger.web3j.Web3jLedger;
import org.patientgate.protect.KeyCustody;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the ledger capability ({@code hub.ledger.*}): the outbox and escrow batching in PostgreSQL,
 * and the chain side (embedded anvil or a configured network) started as a lifecycle after the
 * database is migrated and stopped before it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.ledger.enabled", havingValue = "true", matchIfMissing = true)
public class LedgerConfiguration {

    @Bean
    JdbcLedgerOutbox ledgerOutbox(DataSource dataSource) {
        return new JdbcLedgerOutbox(dataSource);
    }

    @Bean
    JdbcEscrowAnchoring escrowAnchoring(DataSource dataSource, JdbcLedgerOutbox outbox, LedgerProperties ledger) {
        return new JdbcEscrowAnchoring(
                dataSource,
                outbox,
                LedgerIdentities.institution(ledger.institution()),
                ledger.batch().size(),
                ledger.batch().maxWait(),
                ledger.batch().escrowPeriod(),
                Clock.systemUTC());
    }

    @Bean(destroyMethod = "")
    Web3jLedger web3jLedger(
            LedgerProperties ledger,
            HubProperties hub,
            KeyCustody keys,
            JdbcLedgerOutbox outbox,
            JdbcEscrowAnchoring anchoring,
            DataSource dataSource,
            ObjectProvider<LedgerEventListener> listeners) {
        return new Web3jLedger(
                ledger,
                hub.dataDir(),
                keys,
                outbox,
                anchoring,
                new JdbcLedgerEvents(dataSource),
                new JdbcDeployments(dataSource),
                List.copyOf(listeners.orderedStream().toList()));
    }

    /** Starts the ledger after every bean (and the database migration) is ready; stops it early. */
    @Bean
    SmartLifecycle ledgerLifecycle(Web3jLedger ledger) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                try {
                    ledger.start();
                } catch (RuntimeException e) {
                    ledger.close(); // stop the node and client it may have started; the hub does not start
                    throw e;
                }
                running = true;
            }

            @Override
            public void stop() {
                ledger.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                // after the database; the API answers 503 until the ledger is ready
                return Integer.MAX_VALUE - 2000;
            }
        };
    }

    /**
     * Ledger metrics: outbox depth, failures and the oldest open write's age, entries waiting for a
     * batch, transactions sent, and writes found already on the chain.
     */
    @Bean
    io.micrometer.core.instrument.binder.MeterBinder ledgerMetrics(
            Web3jLedger ledger, JdbcLedgerOutbox outbox, JdbcEscrowAnchoring anchoring) {
        return registry -> {
            io.micrometer.core.instrument.Gauge.builder(
                            "hub.ledger.outbox.open", outbox, o -> o.depth().open())
                    .description("ledger writes not yet on the chain")
                    .register(registry);
            io.micrometer.core.instrument.Gauge.builder(
                            "hub.ledger.outbox.failed", outbox, o -> o.depth().failed())
                    .description("ledger writes parked after repeated contract refusals")
                    .register(registry);
            io.micrometer.core.instrument.Gauge.builder("hub.ledger.outbox.oldest.age", outbox, o -> o.depth()
                            .oldestOpen()
                            .map(t -> java.time.Duration.between(t, java.time.Instant.now())
                                            .toMillis()
                                    / 1000.0)
                            .orElse(0.0))
                    .baseUnit("seconds")
                    .description("how long the oldest open ledger write has waited")
                    .register(registry);
            io.micrometer.core.instrument.Gauge.builder("hub.ledger.escrow.queued", anchoring, a -> a.queued())
                    .description("escrow entries waiting for a Merkle batch")
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder(
                            "hub.ledger.transactions.sent",
                            ledger,
                            l -> l.publisher() == null ? 0 : l.publisher().sentCount())
                    .description("transactions the hub sent to the chain")
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder(
                            "hub.ledger.writes.recognised",
                            ledger,
                            l -> l.publisher() == null ? 0 : l.publisher().recognisedCount())
                    .description("ledger writes found already on the chain and not sent again")
                    .register(registry);
        };
    }

    @Bean
    HealthIndicator ledgerHealthIndicator(Web3jLedger ledger) {
        return () -> {
            if (!ledger.ready()) {
                return Health.down().withDetail("ledger", "starting").build();
            }
            LedgerExplorer.Status s = ledger.status();
            Health.Builder b = s.reachable() ? Health.up() : Health.down();
            return b.withDetail("chainId", s.chainId())
                    .withDetail("mode", s.mode())
                    .withDetail("headBlock", s.headBlock())
                    .withDetail("outboxOpen", s.outboxOpen())
                    .withDetail("outboxFailed", s.outboxFailed())
                    .build();
        };
    }
}
