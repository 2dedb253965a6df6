package org.patientgate.normalize;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.ZoneId;
import javax.sql.DataSource;
import org.patientgate.ingest.ApplicationAcks;
import org.patientgate.ingest.MessageStore;
import org.patientgate.normalize.jdbc.JdbcBundleStore;
import org.patientgate.normalize.mapping.InvalidMappingsException;
import org.patientgate.protect.AtRestCipher;
import org.patientgate.protect.jdbc.JdbcLegacySealer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/** Wires normalization: the mappings folder, the bundle store, and the pipeline stage. */
@Configuration(proxyBeanMethods = false)
class NormalizeConfiguration {

    private static final Logger log = LoggerFactory.getLogger(NormalizeConfiguration.class);

    @Bean
    Normalizer normalizer(@Value("${hub.mappings-dir:./mappings}") Path mappingsDir, NormalizeProperties properties)
            throws InvalidMappingsException {
        ZoneId zone = properties.defaultZone().isBlank() ? ZoneId.systemDefault() : ZoneId.of(properties.defaultZone());
        try {
            Normalizer normalizer = Normalizer.load(mappingsDir, zone);
            var mappings = normalizer.mappings();
            log.info(
                    "Mappings loaded from {}: {} files, structures {}, {} site folder(s)",
                    mappingsDir.toAbsolutePath().normalize(),
                    mappings.fileCount(),
                    new java.util.TreeSet<>(mappings.base().structures().keySet()),
                    mappings.sites().size());
            return normalizer;
        } catch (InvalidMappingsException e) {
            e.errors().forEach(error -> log.error("Mapping error: {}", error));
            throw e;
        }
    }

    @Bean
    BundleStore bundleStore(DataSource dataSource, AtRestCipher atRestCipher) {
        return new JdbcBundleStore(dataSource, atRestCipher);
    }

    /** Bundles written in clear before encryption at rest are sealed in the background at start. */
    @Bean
    JdbcLegacySealer.Column sealedCanonicalBundle() {
        return JdbcBundleStore.SEALED_BUNDLE;
    }

    @Bean
    @Lazy
    BundleValidator bundleValidator(FhirContext fhirContext, org.patientgate.ingest.FhirIntake fhirIntake) {
        // One R4 validator in the hub: its definitions are a large part of the heap.
        return new BundleValidator(fhirContext, fhirIntake.validator());
    }

    @Bean
    NormalizeStage normalizeStage(
            MessageStore messages,
            BundleStore bundles,
            Normalizer normalizer,
            ObjectProvider<BundleValidator> validator,
            NormalizeProperties properties,
            ApplicationAcks applicationAcks,
            MeterRegistry registry) {
        return new NormalizeStage(
                messages,
                bundles,
                normalizer,
                validator::getObject,
                properties.validateSampleRate(),
                applicationAcks,
                registry);
    }
}
