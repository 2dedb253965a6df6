package org.patientgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.awaitility.Awaitility;
import org.patientgate.protect.SubKeyString;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletKeys;

/**
 * Decrypt requests through the hub's REST API ({@code POST /api/protect/decrypt}) on a running hub:
 * the whole request as a node makes it (HTTP, session check, JSON, the privacy module, the sealed
 * answer), where {@code ProtectBenchmark} measures the module and its store alone.
 *
 * <p>Set-up (not timed): a patient and a node register; the patient enrols and {@code --reports}
 * ORU^R01 messages for them go in over MLLP; once every report is protected the patient allocates a
 * spare slot of each to the node, and the node seals each sub-key to the module as a REST caller
 * does. Then, for each of {@code --threads} (default 2,4,8), that many threads post decrypt requests
 * for random reports for {@code --seconds} (default 20) after a 5 s warm-up. One answer per run is
 * opened with the node's key and checked to be a Bundle.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.patientgate.bench.DecryptHttpBenchmark \
 *     --base-url http://127.0.0.1:8080 --mllp 127.0.0.1:2575 --token $HUB_API_TOKEN [--reports 400] (at most 500: the patient lists 500 reports)
 * </pre>
 */
public final class DecryptHttpBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int status = 0;
        try {
            run(o);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private static void run(Map<String, String> o) throws Exception {
        URI base = URI.create(o.getOrDefault("base-url", "http://127.0.0.1:8080"));
        String token = o.get("token");
        String[] mllp = o.getOrDefault("mllp", "127.0.0.1:2575").split(":");
        int reports = Integer.parseInt(o.getOrDefault("reports", "400"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "20"));
        HttpClient http = HttpClient.newHttpClient();
        String run =
                Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36).toUpperCase(Locale.ROOT);
        System.out.printf(
                Locale.ROOT,
                "DecryptHttpBenchmark hub=%s reports=%d seconds=%d cpus=%d%n",
                base,
                reports,
                seconds,
                Runtime.getRuntime().availableProcessors());

        // ---- set-up
        long s0 = System.nanoTime();
        Wallet patient = new Wallet(WalletKeys.generate(), new HubClient(base, null, http));
        patient.register(Role.PATIENT, null);
        patient.signIn();
        Wallet node = new Wallet(WalletKeys.generate(), new HubClient(base, null, http));
        node.register(Role.NODE, "Decrypt benchmark node");
        node.signIn();
        String mrn = "DB" + run;
        String system = identifierSystem(http, base, token, message("SYS", mrn));
        patient.linkIdentifier(patient.hub().enrolmentCode(token, system, mrn).code());
        try (Socket socket = new Socket(mllp[0], Integer.parseInt(mllp[1]))) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < reports; i++) {
                out.write(0x0b);
                out.write(message("DB" + run + "-" + i, mrn));
                out.write(0x1c);
                out.write(0x0d);
                out.flush();
                int b;
                while ((b = socket.getInputStream().read()) != 0x1c) {
                    if (b < 0) {
                        throw new IllegalStateException("the MLLP connection closed");
                    }
                }
                socket.getInputStream().read();
            }
        }
        Awaitility.await("every report protected")
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> patient.reports().size() >= reports);
        List<UUID> ids = new ArrayList<>();
        for (HubClient.ProtectedReport r : patient.reports()) {
            patient.allocate(r.report(), node.address());
            ids.add(r.report());
        }
        byte[] moduleKey = node.hub().moduleKey();
        List<String> bodies = new ArrayList<>();
        List<UUID> bodyReports = new ArrayList<>();
        for (SubKeyString s : node.receivedSubKeys()) {
            byte[] sealed = Wallet.sealToModule(moduleKey, s.report(), s);
            bodies.add("{\"report\":\"" + s.report() + "\",\"subKey\":\""
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed) + "\"}");
            bodyReports.add(s.report());
        }
        System.out.printf(
                Locale.ROOT,
                "set-up: %d reports protected, %d sub-keys allocated to the node, in %.1f s%n",
                ids.size(),
                bodies.size(),
                (System.nanoTime() - s0) / 1e9);
        String session = node.hub().sessionToken().orElseThrow();

        // ---- runs
        for (String t : o.getOrDefault("threads", "2,4,8").split(",")) {
            int threads = Integer.parseInt(t.trim());
            runFor(http, base, session, bodies, threads, 5, null);
            Histogram latency = new Histogram(60_000_000_000L, 3);
            AtomicLong errors = new AtomicLong();
            long t0 = System.nanoTime();
            long done = runFor(http, base, session, bodies, threads, seconds, new Object[] {latency, errors});
            double elapsed = (System.nanoTime() - t0) / 1e9;
            // one answer opened with the node's key
            int pick = ThreadLocalRandom.current().nextInt(bodies.size());
            HttpResponse<String> answer = post(http, base, session, bodies.get(pick));
            byte[] sealed = Base64.getUrlDecoder()
                    .decode(JSON.readTree(answer.body()).path("sealed").asText());
            String bundle = new String(node.openReport(bodyReports.get(pick), sealed), StandardCharsets.UTF_8);
            System.out.printf(
                    Locale.ROOT,
                    "threads=%d requests=%d errors=%d elapsed_s=%.1f requests_per_s=%.0f latency_ms p50=%.2f p90=%.2f"
                            + " p99=%.2f max=%.2f answer_is_bundle=%s%n",
                    threads,
                    done,
                    errors.get(),
                    elapsed,
                    done / elapsed,
                    latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(90) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6,
                    latency.getMaxValue() / 1e6,
                    bundle.contains("\"resourceType\":\"Bundle\""));
        }
    }

    /** Posts decrypts from {@code threads} threads for {@code seconds}; records into {latency, errors} if given. */
    private static long runFor(
            HttpClient http, URI base, String session, List<String> bodies, int threads, int seconds, Object[] record)
            throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong count = new AtomicLong();
        Thread[] workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String body = bodies.get(ThreadLocalRandom.current().nextInt(bodies.size()));
                    long r0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = post(http, base, session, body);
                        if (record != null) {
                            if (response.statusCode() != 200) {
                                ((AtomicLong) record[1]).incrementAndGet();
                            }
                            Histogram h = (Histogram) record[0];
                            synchronized (h) {
                                h.recordValue(System.nanoTime() - r0);
                            }
                        }
                        count.incrementAndGet();
                    } catch (Exception e) {
                        if (record != null) {
                            ((AtomicLong) record[1]).incrementAndGet();
                        }
                    }
                }
            });
            workers[i].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return count.get();
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String session, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(base.resolve("/api/protect/decrypt"))
                        .header("Authorization", "Bearer " + session)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String identifierSystem(HttpClient http, URI base, String token, byte[] message) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(message))
                .build();
        for (JsonNode e : JSON.readTree(
                        http.send(request, HttpResponse.BodyHandlers.ofString()).body())
                .path("entry")) {
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

    /** An ORU^R01 with 40 results (a bundle of about 15 KB, as in ProtectBenchmark). */
    private static byte[] message(String controlId, String mrn) {
        StringBuilder m = new StringBuilder(6000);
        m.append("MSH|^~\\&|DECRYPTBENCH|BENCH|PATIENTGATE|HUB|20261123120000||ORU^R01^ORU_R01|")
                .append(controlId)
                .append("|P|2.5.1\r");
        m.append("PID|1||").append(mrn).append("^^^BENCH^MR||Bench^Patient||19700101|U\r");
        m.append("OBR|1|ORD").append(controlId).append("||24323-8^Metabolic panel^LN|||20261123090000\r");
        for (int i = 1; i <= 40; i++) {
            m.append("OBX|").append(i).append("|NM|2345-7^Glucose^LN||").append(80 + i);
            m.append("|mg/dL^mg/dL^UCUM|70-99|N|||F\r");
        }
        return m.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
