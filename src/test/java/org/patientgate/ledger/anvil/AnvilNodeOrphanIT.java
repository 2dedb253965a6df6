package org.patientgate.ledger.anvil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.LedgerTestBed;

/**
 * The embedded node is never left orphaned: when the process that started it dies by SIGKILL (no
 * shutdown hook runs), anvil stops too, and it writes its state on the way out.
 */
class AnvilNodeOrphanIT {

    @TempDir
    Path dir;

    @Test
    void hubKilledWithSigkill_takesItsAnvilNodeDown_andTheNodeDumpsItsState() throws Exception {
        Path state = dir.resolve("state.json");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process hub = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classpath,
                        AnvilChildMain.class.getName(),
                        LedgerTestBed.ANVIL.toAbsolutePath().toString(),
                        state.toString()))
                .redirectErrorStream(true)
                .start();
        long anvilPid;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(hub.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("anvil "));
            assertThat(line).as("the child printed its anvil pid").isNotNull();
            anvilPid = Long.parseLong(line.split(" ")[1]);
            Optional<ProcessHandle> anvil = ProcessHandle.of(anvilPid);
            assertThat(anvil).as("anvil runs").isPresent();
            assertThat(Files.exists(state)).isFalse();

            hub.destroyForcibly().waitFor();

            await().atMost(Duration.ofSeconds(20))
                    .until(() ->
                            ProcessHandle.of(anvilPid).map(p -> !p.isAlive()).orElse(true));
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(state) > 0);
        }
    }
}
