package org.patientgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.awaitility.Awaitility;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.SigningDomain;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletKeys;

/**
 * The consent escrow's full path on a running hub (issue: consent escrow): ingest → normalized →
 * protected → escrow entry → anchored → the patient asked (consent-request notification written and
 * announced), for {@code --reports} ORU^R01 messages across {@code --patients} enrolled patients;
 * then the release latency: a patient signs a release and waits for the hub's confirmation
 * (release-confirmed notification, written after the chain's event).
 *
 * <ol>
 *   <li>Set-up (not timed): registers and enrols the patients over the REST API with wallets (a
 *       one-time enrolment code each). The first {@code --releases} patients are also registered on
 *       the ledger (their releases are checked by the contract); the others only with the hub.
 *   <li>Full path: {@code --connections} MLLP connections send the reports closed loop (10 OBX each,
 *       round robin over the patients). The rate is consent requests written per second, from the
 *       first send to the last consent request, read from {@code hub_escrow_notifications_total}.
 *   <li>Releases: {@code --releases} patients, two at a time, each signs a release of their first
 *       report and waits for {@code release-confirmed}; the latency is from just before signing to
 *       the notification's creation time (same machine clock).
 * </ol>
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.patientgate.bench.EscrowBenchmark \
 *     --base-url http://127.0.0.1:8080 --mllp 127.0.0.1:2575 --token $HUB_API_TOKEN \
 *     [--patients 10000] [--reports 100000] [--connections 16] [--releases 100] [--setup-threads 8]
 * </pre>
 */
