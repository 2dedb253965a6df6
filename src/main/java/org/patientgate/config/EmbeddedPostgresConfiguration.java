package org.patientgate.config;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import javax.sql.DataSource;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts the embedded PostgreSQL (data under {@code <hub.data-dir>/postgres}) and the connection pool
 * to it, unless {@code spring.datasource.url} names an external database, in which case Spring
 * Boot's own data source configuration takes over and no server is started.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
class EmbeddedPostgresConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedPostgresServer embeddedPostgresServer(HubProperties hub) throws Exception {
        EmbeddedPostgresServer server =
                new EmbeddedPostgresServer(hub.dataDir().resolve("postgres"), Duration.ofSeconds(60));
        server.start();
        return server;
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgresServer server) {
        HikariDataSource pool = new HikariDataSource();
        pool.setPoolName("hub-embedded-postgres");
        pool.setJdbcUrl(server.jdbcUrl());
        pool.setUsername(server.username());
        pool.setPassword(server.password());
        pool.setMaximumPoolSize(16);
        return pool;
    }
}
