package org.patientgate.web;

import org.patientgate.config.HubProperties;
import org.patientgate.config.SecretFiles;
import org.patientgate.participant.ParticipantSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API's guards: participants' sessions on their own paths ({@link ApiAccess}), and the operations
 * token everywhere else. {@code hub.api.token} (env {@code HUB_API_TOKEN}) is the engineers' bearer
 * token; when unset, one is generated on first start into {@code <hub.data-dir>/api-token},
 * readable by its owner only, and the log says where it is (never what it is).
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WebConfiguration.class);

    @Bean
    FilterRegistrationBean<ApiTokenFilter> apiTokenFilter(HubProperties hub, @Value("${hub.api.token:}") String token) {
        if (token.isBlank()) {
            var file = hub.dataDir().resolve("api-token");
            token = SecretFiles.readOrGenerate(file);
            log.info(
                    "Operations API bearer token: set HUB_API_TOKEN, or use the generated one in {}",
                    file.toAbsolutePath());
        }
        FilterRegistrationBean<ApiTokenFilter> registration = new FilterRegistrationBean<>(new ApiTokenFilter(token));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(0);
        return registration;
    }

    /** Participants' sessions on their paths (after the operations guard, which leaves those alone). */
    @Bean
    FilterRegistrationBean<ParticipantSessionFilter> participantSessionFilter(ParticipantSessions sessions) {
        FilterRegistrationBean<ParticipantSessionFilter> registration =
                new FilterRegistrationBean<>(new ParticipantSessionFilter(sessions));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(1);
        return registration;
    }
}