public final class EscrowBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile(
            "^hub_escrow_notifications_total\\{[^}]*kind=\"([a-z-]+)\"[^}]*\\} ([0-9.eE+]+)$", Pattern.MULTILINE);

    private final Map<String, String> options;
    private final URI base;
    private final String token;
    private final String mllpHost;
    private final int mllpPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String run =
            Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36).toUpperCase(Locale.ROOT);

    private EscrowBenchmark(Map<String, String> options) {
        this.options = options;
        this.base = URI.create(options.getOrDefault("base-url", "http://127.0.0.1:8080"));
        this.token = require("token");
        String[] mllp = options.getOrDefault("mllp", "127.0.0.1:2575").split(":");
        this.mllpHost = mllp[0];
        this.mllpPort = Integer.parseInt(mllp[1]);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int status = 0;
        try {
            new EscrowBenchmark(options).run();
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status); // worker pools are not daemons
    }

    private String require(String name) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private int integer(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private String mrn(int patient) {
        return "EB" + run + "-" + patient;
    }

    private void run() throws Exception {
        int patients = integer("patients", 10_000);
        int reports = integer("reports", 100_000);
        int connections = integer("connections", 16);
        int releases = Math.min(patients, integer("releases", 100));
        System.out.printf(
                Locale.ROOT,
                "EscrowBenchmark hub=%s mllp=%s:%d patients=%d reports=%d connections=%d releases=%d run=%s cpus=%d%n",
                base,
                mllpHost,
                mllpPort,
                patients,
                reports,
                connections,
                releases,
                run,
                Runtime.getRuntime().availableProcessors());

        // ---- 1. set-up: patients registered and enrolled
        String system = identifierSystem();
        Wallet[] wallets = new Wallet[patients];
        long s0 = System.nanoTime();
        ExecutorService setup = Executors.newFixedThreadPool(integer("setup-threads", 8));
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < patients; i++) {
            int p = i;
            done.add(setup.submit(() -> {
                // one HTTP client for all the wallets: each of its own would hold a selector and file handles
                Wallet w = new Wallet(WalletKeys.generate(), new HubClient(base, null, http));
                if (p < releases) {
                    w.register(Role.PATIENT, null); // also on the ledger: the contract checks releases
                } else {
                    registerWithHubOnly(w);
                }
                w.signIn();
                w.linkIdentifier(w.hub().enrolmentCode(token, system, mrn(p)).code());
                wallets[p] = w;
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        setup.shutdown();
        System.out.printf(
                Locale.ROOT,
                "set-up: %d patients registered and enrolled in %.1f s%n",
                patients,
                (System.nanoTime() - s0) / 1e9);

        // ---- 2. full path
        double before = metric("consent-request");
        AtomicLong next = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long t0 = System.nanoTime();
        Instant start = Instant.now();
        Thread[] senders = new Thread[connections];
        Socket[] sockets = new Socket[connections];
        for (int c = 0; c < connections; c++) {
            sockets[c] = new Socket(mllpHost, mllpPort); // one at a time: the listener's accept backlog is small
        }
        for (int c = 0; c < connections; c++) {
            Socket connection = sockets[c];
            senders[c] = new Thread(() -> {
                try (Socket socket = connection) {
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(60_000);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    long n;
                    while ((n = next.getAndIncrement()) < reports) {
                        String controlId = "EB" + run + "-" + n;
                        out.write(0x0b);
                        out.write(message(controlId, mrn((int) (n % patients))));
                        out.write(0x1c);
                        out.write(0x0d);
                        out.flush();
                        if (!readFrame(in).contains("MSA|AA|" + controlId)) {
                            failures.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                    System.err.println("sender failed: " + e);
                }
            });
            senders[c].start();
        }
        for (Thread t : senders) {
            t.join();
        }
        double ingestSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "ingest: %d messages acknowledged in %.1f s (%.0f/s), %d failures%n",
                reports,
                ingestSeconds,
                reports / ingestSeconds,
                failures.get());
        // polled once a second until every patient was asked, or nothing moved for 120 s
        double[] progress = {0, System.nanoTime(), 0}; // asked, when it last grew, last report time
        Awaitility.await("consent requests")
                .forever()
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    double now = metric("consent-request") - before;
                    if (now > progress[0]) {
                        progress[0] = now;
                        progress[1] = System.nanoTime();
                    }
                    if (System.nanoTime() - progress[2] >= 10e9) {
                        progress[2] = System.nanoTime();
                        System.out.printf(
                                Locale.ROOT,
                                "  t=%.0f s: consent requests written %.0f of %d%n",
                                (System.nanoTime() - t0) / 1e9,
                                now,
                                reports);
                    }
                    if (System.nanoTime() - (long) progress[1] > 120e9) {
                        System.out.println("no progress for 120 s; stopping the wait");
                        return true;
                    }
                    return now >= reports;
                });
        double asked = progress[0];
        long lastProgress = (long) progress[1];
        double pathSeconds = (lastProgress - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "full path: %.0f of %d reports escrowed, anchored and their patients asked in %.1f s from the first"
                        + " send: %.0f reports/s (ingest alone took %.1f s)%n",
                asked,
                reports,
                pathSeconds,
                asked / pathSeconds,
                ingestSeconds);

        // ---- 3. releases
        Histogram latency = new Histogram(60_000, 3);
        AtomicLong nextRelease = new AtomicLong();
        Thread[] releasers = new Thread[Math.min(2, releases)];
        for (int r = 0; r < releasers.length; r++) {
            releasers[r] = new Thread(() -> {
                long p;
                while ((p = nextRelease.getAndIncrement()) < releases) {
                    try {
                        long ms = release(wallets[(int) p]);
                        synchronized (latency) {
                            latency.recordValue(Math.max(1, ms));
                        }
                    } catch (Exception e) {
                        System.err.println("release " + p + " failed: " + e.getMessage());
                    }
                }
            });
            releasers[r].start();
        }
        for (Thread t : releasers) {
            t.join();
        }
        System.out.printf(
                Locale.ROOT,
                "releases: %d signed and confirmed; sign → release-confirmed ms p50=%d p90=%d p99=%d max=%d%n",
                latency.getTotalCount(),
                latency.getValueAtPercentile(50),
                latency.getValueAtPercentile(90),
                latency.getValueAtPercentile(99),
                latency.getMaxValue());
        System.out.println("started " + start + ", finished " + Instant.now());
    }

    /** Registers with the hub only (no ledger relay): enough to be asked; releases need the ledger. */
    private static void registerWithHubOnly(Wallet w) {
        String text = Wallet.registrationText(
                w.address(),
                Role.PATIENT,
                java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(w.encryptionPublicKey()),
                null);
        w.hub().register(w.address(), Role.PATIENT, w.encryptionPublicKey(), null, w.personalSign(text), null);
    }

    /** Signs a release of the patient's first consent request; ms from signing to the confirmation. */
    private static long release(Wallet w) throws Exception {
        HubClient.Notification request = Awaitility.await("a consent request")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> first(w, "consent-request", null), java.util.Objects::nonNull);
        HubClient.EscrowEntry entry = w.hub().escrowEntry(request.subject());
        BigInteger nonce = new BigInteger(256, new SecureRandom());
        long signedAt = System.currentTimeMillis();
        BigInteger deadline = BigInteger.valueOf(signedAt / 1000 + 600);
        byte[] signature = w.signDecision(
                SigningDomain.escrow(entry.chainId(), entry.verifyingContract()),
                HexFormat.of().parseHex(entry.entry().substring(2)),
                entry.intermediateAccount(),
                true,
                nonce,
                deadline);
        w.hub().decide(entry.entry(), true, nonce, deadline, signature);
        // the latency is the notification's creation time, so the polling interval does not add to it
        HubClient.Notification confirmed = Awaitility.await("release-confirmed")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> first(w, "release-confirmed", entry.entry()), java.util.Objects::nonNull);
        return confirmed.createdAt().toEpochMilli() - signedAt;
    }

    /** The patient's newest notification of {@code kind} (about {@code subject}, when given), or null. */
    private static HubClient.Notification first(Wallet w, String kind, String subject) {
        for (HubClient.Notification n : w.hub().notifications(null, 50, false).items()) {
            if (n.kind().equals(kind) && (subject == null || subject.equals(n.subject()))) {
                return n;
            }
        }
        return null;
    }

    private String identifierSystem() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(message("SYS", mrn(0))))
                .build();
        JsonNode bundle = JSON.readTree(
                http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode e : bundle.path("entry")) {
            if (e.path("resource").path("resourceType").asText().equals("Patient")) {
                return e.path("resource")
                        .path("identifier")
                        .get(0)
                        .path("system")
                        .asText();
            }
        }
        throw new IllegalStateException("the hub's conversion has no Patient");
    }

    private double metric(String kind) throws Exception {
        String text = http.send(
                        HttpRequest.newBuilder(base.resolve("/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(kind)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    private static final String[][] OBSERVATIONS = {
        {"2345-7", "Glucose", "95", "mg/dL", "70-99"}, {"2160-0", "Creatinine", "0.9", "mg/dL", "0.6-1.2"},
        {"3094-0", "Urea nitrogen", "14", "mg/dL", "7-20"}, {"2951-2", "Sodium", "140", "mmol/L", "136-145"},
        {"2823-3", "Potassium", "4.1", "mmol/L", "3.5-5.1"}, {"2075-0", "Chloride", "102", "mmol/L", "98-107"},
        {"2028-9", "Carbon dioxide", "25", "mmol/L", "22-29"}, {"17861-6", "Calcium", "9.4", "mg/dL", "8.6-10.3"},
        {"2885-2", "Protein", "7.0", "g/dL", "6.0-8.3"}, {"1751-7", "Albumin", "4.3", "g/dL", "3.5-5.0"}
    };

    private static byte[] message(String controlId, String mrn) {
        StringBuilder m = new StringBuilder(2400);
        m.append("MSH|^~\\&|ESCROWBENCH|BENCH|PATIENTGATE|HUB|20261123120000||ORU^R01^ORU_R01|")
                .append(controlId)
                .append("|P|2.5.1\r");
        m.append("PID|1||").append(mrn).append("^^^BENCH^MR||Bench^Patient||19700101|U\r");
        m.append("OBR|1|ORD")
                .append(controlId)
                .append("||24323-8^Comprehensive metabolic 2000 panel - Serum or Plasma^LN|||20261123090000")
                .append("|||||||||||||||||F\r");
        for (int i = 0; i < OBSERVATIONS.length; i++) {
            String[] o = OBSERVATIONS[i];
            m.append("OBX|")
                    .append(i + 1)
                    .append("|NM|")
                    .append(o[0])
                    .append('^')
                    .append(o[1])
                    .append("^LN||");
            m.append(o[2])
                    .append('|')
                    .append(o[3])
                    .append('^')
                    .append(o[3])
                    .append("^UCUM|")
                    .append(o[4]);
            m.append("|N|||F\r");
        }
        return m.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String readFrame(InputStream in) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
        int b;
        do {
            b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed before the ACK");
            }
        } while (b != 0x0b);
        while ((b = in.read()) != 0x1c) {
            if (b < 0) {
                throw new EOFException("connection closed inside the ACK");
            }
            frame.write(b);
        }
        in.read();
        return frame.toString(StandardCharsets.ISO_8859_1);
    }
}
