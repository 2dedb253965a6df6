package org.patientgate.camel;

import org.apache.camel.ProducerTemplate;
import org.patientgate.ingest.ApplicationAcks;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The hub's ports implemented with Camel components, so the capabilities themselves stay free of
 * Camel (see ArchitectureTest).
 */
@Configuration(proxyBeanMethods = false)
class CamelAdapters {

    /**
     * Application acknowledgments go out through camel-mllp's producer: it frames the message, waits
     * for the peer's acknowledgment and fails on a negative one or a timeout.
     */
    @Bean
    ApplicationAcks.Transport mllpTransport(ProducerTemplate producer) {
        return (hostPort, message, charset) -> producer.requestBody(
                "mllp://" + hostPort + "?connectTimeout=5000&receiveTimeout=15000&charsetName=" + charset.name(),
                message);
    }
}
