package org.patientgate.support;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.patientgate.config.postgres.EmbeddedPostgresServer;

/**
 * The hub's embedded PostgreSQL under a test directory, migrated by Flyway with the hub's own
 * migrations, and a pool to it: for integration tests of one JDBC adapter without the whole hub.
 */
public final class MigratedPostgres implements AutoCloseable {

    public final EmbeddedPostgresServer server;
    public final HikariDataSource dataSource;

    private MigratedPostgres(EmbeddedPostgresServer server, HikariDataSource dataSource) {
        this.server = server;
        this.dataSource = dataSource;
    }

    public static MigratedPostgres start(Path dir) throws Exception {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir.resolve("postgres"), Duration.ofSeconds(60));
        server.start();
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(server.jdbcUrl());
        ds.setUsername(server.username());
        ds.setPassword(server.password());
        ds.setMaximumPoolSize(8);
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return new MigratedPostgres(server, ds);
    }

    @Override
    public void close() throws Exception {
        dataSource.close();
        server.close();
    }
}
