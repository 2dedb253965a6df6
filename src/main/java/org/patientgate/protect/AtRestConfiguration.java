package org.patientgate.protect;

import java.util.List;
import javax.sql.DataSource;
import org.patientgate.protect.jdbc.JdbcAtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires encryption at rest: the {@link AtRestCipher} over the storage keys in PostgreSQL, created
 * after Flyway has migrated the database (its table) and wrapped by the module's KEKs, and the
 * background sealing of values other capabilities wrote in clear before it existed (each capability
 * names its sealed columns as {@link JdbcLegacySealer.Column} beans).
 */
@Configuration(proxyBeanMethods = false)
public class AtRestConfiguration {

    @Bean
    @DependsOnDatabaseInitialization
    JdbcAtRestCipher atRestCipher(DataSource dataSource, KeyEncryptionKeys keyEncryptionKeys) {
        return new JdbcAtRestCipher(dataSource, keyEncryptionKeys);
    }

    @Bean
    JdbcLegacySealer legacySealer(
            DataSource dataSource, JdbcAtRestCipher atRestCipher, ObjectProvider<JdbcLegacySealer.Column> columns) {
        return new JdbcLegacySealer(
                dataSource, atRestCipher, List.copyOf(columns.orderedStream().toList()));
    }

    /** Starts the sealing on its own daemon thread once the hub is up; readiness does not wait for it. */
    @Bean
    SmartLifecycle legacySealerLifecycle(JdbcLegacySealer sealer) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                sealer.start();
                running = true;
            }

            @Override
            public void stop() {
                sealer.stop();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
