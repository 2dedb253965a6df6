package org.patientgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Cipher;
import org.HdrHistogram.Histogram;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.flywaydb.core.Flyway;
import org.patientgate.config.postgres.EmbeddedPostgresServer;
import org.patientgate.escrow.ProtectStage;
import org.patientgate.ingest.jdbc.JdbcMessageStore;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.normalize.jdbc.JdbcBundleStore;
import org.patientgate.participant.jdbc.JdbcParticipants;
import org.patientgate.participant.jdbc.JdbcPatientLinks;
import org.patientgate.protect.BlobStore;
import org.patientgate.protect.CustodyKeyEncryptionKeys;
import org.patientgate.protect.DecryptRequest;
import org.patientgate.protect.Hpke;
import org.patientgate.protect.IdentifierBlinding;
import org.patientgate.protect.KeyEncryptionKeys;
import org.patientgate.protect.PrivacyModule;
import org.patientgate.protect.ProtectStore;
import org.patientgate.protect.ProtectedReport;
import org.patientgate.protect.ReportCipher;
import org.patientgate.protect.ReportProtector;
import org.patientgate.protect.SubKeyString;
import org.patientgate.protect.jdbc.JdbcAtRestCipher;
import org.patientgate.protect.jdbc.JdbcBlobStore;
import org.patientgate.protect.jdbc.JdbcProtectStore;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;

/**
 * Throughput of the privacy module (docs/BENCHMARKS.md, "Privacy module"), on the real parts:
 * embedded PostgreSQL (synchronous commit, fsync on), a PKCS#12 keystore holding the KEK,
 * {@link JdbcProtectStore} and {@link JdbcBlobStore}, wired as in {@code PrivacyModuleIT}.
 *
 * <ol>
 *   <li>Breakdown without the database, in this JVM: the parts of {@link ReportProtector#protect} one
 *       at a time on one thread (µs per report), then the whole protector on 1 and 2 threads.
 *   <li>Protect stage: {@code --reports} canonical bundles of about 15 KB (a golden ORU^R01 bundle
 *       padded with Observations; every report's bytes differ) through {@link PrivacyModule#protectAll}
 *       in batches of ids from {@code --threads} concurrent consumers, each report with 1 + {@code
 *       --spare} slots and sealed to one of 1,000 patient keys. Timed end to end: encrypt, slots,
 *       seal, blob write and commit, report/slot/packet write and commit. The time inside the two
 *       stores is measured separately, and the CPU of this JVM and of PostgreSQL.
 *   <li>Decrypt: {@code --decrypt-reports} reports with slot 1 allocated to a node; the node's
 *       sub-key sealed to the module as a REST caller sends it; {@link PrivacyModule#decrypt} from 2,
 *       4 and 8 threads for {@code --decrypt-seconds} each (the module and its store, no HTTP).
 * </ol>
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     org.patientgate.bench.ProtectBenchmark [--reports 30000] [--batches 50,200] [--threads 2]
 *     [--spare 8] [--decrypt-reports 2000] [--decrypt-threads 2,4,8] [--decrypt-seconds 20]
 *     [--warmup 20000] [--skip breakdown,protect,stage,decrypt] [--keep] [--diagnose]
 *     [--datasource-property reWriteBatchedInserts=true]
 * </pre>
 *
 * <p>{@code --keep} keeps the temporary directory (keystore, PostgreSQL data); {@code --diagnose} prints
 * the sequential scans of the protect tables after each protect run; {@code --datasource-property} sets
 * one JDBC driver property on the benchmark's pool, for comparisons (the hub sets none).
 */
public final class ProtectBenchmark {

    private static final String GOLDEN = "src/test/resources/golden/ORU_R01/v251-order-groups-orc.expected.json";
    private static final String MARKER = "PGBENCH-000000000000";
    private static final String MRN_MARKER = "PGBMRN-000000";
    private static final int PATIENTS = 1_000;
    private static final String INSTITUTION = "bench-lab";
    private static final String NODE = "0xbenchnode";

    private final Map<String, String> options;
    private final int spare;
    private final List<String> lines = new ArrayList<>();
    private final List<String> table = new ArrayList<>();
    private byte[] template;
    private int markerAt;
    private int mrnAt;
    private String mrnSystem;
    private Hpke.KeyPair[] patientKeys;

