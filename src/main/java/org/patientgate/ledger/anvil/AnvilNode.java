package org.patientgate.ledger.anvil;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: a local anvil node run as a child process on a free loopback port, its chain
 * kept in a state file so a restart sees the same chain.
 *
 * <p>anvil is started under a small {@code sh} guard that holds the hub's end of a pipe on its
 * standard input: when the hub exits for any reason, including {@code kill -9}, the pipe closes, the
 * guard sends anvil SIGTERM, and anvil writes its state and exits, so the node is never left
 * orphaned. anvil also dumps its state every {@code stateInterval}; the hub re-publishes whatever a
 * crash between two dumps lost (the ledger outbox's reconciliation).
 */
public final class AnvilNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AnvilNode.class);
    private static final Pattern LISTENING = Pattern.compile("Listening on ([0-9.]+):(\\d+)");
    private static final Pattern CHILD_PID = Pattern.compile("^anvil-pid (\\d+)$");

    // The guard: anvil in the background with stdin from /dev/null; a watcher reads the hub's pipe
    // (fd 3) until EOF (hub gone or stopping) and then stops anvil gracefully so it dumps its state.
    // The guard itself waits for anvil, so it reaps it and exits when anvil exits for any reason.
    private static final String GUARD = "exec 3<&0\n"
            + "\"$@\" </dev/null & child=$!\n"
            + "echo \"anvil-pid $child\"\n"
            + "{ while read -r _ <&3; do :; done; kill -TERM $child 2>/dev/null; } &\n"
            + "watcher=$!\n"
            + "trap 'kill -TERM $child 2>/dev/null; wait $child; exit $?' TERM INT HUP\n"
            + "wait $child\n"
            + "status=$?\n"
            + "kill $watcher 2>/dev/null\n"
            + "exit $status\n";

    private final Path binary;
    private final Path stateFile;
    private final long chainId;
    private final Duration stateInterval;
    private final Duration startTimeout;

    private Process guard;
    private ProcessHandle anvil;
    private volatile String rpcUrl;
    private int port; // 0 until the first start; a restart asks for the same port so the URL holds
    private final List<String> recentOutput = new ArrayList<>();

    /**
     * @param binary the anvil executable (installed by the build from the pinned npm package)
     * @param stateFile where the chain is kept; loaded at start if present
     * @param chainId the chain id the node reports
     * @param stateInterval how often anvil writes its state besides at shutdown
     * @param startTimeout how long to wait for the node to listen
     */
    public AnvilNode(Path binary, Path stateFile, long chainId, Duration stateInterval, Duration startTimeout) {
        this.binary = binary;
        this.stateFile = stateFile;
        this.chainId = chainId;
        this.stateInterval = stateInterval;
        this.startTimeout = startTimeout;
    }

    /** Starts the node and waits until it listens; a state file anvil refuses is set aside once. */
    public synchronized AnvilNode start() {
        if (isRunning()) {
            return this;
        }
        if (anvil != null && anvil.isAlive()) {
            // the guard is gone but anvil still writes its state: a restart must not race it
            try {
                anvil.onExit().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                anvil.destroyForcibly();
            }
        }
        if (guard != null) {
            guard.destroyForcibly(); // the node died under it (crash or kill); its guard has nothing to guard
            guard = null;
        }
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("the anvil binary " + binary.toAbsolutePath()
                    + " is missing: build the project (mvn -B -DskipTests package runs npm ci in contracts/)"
                    + " or set hub.ledger.anvil.binary, or use an external chain with hub.ledger.rpc-url");
        }
        try {
            Files.createDirectories(stateFile.toAbsolutePath().getParent());
            try {
                launch();
            } catch (IllegalStateException first) {
                if (!Files.exists(stateFile)
                        || !lastOutput().contains(stateFile.getFileName().toString())) {
                    throw first; // not a state-file problem (port taken, binary broken): keep the chain
                }
                Path aside = stateFile.resolveSibling(
                        stateFile.getFileName() + ".unreadable-" + Instant.now().getEpochSecond());
                Files.move(stateFile, aside, StandardCopyOption.ATOMIC_MOVE);
                log.warn(
                        "anvil did not start from its state file; set it aside as {} and starting a new chain"
                                + " (the hub re-publishes its outbox to it)",
                        aside.getFileName());
                launch();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start anvil", e);
        }
        return this;
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", GUARD, "anvil-guard"));
        command.addAll(List.of(
                binary.toAbsolutePath().toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--chain-id",
                Long.toString(chainId),
                "--accounts",
                "0",
                "--state",
                stateFile.toAbsolutePath().toString(),
                "--state-interval",
                Long.toString(Math.max(1, stateInterval.toSeconds())),
                "--preserve-historical-states"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        CompletableFuture<String> listening = new CompletableFuture<>();
        CompletableFuture<Long> childPid = new CompletableFuture<>();
        Thread reader = new Thread(() -> follow(p, listening, childPid), "anvil-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String url = listening.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            long pid = childPid.get(1, TimeUnit.SECONDS);
            this.guard = p;
            this.anvil = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("anvil exited at start"));
            this.rpcUrl = url;
            this.port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
            log.info("Local ledger node (anvil, chain id {}) listening on {}, state in {}", chainId, url, stateFile);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    "anvil did not start within " + startTimeout + "; last output: " + lastOutput());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting anvil");
        }
    }

    private void follow(Process p, CompletableFuture<String> listening, CompletableFuture<Long> childPid) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher pid = CHILD_PID.matcher(line);
                if (pid.matches()) {
                    childPid.complete(Long.parseLong(pid.group(1)));
                    continue;
                }
                remember(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    listening.complete("http://" + m.group(1) + ":" + m.group(2));
                }
            }
        } catch (IOException e) {
            // the process went away; start() or the health check reports it
        }
        listening.completeExceptionally(new IllegalStateException("anvil exited"));
    }

    private void remember(String line) {
        synchronized (recentOutput) {
            recentOutput.add(line);
            if (recentOutput.size() > 20) {
                recentOutput.remove(0);
            }
        }
    }

    private String lastOutput() {
        synchronized (recentOutput) {
            return String.join(" | ", recentOutput.subList(Math.max(0, recentOutput.size() - 5), recentOutput.size()));
        }
    }

    /** The node's JSON-RPC URL, once started. */
    public synchronized String rpcUrl() {
        if (rpcUrl == null) {
            throw new IllegalStateException("anvil is not started");
        }
        return rpcUrl;
    }

    public long chainId() {
        return chainId;
    }

    public Path stateFile() {
        return stateFile;
    }

    /** Whether the node process is running. */
    public synchronized boolean isRunning() {
        // the guard exits as soon as anvil does (it reaps it), so a killed node never looks alive
        return guard != null && guard.isAlive() && anvil != null && anvil.isAlive();
    }

    /** The node's JSON-RPC URL as it will be after a restart too (same port). */
    public synchronized String lastRpcUrl() {
        return port == 0 ? null : "http://127.0.0.1:" + port;
    }

    /** The node's process, for health checks and for tests that simulate a crash. */
    public Optional<ProcessHandle> process() {
        return Optional.ofNullable(anvil);
    }

    /** Stops the node gracefully (it writes its state) and waits for it. */
    @Override
    public synchronized void close() {
        if (guard == null) {
            return;
        }
        try {
            guard.getOutputStream().close(); // EOF on the guard's stdin: it stops anvil with SIGTERM
        } catch (IOException e) {
            guard.destroy();
        }
        try {
            if (anvil != null) {
                anvil.onExit().get(20, TimeUnit.SECONDS);
            }
            guard.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("anvil did not stop in time; killing it");
            anvil.destroyForcibly();
        }
        guard.destroyForcibly();
        guard = null;
        rpcUrl = null;
    }
}
