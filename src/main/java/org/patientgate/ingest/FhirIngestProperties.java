package org.patientgate.ingest;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The FHIR R4 REST endpoint and the upstream FHIR poll ({@code hub.fhir.*}).
 *
 * @param channel name of the REST channel in tracking and metrics
 * @param token bearer token FHIR clients present (env {@code HUB_FHIR_TOKEN}); when unset one is
 *     generated on first start and kept in {@code <hub.data-dir>/fhir-token}
 * @param maxBodyBytes largest request body taken
 * @param storeTimeout how long a request waits for the durable write before answering 503
 * @param poll the upstream poll
 */
@Validated
@ConfigurationProperties("hub.fhir")
public record FhirIngestProperties(
        @DefaultValue("fhir-default") @NotBlank String channel,
        String token,
        @DefaultValue("5242880") @Min(1024) int maxBodyBytes,
        @DefaultValue("10s") Duration storeTimeout,
        @DefaultValue Poll poll) {

    /**
     * @param enabled off by default; the route starts only when this is true
     * @param channel name of the poll channel in tracking and metrics, and the key of its cursor
     * @param baseUrl the EMR's FHIR R4 base URL
     * @param intervalMs milliseconds between polls
     * @param search extra search parameters for DiagnosticReport (e.g. {@code status=final})
     */
    public record Poll(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("fhir-poll") String channel,
            @DefaultValue("http://localhost:8081/fhir") String baseUrl,
            @DefaultValue("60000") @Min(100) long intervalMs,
            @DefaultValue("") String search) {}
}