    private ProtectBenchmark(Map<String, String> options) {
        this.options = options;
        this.spare = integer("spare", 8);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("options are --name [value]: " + args[i]);
            }
            boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
            options.put(args[i].substring(2), flag ? "true" : args[++i]);
        }
        new ProtectBenchmark(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        // the test classpath has no logback configuration: keep the libraries' DEBUG lines out of the report
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.INFO);
        makeTemplate();
        patientKeys = new Hpke.KeyPair[PATIENTS];
        for (int i = 0; i < PATIENTS; i++) {
            patientKeys[i] = Hpke.generateKeyPair();
        }
        say(String.format(
                Locale.ROOT,
                "ProtectBenchmark cpus=%d bundle_bytes=%d slots/report=%d jvm=%s load(1/5/15min)=%s",
                Runtime.getRuntime().availableProcessors(),
                template.length,
                1 + spare,
                System.getProperty("java.vm.version"),
                loadAverage()));
        String skip = options.getOrDefault("skip", "");
        Path dir = Files.createTempDirectory("protect-bench-");
        Pkcs12KeyCustody custody = new Pkcs12KeyCustody(dir.resolve("hub.p12"), "bench-password".toCharArray());
        KeyEncryptionKeys keks = new CustodyKeyEncryptionKeys(custody);
        ReportProtector protector = new ReportProtector(keks, spare);
        if (!skip.contains("breakdown")) {
            breakdown(keks, protector);
        }
        if (skip.contains("protect") && skip.contains("decrypt")) {
            delete(dir);
            return;
        }
        EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), Duration.ofSeconds(120));
        postgres.start();
        // a benchmark stopped with SIGTERM or ^C does not leave its PostgreSQL running
        Thread stopper = new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception e) {
                // best effort
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.jdbcUrl());
        dataSource.setUsername(postgres.username());
        dataSource.setPassword(postgres.password());
        dataSource.setMaximumPoolSize(16); // as the hub's pool
        if (options.containsKey("datasource-property")) {
            // e.g. reWriteBatchedInserts=true, to compare with the hub's defaults (not set there)
            String[] kv = options.get("datasource-property").split("=", 2);
            dataSource.addDataSourceProperty(kv[0], kv[1]);
            say("datasource property " + kv[0] + "=" + kv[1]);
        }
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        try {
            Timed timedStore = new Timed();
            Timed timedBlobs = new Timed();
            PrivacyModule module = new PrivacyModule(
                    timed(ProtectStore.class, new JdbcProtectStore(dataSource), timedStore, "saveAll"),
                    timed(BlobStore.class, new JdbcBlobStore(dataSource), timedBlobs, "putAll"),
                    keks,
                    custody,
                    protector,
                    List::of,
                    List::of,
                    Clock.systemUTC(),
                    new SimpleMeterRegistry());
            Postgres pg = new Postgres(postgres.dataDirectory(), dataSource);
            if (!skip.contains("protect")) {
                // warm-up: the JIT, the pool, PostgreSQL's caches; not counted
                protectRun(module, pg, 50, integer("warmup", 20_000), timedStore, timedBlobs, false);
                for (String batch : options.getOrDefault("batches", "50,200").split(",")) {
                    protectRun(
                            module,
                            pg,
                            Integer.parseInt(batch.trim()),
                            integer("reports", 30_000),
                            timedStore,
                            timedBlobs,
                            true);
                }
            }
            if (!skip.contains("stage")) {
                stageRuns(custody, keks, module, dataSource, pg, timedStore, timedBlobs);
            }
            if (!skip.contains("decrypt")) {
                decryptRuns(module, pg);
            }
        } finally {
            dataSource.close();
            postgres.close();
            delete(dir);
        }
        System.out.println();
        System.out.println("== summary");
        lines.forEach(System.out::println);
        if (!table.isEmpty()) {
            System.out.println();
            System.out.println("== table (cores = JVM + PostgreSQL CPU over the run; estimate = 2 cores / CPU per"
                    + " operation)");
            System.out.println("| run | measured | latency | CPU per operation, JVM + PostgreSQL | cores used"
                    + " | CPU-bound estimate on 2 cores | target |");
            System.out.println("| --- | ---: | --- | ---: | ---: | ---: | --- |");
            table.forEach(System.out::println);
        }
    }

    // ---------------------------------------------------------------- the bundle

    /** A golden canonical ORU^R01 bundle padded with Observations to about 15 KB, compact JSON. */
    private void makeTemplate() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode bundle = (ObjectNode) json.readTree(Files.readAllBytes(Path.of(GOLDEN)));
        ((ObjectNode) bundle.get("identifier")).put("value", MARKER);
        ArrayNode entries = (ArrayNode) bundle.get("entry");
        // the patient's MRN becomes a placeholder too, so the stage files reports under 1,000 patients
        for (JsonNode e : entries) {
            if ("Patient".equals(e.get("resource").get("resourceType").asText())) {
                ObjectNode mrn =
                        (ObjectNode) e.get("resource").get("identifier").get(0);
                mrnSystem = mrn.get("system").asText();
                mrn.put("value", MRN_MARKER);
            }
        }
        List<JsonNode> observations = new ArrayList<>();
        entries.forEach(e -> {
            if ("Observation".equals(e.get("resource").get("resourceType").asText())) {
                observations.add(e);
            }
        });
        int next = observations.size();
        while (json.writeValueAsBytes(bundle).length < 15 * 1024 - 900) {
            ObjectNode copy = observations.get(next % observations.size()).deepCopy();
            String id = "Observation/" + next;
            copy.put("fullUrl", id);
            ObjectNode resource = (ObjectNode) copy.get("resource");
            resource.put("id", id);
            if (resource.get("valueQuantity") instanceof ObjectNode quantity) {
                quantity.put("value", 60 + next * 7 % 80);
            }
            entries.add(copy);
            next++;
        }
        template = json.writeValueAsBytes(bundle);
        markerAt = new String(template, StandardCharsets.ISO_8859_1).indexOf(MARKER);
        mrnAt = new String(template, StandardCharsets.ISO_8859_1).indexOf(MRN_MARKER);
        if (markerAt < 0 || mrnAt < 0 || mrnSystem == null) {
            throw new IllegalStateException("markers not found in the template");
        }
    }

    /** Report {@code n}'s bundle: the template with n written into its Bundle.identifier. */
    private byte[] bundle(long n) {
        byte[] out = template.clone();
        byte[] digits = String.format(Locale.ROOT, "%012d", n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, out, markerAt + MARKER.length() - 12, 12);
        byte[] mrn = mrn((int) (n % PATIENTS)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(mrn, 0, out, mrnAt, mrn.length);
        return out;
    }

    /** Patient i's medical record number, as long as {@link #MRN_MARKER}. */
    private static String mrn(int i) {
        return String.format(Locale.ROOT, "PGBMRN-%06d", i);
    }

    private static String patient(int i) {
        return String.format(Locale.ROOT, "0x%040x", i + 1);
    }

    private PrivacyModule.ProtectRequest request(long n) {
        int p = (int) (n % PATIENTS);
        String patient = patient(p);
        return new PrivacyModule.ProtectRequest(
                UUID.randomUUID(),
                UUID.randomUUID(),
                INSTITUTION,
                ReportCipher.sha256(("ref:" + patient).getBytes(StandardCharsets.US_ASCII)),
                patient,
                new ReportProtector.Recipient(ProtectedReport.patientRecipient(patient), patientKeys[p].publicKey()),
                bundle(n));
    }

    // ---------------------------------------------------------------- 1. breakdown

    private void breakdown(KeyEncryptionKeys keks, ReportProtector protector) throws Exception {
        say("");
        say("== 1. protector without the database (in this JVM)");
        int n = integer("breakdown-reports", 4_000);
        // warm-up of every path measured below
        long until = System.nanoTime()
                + Duration.ofSeconds(integer("breakdown-warmup-s", 8)).toNanos();
        long w = 0;
        while (System.nanoTime() < until) {
            PrivacyModule.ProtectRequest r = request(w++);
            protect(protector, r);
        }
        String[] parts = {
            "key and nonce from SecureRandom",
            "SHA-256 of the plaintext (15 KB)",
            "AES-256-GCM encrypt (15 KB, ReportCipher.encrypt)",
            "SHA-256 of the ciphertext (protector; the blob store hashes it again)",
            (1 + spare) + " slots: random s_i, xor, KEK wrap (AES-GCM) each",
            "HPKE seal of the packet (" + (1 + spare) * SubKeyString.LENGTH + " bytes) to the patient",
            "  the two X25519 scalar mults of a seal (ephemeral key, agreement)",
            "  for comparison: Cipher.getInstance(\"AES/GCM/NoPadding\") x" + (1 + spare + 1)
        };
        long[] wall = new long[parts.length];
        long[] cpu = new long[parts.length];
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] tw = new long[parts.length + 1];
        long[] tc = new long[parts.length + 1];
        java.security.SecureRandom random = RANDOM.get();
        for (int i = 0; i < n; i++) {
            PrivacyModule.ProtectRequest r = request(i);
            byte[] key = new byte[32];
            byte[] nonce = new byte[12];
            byte[] ct = null;
            byte[] contentHash = null;
            ReportProtector.NewSlots slots = null;
            for (int part = 0; part <= parts.length; part++) {
                tc[part] = mx.getCurrentThreadCpuTime();
                tw[part] = System.nanoTime();
                if (part == parts.length) {
                    break;
                }
                switch (part) {
                    case 0 -> {
                        random.nextBytes(key);
                        random.nextBytes(nonce);
                    }
                    case 1 -> contentHash = ReportCipher.sha256(r.plaintext());
                    case 2 ->
                        ct = ReportCipher.encrypt(
                                key,
                                nonce,
                                ReportCipher.associatedData(r.report(), r.patientRef(), contentHash),
                                r.plaintext());
                    case 3 -> ReportCipher.sha256(ct);
                    case 4 -> slots = protector.newSlots(r.report(), key, 0, 1 + spare, r.patient());
                    case 5 -> ReportProtector.seal(r.report(), r.recipient(), slots.strings());
                    case 6 -> {
                        byte[] ephemeral = new byte[32];
                        random.nextBytes(ephemeral);
                        byte[] enc = new byte[32];
                        byte[] shared = new byte[32];
                        X25519.scalarMultBase(ephemeral, 0, enc, 0);
                        X25519.scalarMult(ephemeral, 0, r.recipient().publicKey(), 0, shared, 0);
                    }
                    default -> {
                        for (int k = 0; k < 1 + spare + 1; k++) {
                            Cipher.getInstance("AES/GCM/NoPadding");
                        }
                    }
                }
            }
            for (int part = 0; part < parts.length; part++) {
                wall[part] += tw[part + 1] - tw[part];
                cpu[part] += tc[part + 1] - tc[part];
            }
        }
        say(String.format(
                Locale.ROOT,
                "%-72s %10s %10s",
                "part (1 thread, " + n + " reports; indented lines are inside the ones above)",
                "µs CPU",
                "µs wall"));
        double totalCpu = 0;
        double totalWall = 0;
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].startsWith("  ")) {
                totalCpu += cpu[i] / 1_000.0 / n;
                totalWall += wall[i] / 1_000.0 / n;
            }
            say(String.format(
                    Locale.ROOT, "%-72s %10.1f %10.1f", parts[i], cpu[i] / 1_000.0 / n, wall[i] / 1_000.0 / n));
        }
        say(String.format(Locale.ROOT, "%-72s %10.1f %10.1f", "sum of the parts", totalCpu, totalWall));
        decryptBreakdown(keks, protector, n);
        for (int threads : new int[] {1, 2}) {
            double[] rate = protectorOnly(protector, threads, n * threads);
            say(String.format(
                    Locale.ROOT,
                    "ReportProtector.protect, %d thread(s): %,.0f reports/s (%.1f µs CPU per report, %,.0f reports/s per"
                            + " core of CPU used)",
                    threads,
                    rate[0],
                    rate[1],
                    1e6 / rate[1]));
        }
    }

    /** The crypto of one decrypt, part by part, without the database (thread CPU time). */
    private void decryptBreakdown(KeyEncryptionKeys keks, ReportProtector protector, int n) throws Exception {
        Hpke.KeyPair moduleKey = Hpke.generateKeyPair();
        Hpke.Recipient module = Hpke.recipient(moduleKey.privateKey());
        Hpke.KeyPair callerKey = Hpke.generateKeyPair();
        String[] parts = {
            "HPKE open of the sub-key sealed to the module (" + (Hpke.ENC_LENGTH + SubKeyString.LENGTH + 16)
                    + " bytes)",
            "KEK unwrap of the slot's module half",
            "AES-256-GCM decrypt (15 KB, ReportCipher.decrypt)",
            "SHA-256 of the ciphertext (JdbcBlobStore.get checks it)",
            "HPKE seal of the bundle (15 KB) to the caller"
        };
        long[] cpu = new long[parts.length];
        long[] wall = new long[parts.length];
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int rounds = n + n / 2; // the first third warms up
        for (int i = 0; i < rounds; i++) {
            PrivacyModule.ProtectRequest r = request(i);
            ReportProtector.Result result = protect(protector, r);
            ProtectedReport pr = result.report();
            // what a decrypt finds: the slot-1 half, its sub-key string sealed to the module (made here from K)
            byte[] key = new byte[32];
            RANDOM.get().nextBytes(key);
            ReportProtector.NewSlots slots = protector.newSlots(r.report(), key, 1, 1, null);
            byte[] aad = SubKeyString.reportBytes(r.report());
            byte[] sealedSubKey = Hpke.seal(
                    moduleKey.publicKey(),
                    SubKeyString.INFO_MODULE,
                    aad,
                    slots.strings().get(0).encode());
            byte[] halfAad = ReportProtector.moduleHalfAad(r.report(), 1);
            byte[] dataAad = ReportCipher.associatedData(r.report(), r.patientRef(), pr.contentHash());
            long[] tc = new long[parts.length + 1];
            long[] tw = new long[parts.length + 1];
            byte[] plain = null;
            for (int part = 0; part <= parts.length; part++) {
                tc[part] = mx.getCurrentThreadCpuTime();
                tw[part] = System.nanoTime();
                switch (part) {
                    case 0 -> module.open(SubKeyString.INFO_MODULE, aad, sealedSubKey);
                    case 1 -> keks.unwrap(slots.slots().get(0).moduleHalf(), halfAad);
                    case 2 -> {
                        // the report's own K is wiped by the protector: decrypt under the benchmark's key instead
                        byte[] ct = ReportCipher.encrypt(key, pr.nonce(), dataAad, r.plaintext());
                        tc[part] = mx.getCurrentThreadCpuTime();
                        tw[part] = System.nanoTime();
                        plain = ReportCipher.decrypt(key, pr.nonce(), dataAad, ct);
                    }
                    case 3 -> ReportCipher.sha256(result.ciphertext());
                    case 4 -> Hpke.seal(callerKey.publicKey(), SubKeyString.INFO_REPORT, aad, plain);
                    default -> {}
                }
            }
            if (i >= n / 2) {
                for (int part = 0; part < parts.length; part++) {
                    cpu[part] += tc[part + 1] - tc[part];
                    wall[part] += tw[part + 1] - tw[part];
                }
            }
        }
        say("");
        say(String.format(
                Locale.ROOT, "%-72s %10s %10s", "decrypt crypto (1 thread, " + n + " requests)", "µs CPU", "µs wall"));
        double totalCpu = 0;
        double totalWall = 0;
        for (int i = 0; i < parts.length; i++) {
            totalCpu += cpu[i] / 1_000.0 / n;
            totalWall += wall[i] / 1_000.0 / n;
            say(String.format(
                    Locale.ROOT, "%-72s %10.1f %10.1f", parts[i], cpu[i] / 1_000.0 / n, wall[i] / 1_000.0 / n));
        }
        say(String.format(Locale.ROOT, "%-72s %10.1f %10.1f", "sum of the parts", totalCpu, totalWall));
        say("");
    }

    private static final ThreadLocal<java.security.SecureRandom> RANDOM =
            ThreadLocal.withInitial(java.security.SecureRandom::new);

    private static ReportProtector.Result protect(ReportProtector protector, PrivacyModule.ProtectRequest r) {
        return protector.protect(
                r.report(), r.messageId(), r.institution(), r.patientRef(), r.patient(), r.recipient(), r.plaintext());
    }

    /** {reports/s, µs of process CPU per report}. */
    private double[] protectorOnly(ReportProtector protector, int threads, int reports) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < reports) {
                    protect(protector, request(i));
                }
            });
            workers[t].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuUs = (processCpuNanos() - cpu0) / 1_000.0 / reports;
        return new double[] {reports / seconds, cpuUs};
    }

    // ---------------------------------------------------------------- 2. protect stage

    /** One consumer's batch of work: reports {@code first} (inclusive) to {@code end} (exclusive). */
    private interface BatchWork {
        void run(long first, long end) throws Exception;
    }

    private void protectRun(
            PrivacyModule module,
            Postgres pg,
            int batch,
            int reports,
            Timed timedStore,
            Timed timedBlobs,
            boolean print)
            throws Exception {
        measure(
                "2. protect stage",
                "protect",
                pg,
                batch,
                reports,
                (first, end) -> {
                    List<PrivacyModule.ProtectRequest> requests = new ArrayList<>(batch);
                    for (long n = first; n < end; n++) {
                        requests.add(request(n));
                    }
                    module.protectAll(requests);
                },
                timedStore,
                timedBlobs,
                print);
    }

    private void measure(
            String title,
            String label,
            Postgres pg,
            int batch,
            int reports,
            BatchWork work,
            Timed timedStore,
            Timed timedBlobs,
            boolean print)
            throws Exception {
        pg.clean();
        int threads = integer("threads", 2);
        AtomicLong next = new AtomicLong();
        Histogram batchLatency = new Histogram(3);
        timedStore.reset();
        timedBlobs.reset();
        String load = loadAverage();
        long[] machine0 = machineCpu();
        long cpu0 = processCpuNanos();
        long pg0 = pg.cpuNanos();
        long t0 = System.nanoTime();
        Thread[] workers = new Thread[threads];
        AtomicReference<Exception> failed = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                while (failed.get() == null) {
                    long first = next.getAndAdd(batch);
                    if (first >= reports) {
                        return;
                    }
                    long b0 = System.nanoTime();
                    try {
                        work.run(first, Math.min(first + batch, reports));
                    } catch (Exception e) {
                        failed.compareAndSet(null, e);
                        return;
                    }
                    long took = System.nanoTime() - b0;
                    synchronized (batchLatency) {
                        batchLatency.recordValue(took);
                    }
                }
            });
            workers[t].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double jvmCpu = (processCpuNanos() - cpu0) / 1e9;
        double pgCpu = (pg.cpuNanos() - pg0) / 1e9;
        long[] machine1 = machineCpu();
        long stored = pg.count("protected_report");
        long slots = pg.count("subkey_slot");
        if (stored != reports || slots != (long) reports * (1 + spare)) {
            throw new IllegalStateException(
                    "stored " + stored + " reports and " + slots + " slots, expected " + reports);
        }
        if (!print) {
            return;
        }
        if (options.containsKey("diagnose")) {
            say("  " + pg.seqScans());
        }
        double storeS = timedStore.nanos.sum() / 1e9;
        double blobS = timedBlobs.nanos.sum() / 1e9;
        double busy = 1 - (double) (machine1[1] - machine0[1]) / (machine1[0] - machine0[0]);
        say("");
        say(String.format(
                Locale.ROOT,
                "== %s: batch=%d threads=%d reports=%,d (load before: %s)",
                title,
                batch,
                threads,
                reports,
                load));
        say(String.format(
                Locale.ROOT,
                "batch=%d threads=%d reports=%d elapsed_s=%.2f reports_per_s=%.0f batch_ms p50=%.1f p99=%.1f max=%.1f",
                batch,
                threads,
                reports,
                seconds,
                reports / seconds,
                batchLatency.getValueAtPercentile(50) / 1e6,
                batchLatency.getValueAtPercentile(99) / 1e6,
                batchLatency.getMaxValue() / 1e6));
        double threadS = seconds * threads;
        say(String.format(
                Locale.ROOT,
                "  consumer time: blob putAll (hash, insert, commit) %.0f %%, saveAll (reports, slots, packets, commit)"
                        + " %.0f %%, the rest (bundle copy, protector) %.0f %%",
                100 * blobS / threadS,
                100 * storeS / threadS,
                100 * (threadS - blobS - storeS) / threadS));
        say(String.format(
                Locale.ROOT,
                "  CPU: this JVM %.1f µs/report (%.2f cores), PostgreSQL %.1f µs/report (%.2f cores), machine busy %.0f %%"
                        + " of 2 cores",
                jvmCpu * 1e6 / reports,
                jvmCpu / seconds,
                pgCpu * 1e6 / reports,
                pgCpu / seconds,
                100 * busy));
        say(String.format(
                Locale.ROOT,
                "  CPU-bound estimate: 2 cores / (JVM + PostgreSQL CPU per report) = %,.0f reports/s",
                2 * reports / (jvmCpu + pgCpu)));
        table.add(String.format(
                Locale.ROOT,
                "| %s, batch %d, %d consumers | %,.0f reports/s | batch p50 %.1f ms, p99 %.1f ms | %.0f + %.0f µs"
                        + " | %.2f | %,.0f/s | ≥ 3,000 reports/s |",
                label,
                batch,
                threads,
                reports / seconds,
                batchLatency.getValueAtPercentile(50) / 1e6,
                batchLatency.getValueAtPercentile(99) / 1e6,
                jvmCpu * 1e6 / reports,
                pgCpu * 1e6 / reports,
                (jvmCpu + pgCpu) / seconds,
                2 * reports / (jvmCpu + pgCpu)));
    }

    // ---------------------------------------------------------------- 2b. the whole stage

    /**
     * The protection stage as the hub runs it ({@link ProtectStage#process}, the bean behind the
     * {@code protect-bundles} route, without its JMS consumer): a message of ids in, each canonical
     * bundle read from {@code canonical_bundle} and opened (it is sealed at rest), its patient's MRN
     * blinded and looked up among enrolled patients, then {@link PrivacyModule#protectAll}. The
     * messages and bundles are stored once beforehand; each run truncates the protect tables only.
     */
    private void stageRuns(
            Pkcs12KeyCustody custody,
            KeyEncryptionKeys keks,
            PrivacyModule module,
            javax.sql.DataSource dataSource,
            Postgres pg,
            Timed timedStore,
            Timed timedBlobs)
            throws Exception {
        int reports = integer("reports", 30_000);
        JdbcAtRestCipher atRest = new JdbcAtRestCipher(dataSource, keks);
        JdbcBundleStore bundles = new JdbcBundleStore(dataSource, atRest);
        JdbcMessageStore messages = new JdbcMessageStore(dataSource, atRest, 500, 1_000, Duration.ofHours(1), () -> {});
        IdentifierBlinding blinding = new IdentifierBlinding(custody);
        List<UUID> ids = new ArrayList<>(reports);
        for (int n = 0; n < reports; n++) {
            ids.add(UUID.randomUUID());
        }
        long s0 = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO participant (address, role, encryption_key) VALUES (?, 'PATIENT', ?)");
                    PreparedStatement link = c.prepareStatement(
                            "INSERT INTO patient_identifier (identifier_hash, patient) VALUES (?, ?)")) {
                for (int i = 0; i < PATIENTS; i++) {
                    ps.setString(1, patient(i));
                    ps.setBytes(2, patientKeys[i].publicKey());
                    ps.addBatch();
                    link.setBytes(1, blinding.blind(mrnSystem, mrn(i)));
                    link.setString(2, patient(i));
                    link.addBatch();
                }
                ps.executeBatch();
                link.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inbound_message (id, source, channel,"
                    + " sender_application, sender_facility, control_id, message_type, version, charset,"
                    + " content_type, payload, accepted, status, received_at)"
                    + " SELECT id, 'HL7V2_MLLP', 'bench', 'BENCH', 'LAB', id::text, 'ORU^R01', '2.5.1', 'UTF-8',"
                    + " 'x-application/hl7-v2+er7', '\\x00'::bytea, true, 'PROCESSED', now()"
                    + " FROM unnest(?::uuid[]) AS id")) {
                for (int from = 0; from < reports; from += 1_000) {
                    ps.setArray(
                            1,
                            c.createArrayOf(
                                    "uuid",
                                    ids.subList(from, Math.min(reports, from + 1_000))
                                            .toArray(new UUID[0])));
                    ps.executeUpdate();
                }
            }
        }
        for (int from = 0; from < reports; from += 500) {
            Map<UUID, CanonicalBundle> chunk = new LinkedHashMap<>();
            for (int n = from; n < Math.min(reports, from + 500); n++) {
                chunk.put(ids.get(n), new CanonicalBundle("bundle-" + n, "ORU_R01", bundle(n)));
            }
            bundles.saveAll(chunk);
        }
        say("");
        say(String.format(
                Locale.ROOT,
                "(stage set-up: %,d messages and canonical bundles stored, %,d patients enrolled, in %.1f s)",
                reports,
                PATIENTS,
                (System.nanoTime() - s0) / 1e9));
        ProtectStage stage = new ProtectStage(
                messages,
                bundles,
                module,
                blinding,
                new JdbcPatientLinks(dataSource),
                new JdbcParticipants(dataSource, null),
                INSTITUTION,
                Hpke.generateKeyPair().publicKey());
        BatchWork work = (first, end) -> {
            StringBuilder body = new StringBuilder((int) (end - first) * 37);
            for (long n = first; n < end; n++) {
                body.append(ids.get((int) n)).append('\n');
            }
            String handedOn = stage.process(body.toString());
            if (handedOn == null || handedOn.split("\n").length != end - first) {
                throw new IllegalStateException("the stage handed on fewer reports than it took");
            }
        };
        measure(
                "2b. warm-up of the stage",
                "stage",
                pg,
                50,
                Math.min(reports, integer("warmup", 20_000)),
                work,
                timedStore,
                timedBlobs,
                false);
        for (String batch : options.getOrDefault("batches", "50,200").split(",")) {
            measure(
                    "2b. protection stage (ProtectStage: bundle read and open, patient lookup, protect, store)",
                    "stage",
                    pg,
                    Integer.parseInt(batch.trim()),
                    reports,
                    work,
                    timedStore,
                    timedBlobs,
                    true);
        }
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM protected_report WHERE patient IS NULL")) {
            rs.next();
            if (rs.getLong(1) != 0) {
                throw new IllegalStateException("reports of enrolled patients were held for the institution");
            }
        }
    }

    // ---------------------------------------------------------------- 3. decrypt

    private void decryptRuns(PrivacyModule module, Postgres pg) throws Exception {
        pg.clean();
        int reports = integer("decrypt-reports", 2_000);
        Hpke.KeyPair nodeKey = Hpke.generateKeyPair();
        UUID[] ids = new UUID[reports];
        for (int first = 0; first < reports; first += 200) {
            List<PrivacyModule.ProtectRequest> batch = new ArrayList<>();
            for (int n = first; n < Math.min(first + 200, reports); n++) {
                PrivacyModule.ProtectRequest r = request(n);
                ids[n] = r.report();
                batch.add(r);
            }
            module.protectAll(batch);
        }
        // the patient allocates slot 1 of every report to the node: s_1 re-sealed to the node's key
        for (int n = 0; n < reports; n++) {
            int p = n % PATIENTS;
            byte[] aad = SubKeyString.reportBytes(ids[n]);
            List<byte[]> packets = module.packets(ids[n], patient(p));
            List<SubKeyString> strings = SubKeyString.decodePacket(
                    Hpke.open(patientKeys[p].privateKey(), SubKeyString.INFO_PACKET, aad, packets.get(0)));
            byte[] forNode = Hpke.seal(
                    nodeKey.publicKey(),
                    SubKeyString.INFO_NODE,
                    aad,
                    strings.get(1).encode());
            module.allocate(ids[n], patient(p), 1, NODE, forNode);
        }
        // the node opens its deliveries and, per request, presents its sub-key sealed to the module
        Map<UUID, Integer> index = new java.util.HashMap<>();
        for (int n = 0; n < reports; n++) {
            index.put(ids[n], n);
        }
        byte[][] sealedToModule = new byte[reports][];
        for (ProtectStore.Delivery d : module.deliveries(NODE)) {
            byte[] aad = SubKeyString.reportBytes(d.report());
            byte[] subKey = Hpke.open(nodeKey.privateKey(), SubKeyString.INFO_NODE, aad, d.sealed());
            sealedToModule[index.get(d.report())] =
                    Hpke.seal(module.moduleKey(), SubKeyString.INFO_MODULE, aad, subKey);
        }
        commitLatency(pg);
        int seconds = integer("decrypt-seconds", 20);
        // warm-up
        decryptRun(module, pg, ids, sealedToModule, nodeKey, 4, Math.min(8, seconds), false);
        for (String threads : options.getOrDefault("decrypt-threads", "2,4,8").split(",")) {
            decryptRun(module, pg, ids, sealedToModule, nodeKey, Integer.parseInt(threads.trim()), seconds, true);
        }
        say(String.format(Locale.ROOT, "  audit rows written: %,d", pg.count("protect_audit")));
    }

    private void decryptRun(
            PrivacyModule module,
            Postgres pg,
            UUID[] ids,
            byte[][] sealedToModule,
            Hpke.KeyPair nodeKey,
            int threads,
            int seconds,
            boolean print)
            throws Exception {
        Histogram all = new Histogram(Duration.ofSeconds(60).toNanos(), 3);
        LongAdder failures = new LongAdder();
        String load = loadAverage();
        long[] machine0 = machineCpu();
        long cpu0 = processCpuNanos();
        long pg0 = pg.cpuNanos();
        long t0 = System.nanoTime();
        long end = t0 + Duration.ofSeconds(seconds).toNanos();
        Thread[] workers = new Thread[threads];
        Histogram[] perThread = new Histogram[threads];
        for (int t = 0; t < threads; t++) {
            Histogram h = new Histogram(Duration.ofSeconds(60).toNanos(), 3);
            perThread[t] = h;
            workers[t] = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    int n = random.nextInt(ids.length);
                    long s = System.nanoTime();
                    try {
                        module.decrypt(
                                new DecryptRequest(ids[n], sealedToModule[n], NODE, nodeKey.publicKey(), "view", null));
                    } catch (RuntimeException e) {
                        failures.increment();
                    }
                    h.recordValue(Math.min(System.nanoTime() - s, h.getHighestTrackableValue()));
                }
            });
            workers[t].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long[] machine1 = machineCpu();
        double jvmCpu = (processCpuNanos() - cpu0) / 1e9;
        double pgCpu = (pg.cpuNanos() - pg0) / 1e9;
        for (Histogram h : perThread) {
            all.add(h);
        }
        // what came back opens with the node's key and is the report's bundle
        int n = 7 % ids.length;
        byte[] out =
                module.decrypt(new DecryptRequest(ids[n], sealedToModule[n], NODE, nodeKey.publicKey(), "view", null));
        byte[] plain = Hpke.open(nodeKey.privateKey(), SubKeyString.INFO_REPORT, SubKeyString.reportBytes(ids[n]), out);
        if (!Arrays.equals(plain, bundle(n)) || failures.sum() > 0) {
            throw new IllegalStateException("decrypt returned the wrong bundle or failed " + failures.sum() + " times");
        }
        if (!print) {
            return;
        }
        double busy = 1 - (double) (machine1[1] - machine0[1]) / (machine1[0] - machine0[0]);
        say("");
        say(String.format(Locale.ROOT, "== 3. decrypt: threads=%d (load before: %s)", threads, load));
        say(String.format(
                Locale.ROOT,
                "threads=%d requests=%d failures=%d elapsed_s=%.2f requests_per_s=%.0f latency_ms p50=%.2f p90=%.2f"
                        + " p99=%.2f max=%.2f machine_busy=%.0f%%",
                threads,
                all.getTotalCount(),
                failures.sum(),
                elapsed,
                all.getTotalCount() / elapsed,
                all.getValueAtPercentile(50) / 1e6,
                all.getValueAtPercentile(90) / 1e6,
                all.getValueAtPercentile(99) / 1e6,
                all.getMaxValue() / 1e6,
                100 * busy));
        long requests = all.getTotalCount();
        say(String.format(
                Locale.ROOT,
                "  CPU: this JVM %.0f µs/request (%.2f cores), PostgreSQL %.0f µs/request (%.2f cores); CPU-bound estimate"
                        + " 2 cores / (JVM + PostgreSQL per request) = %,.0f requests/s",
                jvmCpu * 1e6 / requests,
                jvmCpu / elapsed,
                pgCpu * 1e6 / requests,
                pgCpu / elapsed,
                2 * requests / (jvmCpu + pgCpu)));
        table.add(String.format(
                Locale.ROOT,
                "| decrypt, %d threads | %,.0f requests/s | p50 %.2f, p90 %.2f, p99 %.2f, max %.1f ms | %.0f + %.0f µs"
                        + " | %.2f | %,.0f/s | ≥ 2,000/s, p99 < 10 ms |",
                threads,
                requests / elapsed,
                all.getValueAtPercentile(50) / 1e6,
                all.getValueAtPercentile(90) / 1e6,
                all.getValueAtPercentile(99) / 1e6,
                all.getMaxValue() / 1e6,
                jvmCpu * 1e6 / requests,
                pgCpu * 1e6 / requests,
                (jvmCpu + pgCpu) / elapsed,
                2 * requests / (jvmCpu + pgCpu)));
    }

    /** What one durable commit of one small row costs here, from one connection (the fsync). */
    private void commitLatency(Postgres pg) throws Exception {
        Histogram h = new Histogram(3);
        try (Connection c = pg.dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_commit_durable (n int)");
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            try (var ps = c.prepareStatement("INSERT INTO bench_commit_durable VALUES (1)")) {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    ps.executeUpdate(); // autocommit: one WAL flush each
                    h.recordValue(System.nanoTime() - t0);
                }
            }
            s.execute("DROP TABLE bench_commit_durable");
        }
        say("");
        say(String.format(
                Locale.ROOT,
                "== one-row INSERT + commit, 1 connection, 3 s: %d commits, p50=%.2f ms p99=%.2f ms (fsync of the WAL)",
                h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6));
    }

    // ---------------------------------------------------------------- helpers

    /** Time spent in one method of a store, summed over threads. */
    private static final class Timed {
        final LongAdder nanos = new LongAdder();

        void reset() {
            nanos.reset();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T timed(Class<T> type, T target, Timed timed, String method) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            long t0 = System.nanoTime();
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (m.getName().equals(method)) {
                    timed.nanos.add(System.nanoTime() - t0);
                }
            }
        });
    }

    /** The benchmark's PostgreSQL: cleaning between runs and the CPU its processes used. */
    private static final class Postgres {
        private final Path dataDirectory;
        private final javax.sql.DataSource dataSource;

        Postgres(Path dataDirectory, javax.sql.DataSource dataSource) {
            this.dataDirectory = dataDirectory;
            this.dataSource = dataSource;
        }

        void clean() throws Exception {
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("TRUNCATE protect_audit, subkey_delivery, subkey_packet, subkey_slot, protected_report,"
                        + " protect_blob");
                // no VACUUM/ANALYZE here: on the emptied tables it records 0 rows, and the foreign-key checks'
                // cached plans then scan protected_report sequentially as it grows (seen: 5 ms of PostgreSQL CPU
                // per report). TRUNCATE leaves the tables "never analysed", as in a new hub's database.
                s.execute("CHECKPOINT");
            }
        }

        /** Sequential scans of the protect tables since the last clean (a sign of a bad cached plan). */
        String seqScans() throws Exception {
            StringBuilder out = new StringBuilder();
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement();
                    var rs = s.executeQuery(
                            "SELECT relname, seq_scan, seq_tup_read, idx_scan FROM pg_stat_user_tables"
                                    + " WHERE relname IN ('protect_blob', 'protected_report', 'subkey_slot') ORDER BY relname")) {
                while (rs.next()) {
                    out.append(String.format(
                            Locale.ROOT,
                            "%s seq_scan=%d seq_tup_read=%d idx_scan=%d; ",
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getLong(4)));
                }
            }
            return out.toString();
        }

        long count(String table) throws Exception {
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** utime + stime of the postmaster and its children (backends, WAL writer, checkpointer). */
        long cpuNanos() throws Exception {
            long postmaster = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                    .get(0)
                    .trim());
            long ticks = 0;
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long pid = Long.parseLong(name);
                        long ppid = Long.parseLong(f[1]);
                        if (pid == postmaster || ppid == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    } catch (java.io.IOException | RuntimeException e) {
                        // the process ended meanwhile
                    }
                }
            }
            return ticks * 10_000_000L; // USER_HZ = 100
        }
    }

    /** {total jiffies, idle + iowait jiffies} of the whole machine. */
    private static long[] machineCpu() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private void delete(Path dir) throws java.io.IOException {
        if (!options.containsKey("keep")) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    private int integer(String name, int fallback) {
        return options.containsKey(name) ? Integer.parseInt(options.get(name)) : fallback;
    }

    private void say(String line) {
        System.out.println(line);
        lines.add(line);
    }
}
