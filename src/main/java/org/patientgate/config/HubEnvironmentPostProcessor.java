package org.patientgate.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Derives the embedded parts' settings from {@code hub.data-dir} and switches them off when the
 * operator points the hub at external servers.
 *
 * <p>Artemis runs embedded, persistent, with its journal in {@code <data-dir>/artemis}, unless
 * {@code spring.artemis.broker-url} is set (on the command line, in the environment or in an
 * application.yaml); then the hub connects to that broker and starts none.
 * (The embedded PostgreSQL follows the same rule with {@code spring.datasource.url}, see {@link
 * EmbeddedPostgresConfiguration}.) The routes are loaded from {@code hub.routes-dir}. Values set
 * explicitly anywhere else win over these, which are added last.
 */
public class HubEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String SOURCE_NAME = "patientgate-derived-defaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> derived = new LinkedHashMap<>();
        String brokerUrl = environment.getProperty("spring.artemis.broker-url", "");
        if (brokerUrl.isBlank()) {
            derived.put("spring.artemis.mode", "embedded");
            derived.put("spring.artemis.embedded.enabled", "true");
            derived.put("spring.artemis.embedded.persistent", "true");
            // A placeholder, resolved when bound, so a data directory set late (tests) is honoured.
            derived.put("spring.artemis.embedded.data-directory", "${hub.data-dir:./data}/artemis");
        } else {
            derived.put("spring.artemis.mode", "native");
            derived.put("spring.artemis.embedded.enabled", "false");
        }
        derived.put("camel.main.routes-include-pattern", "file:${hub.routes-dir:./routes}/**/*.camel.yaml");
        if ("false".equals(environment.getProperty("hub.ledger.enabled", "true"))) {
            // the escrow stage files entries for the ledger: without one it has nothing to do
            derived.put("camel.main.routes-exclude-pattern", "file:${hub.routes-dir:./routes}/escrow/**");
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, derived));
    }
}
