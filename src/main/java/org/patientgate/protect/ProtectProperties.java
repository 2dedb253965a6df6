package org.patientgate.protect;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The privacy module ({@code hub.protect.*}).
 *
 * @param spareSlots spare sub-key slots made with every report, sealed to the patient for allocation
 *     to nodes (the patient can ask for more later by presenting slot 0)
 * @param consumers concurrent protection consumers on the normalized-bundle queue
 * @param rotationBatchSize module halves re-wrapped per transaction during a KEK rotation
 */
@Validated
@ConfigurationProperties("hub.protect")
public record ProtectProperties(
        @DefaultValue("8") @Min(0) @Max(1000) int spareSlots,
        @DefaultValue("2") @Min(1) int consumers,
        @DefaultValue("1000") @Min(1) int rotationBatchSize) {}
