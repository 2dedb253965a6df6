package org.patientgate.web;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Reports the hub UP only when Camel has started and every route meant to run is running (the MLLP
 * listener among them), and the outbox relay is handing messages on. Database and broker health
 * come from Spring Boot's own indicators, so {@code /actuator/health} is UP only when all parts are.
 */
@Component("hub")
class HubHealthIndicator implements HealthIndicator {

    private final CamelContext camel;
    private final SmartLifecycle outboxRelay;

    HubHealthIndicator(CamelContext camel, org.patientgate.ingest.OutboxRelay outboxRelay) {
        this.camel = camel;
        this.outboxRelay = outboxRelay;
    }

    @Override
    public Health health() {
        Health.Builder builder = camel.getStatus() == ServiceStatus.Started ? Health.up() : Health.down();
        builder.withDetail("camel", camel.getStatus().name());
        for (Route route : camel.getRoutes()) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
            builder.withDetail("route." + route.getRouteId(), status == null ? "unknown" : status.name());
            boolean meantToRun = route.isAutoStartup();
            if (meantToRun && status != ServiceStatus.Started) {
                builder.down();
            }
        }
        if (camel.getRoutes().isEmpty()) {
            builder.down().withDetail("routes", "no routes loaded; check hub.routes-dir");
        }
        builder.withDetail("outboxRelay", outboxRelay.isRunning() ? "running" : "stopped");
        if (!outboxRelay.isRunning()) {
            builder.down();
        }
        return builder.build();
    }
}
