package org.patientgate.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of integration tests that run the whole hub in-process with its real parts: the embedded
 * PostgreSQL and Artemis (under a fresh data directory), the routes from the project's {@code
 * routes/} folder, the MLLP listener on a free port, and the HTTP server on a random port. All
 * subclasses share one running hub (Spring caches the context). The listener here takes processing
 * ids P and T only, so that a valid but unaccepted one (D) can be tested.
 */
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class HubIntegrationTest {

    public static final String API_TOKEN = "it-api-token-" + Long.toHexString(System.nanoTime());
    public static final String FHIR_TOKEN = "it-fhir-token-" + Long.toHexString(System.nanoTime());
    protected static final int MLLP_PORT = freePort();
    /** Port a test listens on as the MLLP listener of sending application {@code APPACKSYS}. */
    protected static final int APPLICATION_ACK_PORT = freePort();

    protected static final int MAX_MESSAGE_BYTES = 65_536;
    protected static final int MAX_FRAME_BYTES = 131_072;
    protected static final int READ_TIMEOUT_MS = 1_000;
    protected static final int IDLE_TIMEOUT_MS = 5_000;
    protected static final int WEBHOOK_MAX_ATTEMPTS = 4;
    protected static final int WEBHOOK_RETRY_INITIAL_MS = 100;
    private static final Path DATA_DIR = dataDir();
    /** A copy of the project's mappings folder that tests may edit and reload. */
    protected static final Path MAPPINGS_DIR = mappingsCopy();

    @LocalServerPort
    protected int httpPort;

    @DynamicPropertySource
    static void hubProperties(DynamicPropertyRegistry registry) {
        registry.add("hub.data-dir", DATA_DIR::toString);
        registry.add("hub.mappings-dir", MAPPINGS_DIR::toString);
        registry.add("hub.mllp.port", () -> MLLP_PORT);
        registry.add("hub.mllp.host", () -> "127.0.0.1");
        registry.add("hub.mllp.max-message-bytes", () -> MAX_MESSAGE_BYTES);
        registry.add("hub.mllp.max-frame-bytes", () -> MAX_FRAME_BYTES);
        registry.add("hub.mllp.processing-ids", () -> "P,T");
        registry.add("hub.mllp.read-timeout-ms", () -> READ_TIMEOUT_MS);
        registry.add("hub.mllp.idle-timeout-ms", () -> IDLE_TIMEOUT_MS);
        registry.add("hub.api.token", () -> API_TOKEN);
        registry.add("hub.fhir.token", () -> FHIR_TOKEN);
        // Lower case, as an environment variable would bind it: MSH-3 is compared without case.
        registry.add("hub.mllp.application-acks.appacksys", () -> "127.0.0.1:" + APPLICATION_ACK_PORT);
        // Webhook retries in milliseconds, so a test sees a delivery retried and dead-lettered quickly.
        registry.add("hub.escrow.webhooks.max-attempts", () -> WEBHOOK_MAX_ATTEMPTS);
        registry.add("hub.escrow.webhooks.retry-initial", () -> WEBHOOK_RETRY_INITIAL_MS + "ms");
        registry.add("hub.escrow.webhooks.retry-max", () -> "400ms");
        registry.add("hub.escrow.webhooks.poll-interval", () -> "200ms");
    }

    protected String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    protected MllpTestClient mllp() throws IOException {
        return new MllpTestClient("127.0.0.1", MLLP_PORT);
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path mappingsCopy() {
        Path copy = DATA_DIR.resolveSibling(DATA_DIR.getFileName() + "-mappings");
        try (java.util.stream.Stream<Path> files = Files.walk(Path.of("mappings"))) {
            for (Path source : files.toList()) {
                Path target =
                        copy.resolve(Path.of("mappings").relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
            return copy;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path dataDir() {
        try {
            Path base = Path.of("target", "it-data");
            Files.createDirectories(base);
            return Files.createTempDirectory(base.toAbsolutePath(), "hub-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
