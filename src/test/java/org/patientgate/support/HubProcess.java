package org.patientgate.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged hub ({@code target/patientgate.jar}) run as its own process, the way an operator
 * runs it, so tests can kill it with SIGKILL and start it again on the same data directory.
 */
public final class HubProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "patientgate.jar");

    private final Path dataDir;
    private final int httpPort;
    private final int mllpPort;
    private final String apiToken;
    private Process process;
    private int starts;

    public HubProcess(Path dataDir, String apiToken) {
        this.dataDir = dataDir;
        this.httpPort = HubIntegrationTest.freePort();
        this.mllpPort = HubIntegrationTest.freePort();
        this.apiToken = apiToken;
    }

    /** Starts the jar with extra {@code --key=value} arguments and waits until health is UP. */
    public void start(String... extraArguments) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after `mvn package`");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar",
                JAR.toString(),
                "--hub.data-dir=" + dataDir,
                "--server.port=" + httpPort,
                "--hub.mllp.port=" + mllpPort,
                "--hub.mllp.host=127.0.0.1",
                "--hub.api.token=" + apiToken,
                "--hub.fhir.token=" + apiToken + "-fhir"));
        command.addAll(List.of(extraArguments));
        Files.createDirectories(dataDir);
        starts++;
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("hub-" + starts + ".log").toFile())
                .start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the hub exited with " + process.exitValue() + "; see "
                                + dataDir.resolve("hub-" + starts + ".log"));
                    }
                    try {
                        HttpResponse<String> health = http.send(
                                HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        return health.statusCode() == 200 && health.body().startsWith("{\"status\":\"UP\"");
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the graceful shutdown. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int mllpPort() {
        return mllpPort;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
