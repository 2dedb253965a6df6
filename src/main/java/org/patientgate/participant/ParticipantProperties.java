package org.patientgate.participant;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The participant capability's settings ({@code hub.participants.*}).
 *
 * @param sessionTtl how long a session token from a signed challenge stays good: short, since a
 *     bearer token is as good as the key that earned it while it lasts
 * @param enrolmentCodeTtl how long a one-time enrolment code an engineer hands a patient stays good
 */
@ConfigurationProperties("hub.participants")
public record ParticipantProperties(
        @DefaultValue("15m") Duration sessionTtl, @DefaultValue("30d") Duration enrolmentCodeTtl) {}
