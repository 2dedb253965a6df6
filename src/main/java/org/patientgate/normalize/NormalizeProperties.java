package org.patientgate.normalize;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Normalization ({@code hub.normalize.*}).
 *
 * @param defaultZone time zone for HL7 date/times sent without an offset, for senders whose site
 *     folder does not set one; empty means the hub's own zone
 * @param validateSampleRate share of bundles (0 to 1) also checked by the full FHIR R4 validator in
 *     the pipeline; every bundle passes the fast structural check regardless
 * @param consumers concurrent normalization consumers on the ingest queue
 */
@Validated
@ConfigurationProperties("hub.normalize")
public record NormalizeProperties(
        @DefaultValue("") String defaultZone,
        @DefaultValue("0.001") @DecimalMin("0") @DecimalMax("1") double validateSampleRate,
        @DefaultValue("2") int consumers) {}
