package org.patientgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class HubEnvironmentPostProcessorTest {

    private final HubEnvironmentPostProcessor processor = new HubEnvironmentPostProcessor();

    private StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        processor.postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void runsArtemisEmbeddedAndPersistentUnderTheDataDir_byDefault() {
        StandardEnvironment env = environment(Map.of("hub.data-dir", "/srv/hub"));
        assertThat(env.getProperty("spring.artemis.mode")).isEqualTo("embedded");
        assertThat(env.getProperty("spring.artemis.embedded.enabled")).isEqualTo("true");
        assertThat(env.getProperty("spring.artemis.embedded.persistent")).isEqualTo("true");
        assertThat(env.getProperty("spring.artemis.embedded.data-directory")).isEqualTo("/srv/hub/artemis");
    }

    @Test
    void switchesTheEmbeddedBrokerOff_whenABrokerUrlIsGiven() {
        StandardEnvironment env = environment(Map.of("spring.artemis.broker-url", "tcp://mq.example:61616"));
        assertThat(env.getProperty("spring.artemis.mode")).isEqualTo("native");
        assertThat(env.getProperty("spring.artemis.embedded.enabled")).isEqualTo("false");
    }

    @Test
    void explicitSettingsWinOverDerivedOnes() {
        StandardEnvironment env = environment(Map.of("spring.artemis.embedded.persistent", "false"));
        assertThat(env.getProperty("spring.artemis.embedded.persistent")).isEqualTo("false");
    }

    @Test
    void loadsRoutesFromTheRoutesDir() {
        StandardEnvironment env = environment(Map.of("hub.routes-dir", "/etc/hub/routes"));
        assertThat(env.getProperty("camel.main.routes-include-pattern"))
                .isEqualTo("file:/etc/hub/routes/**/*.camel.yaml");
    }
}
