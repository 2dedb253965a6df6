package org.patientgate.protect;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the privacy module over the hub's PostgreSQL (protect/jdbc) and its key custody. */
@Configuration(proxyBeanMethods = false)
class PrivacyModuleConfiguration {

    @Bean
    ProtectStore protectStore(javax.sql.DataSource dataSource) {
        return new org.patientgate.protect.jdbc.JdbcProtectStore(dataSource);
    }

    @Bean
    BlobStore blobStore(javax.sql.DataSource dataSource) {
        return new org.patientgate.protect.jdbc.JdbcBlobStore(dataSource);
    }

    /** The privacy module, with whatever decrypt policies and other wrapped keys the hub has. */
    @Bean
    PrivacyModule privacyModule(
            ProtectStore store,
            BlobStore blobs,
            KeyEncryptionKeys keks,
            KeyCustody custody,
            ProtectProperties properties,
            org.springframework.beans.factory.ObjectProvider<DecryptPolicy> policies,
            org.springframework.beans.factory.ObjectProvider<PrivacyModule.KeyRewrapper> rewrappers,
            io.micrometer.core.instrument.MeterRegistry registry) {
        return new PrivacyModule(
                store,
                blobs,
                keks,
                custody,
                new ReportProtector(keks, properties.spareSlots()),
                () -> policies.orderedStream().toList(),
                () -> rewrappers.orderedStream().toList(),
                java.time.Clock.systemUTC(),
                registry);
    }
}
