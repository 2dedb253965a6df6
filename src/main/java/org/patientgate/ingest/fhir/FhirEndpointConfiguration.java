package org.patientgate.ingest.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.time.Clock;
import org.patientgate.config.HubProperties;
import org.patientgate.config.SecretFiles;
import org.patientgate.ingest.FhirIngestProperties;
import org.patientgate.ingest.FhirIntake;
import org.patientgate.ingest.MessageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Mounts HAPI FHIR's server at {@code /fhir}: CapabilityStatement at {@code GET /fhir/metadata},
 * the ingest write operations, OperationOutcome errors, JSON by default.
 */
@Configuration(proxyBeanMethods = false)
class FhirEndpointConfiguration {

    private static final Logger log = LoggerFactory.getLogger(FhirEndpointConfiguration.class);

    @Bean
    FhirIntake fhirIntake(MessageStore store, FhirContext fhir, FhirIngestProperties properties, Clock clock) {
        return new FhirIntake(store, fhir, properties, clock);
    }

    @Bean
    ServletRegistrationBean<RestfulServer> fhirServlet(
            FhirContext fhir, FhirIntake intake, FhirIngestProperties properties, HubProperties hub) {
        String token = properties.token();
        if (token == null || token.isBlank()) {
            var file = hub.dataDir().resolve("fhir-token");
            token = SecretFiles.readOrGenerate(file);
            log.info(
                    "FHIR endpoint bearer token: set HUB_FHIR_TOKEN, or use the generated one in {}",
                    file.toAbsolutePath());
        }
        RestfulServer server = new RestfulServer(fhir);
        server.setServerName("PatientGate FHIR R4 ingest");
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.registerProvider(new FhirIngestProvider(intake, properties.channel()));
        server.registerInterceptor(new FhirGatekeeper(intake, properties.channel(), token, properties.maxBodyBytes()));
        ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(server, "/fhir/*");
        registration.setName("fhir");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
