package org.patientgate.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Load generator for the hub's MLLP listener: plain sockets, MLLP framing, no Spring.
 *
 * <p>Sends HL7 v2.5.1 ORU^R01 messages (10 OBX each, unique MSH-10 per message) and checks that each
 * answer is an ACK with MSA-1 AA and MSA-2 equal to the control id sent. One message is outstanding
 * per connection at a time, as MLLP senders do.
 *
 * <ul>
 *   <li>Closed loop ({@code --rate 0}, the default): every connection sends its next message as soon
 *       as the previous ACK arrived. Latency is send to ACK.
 *   <li>Open loop ({@code --rate R}): message i of the run is scheduled at {@code start + i/R}
 *       seconds and goes out on connection {@code i mod connections}. Latency is measured from the
 *       scheduled send time, not the actual one, so a stalled hub shows up in the percentiles
 *       (no coordinated omission).
 * </ul>
 *
 * <p>Usage: {@code MllpLoadGenerator --host localhost --port 2575 --connections 1,4,16 --messages
 * 20000 [--rate 0] [--warmup 5000] [--heap-url URL] [--heap-recheck-s 30] [--timeout-ms 30000]}.
 * Each connection count is a separate run on fresh connections; the warmup messages are sent closed
 * loop on the run's connections before measuring and are not counted. Exit status 1 if any message
 * failed.
 */
public final class MllpLoadGenerator {

    private static final byte START_BLOCK = 0x0B;
    private static final byte END_BLOCK = 0x1C;
    private static final byte CARRIAGE_RETURN = 0x0D;

    private static final DateTimeFormatter HL7_TS = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
    private static final Pattern JSON_VALUE = Pattern.compile("\"value\"\\s*:\\s*([-+0-9.eE]+)");

    /** Ten observations: LOINC code, name, value, units, reference range. */
    private static final String[][] OBSERVATIONS = {
        {"2345-7", "Glucose [Mass/volume] in Serum or Plasma", "98", "mg/dL", "70-99"},
        {"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "0.92", "mg/dL", "0.57-1.00"},
        {"3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "14", "mg/dL", "6-20"},
        {"2951-2", "Sodium [Moles/volume] in Serum or Plasma", "140", "mmol/L", "136-145"},
        {"2823-3", "Potassium [Moles/volume] in Serum or Plasma", "4.2", "mmol/L", "3.5-5.1"},
        {"2075-0", "Chloride [Moles/volume] in Serum or Plasma", "102", "mmol/L", "98-107"},
        {"2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", "25", "mmol/L", "22-29"},
        {"17861-6", "Calcium [Mass/volume] in Serum or Plasma", "9.4", "mg/dL", "8.6-10.3"},
        {"2885-2", "Protein [Mass/volume] in Serum or Plasma", "7.1", "g/dL", "6.0-8.3"},
        {"1751-7", "Albumin [Mass/volume] in Serum or Plasma", "4.3", "g/dL", "3.5-5.2"},
    };

    private final String host;
    private final int port;
    private final int timeoutMs;
    private final String runPrefix;
    private final AtomicLong counter = new AtomicLong();

    private MllpLoadGenerator(String host, int port, int timeoutMs) {
        this.host = host;
        this.port = port;
        this.timeoutMs = timeoutMs;
        SecureRandom random = new SecureRandom();
        StringBuilder prefix = new StringBuilder("LG");
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (int i = 0; i < 6; i++) {
            prefix.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        this.runPrefix = prefix.toString();
    }

    public static void main(String[] args) throws Exception {
        String host = "localhost";
        int port = 2575;
        List<Integer> connections = List.of(1);
        long messages = 10_000;
        double rate = 0;
        long warmup = 0;
        String heapUrl = null;
        int heapRecheckSeconds = 0;
        int timeoutMs = 30_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--host" -> host = require(a, v);
                case "--port" -> port = Integer.parseInt(require(a, v));
                case "--connections" -> {
                    List<Integer> list = new ArrayList<>();
                    for (String s : require(a, v).split(",")) {
                        list.add(Integer.parseInt(s.trim()));
                    }
                    connections = list;
                }
                case "--messages" -> messages = Long.parseLong(require(a, v));
                case "--rate" -> rate = Double.parseDouble(require(a, v));
                case "--warmup" -> warmup = Long.parseLong(require(a, v));
                case "--heap-url" -> heapUrl = require(a, v);
                case "--heap-recheck-s" -> heapRecheckSeconds = Integer.parseInt(require(a, v));
                case "--timeout-ms" -> timeoutMs = Integer.parseInt(require(a, v));
                case "--help", "-h" -> {
                    System.out.println("MllpLoadGenerator --host H --port P --connections 1,4,16 --messages N"
                            + " [--rate R (msgs/s, 0 = closed loop)] [--warmup N] [--heap-url URL]"
                            + " [--heap-recheck-s S] [--timeout-ms MS]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
            i++;
        }
        MllpLoadGenerator generator = new MllpLoadGenerator(host, port, timeoutMs);
        int sample = generator.message(0, "20250101120000").length;
        System.out.printf(
                Locale.ROOT,
                "MllpLoadGenerator target=%s:%d mode=%s messages/run=%d warmup/run=%d message_bytes~%d"
                        + " control_id_prefix=%s cpus=%d%n",
                host,
                port,
                rate > 0 ? String.format(Locale.ROOT, "open-loop %.0f msgs/s", rate) : "closed-loop",
                messages,
                warmup,
                sample,
                generator.runPrefix,
                Runtime.getRuntime().availableProcessors());
        long totalFailures = 0;
        for (int c : connections) {
            totalFailures += generator.run(c, messages, rate, warmup);
        }
        if (heapUrl != null) {
            System.out.printf(Locale.ROOT, "hub heap used after run: %s%n", heap(heapUrl));
            if (heapRecheckSeconds > 0) {
                Thread.sleep(TimeUnit.SECONDS.toMillis(heapRecheckSeconds));
                System.out.printf(Locale.ROOT, "hub heap used %d s later: %s%n", heapRecheckSeconds, heap(heapUrl));
            }
        }
        System.exit(totalFailures == 0 ? 0 : 1);
    }

    private static String require(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return value;
    }

    /** One run on fresh connections; returns the number of failed messages. */
    private long run(int connections, long messages, double rate, long warmup) throws Exception {
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            conns.add(new Conn(i));
        }
        try {
            if (warmup > 0) {
                phase(conns, warmup, 0, new Histogram(3));
            }
            Histogram latency = new Histogram(3);
            long[] result = phase(conns, messages, rate, latency);
            long elapsedNanos = result[0];
            long failures = result[1];
            double seconds = elapsedNanos / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "connections=%d mode=%s messages=%d failures=%d elapsed_s=%.2f msgs_per_s=%.1f"
                            + " ack_latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f%n",
                    connections,
                    rate > 0 ? String.format(Locale.ROOT, "open-loop@%.0f", rate) : "closed-loop",
                    messages,
                    failures,
                    seconds,
                    messages / seconds,
                    latency.getValueAtPercentile(50) / 1000.0,
                    latency.getValueAtPercentile(90) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0,
                    latency.getMaxValue() / 1000.0);
            return failures;
        } finally {
            for (Conn c : conns) {
                c.close();
            }
        }
    }

    /**
     * Sends {@code messages} over the connections and waits for every ACK. Latencies are recorded in
     * microseconds. Returns {elapsed nanos, failures}.
     */
    private long[] phase(List<Conn> conns, long messages, double rate, Histogram latency) throws Exception {
        int n = conns.size();
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong next = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long[] startHolder = new long[1];
        Histogram[] perThread = new Histogram[n];
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int index = k;
            Conn conn = conns.get(k);
            Histogram h = new Histogram(3);
            perThread[k] = h;
            Thread t = new Thread(
                    () -> {
                        ready.countDown();
                        try {
                            go.await();
                            long start = startHolder[0];
                            if (rate > 0) {
                                double interval = 1e9 / rate;
                                for (long i = index; i < messages; i += n) {
                                    long scheduled = start + (long) (i * interval);
                                    long wait;
                                    while ((wait = scheduled - System.nanoTime()) > 0) {
                                        LockSupport.parkNanos(wait);
                                    }
                                    if (!conn.exchange(counter.getAndIncrement())) {
                                        failures.incrementAndGet();
                                    }
                                    h.recordValue(Math.max(0, (System.nanoTime() - scheduled) / 1000));
                                }
                            } else {
                                while (next.getAndIncrement() < messages) {
                                    long sent = System.nanoTime();
                                    if (!conn.exchange(counter.getAndIncrement())) {
                                        failures.incrementAndGet();
                                    }
                                    h.recordValue((System.nanoTime() - sent) / 1000);
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    },
                    "mllp-load-" + k);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        ready.await();
        startHolder[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        go.countDown();
        done.await();
        long elapsed = System.nanoTime() - startHolder[0];
        for (Thread t : threads) {
            t.join();
        }
        for (Histogram h : perThread) {
            latency.add(h);
        }
        return new long[] {elapsed, failures.get()};
    }

    /** The ORU^R01 for sequence number {@code seq}, unframed. */
    byte[] message(long seq, String timestamp) {
        String controlId = runPrefix + seq;
        StringBuilder m = new StringBuilder(2800);
        m.append("MSH|^~\\&|LOADGEN|BENCH|PATIENTGATE|HUB|")
                .append(timestamp)
                .append("||ORU^R01^ORU_R01|")
                .append(controlId)
                .append("|P|2.5.1\r");
        long patient = seq % 100_000;
        m.append("PID|1||MRN")
                .append(patient)
                .append("^^^BENCH^MR||Loadtest^Patient^")
                .append(patient)
                .append("||19700101|U|||1 Bench Street^^Testville^^00000||||||||\r");
        m.append("PV1|1|O|LAB^^^BENCH||||1234^Doctor^Test\r");
        m.append("ORC|RE|ORD").append(seq).append("|FIL").append(seq).append("||CM\r");
        m.append("OBR|1|ORD")
                .append(seq)
                .append("|FIL")
                .append(seq)
                .append("|24323-8^Comprehensive metabolic 2000 panel - Serum or Plasma^LN|||")
                .append(timestamp)
                .append("|||||||")
                .append(timestamp)
                .append("||1234^Doctor^Test||||||")
                .append(timestamp)
                .append("||CH|F\r");
        for (int i = 0; i < OBSERVATIONS.length; i++) {
            String[] o = OBSERVATIONS[i];
            m.append("OBX|")
                    .append(i + 1)
                    .append("|NM|")
                    .append(o[0])
                    .append('^')
                    .append(o[1])
                    .append("^LN||")
                    .append(o[2])
                    .append('|')
                    .append(o[3])
                    .append('^')
                    .append(o[3])
                    .append("^UCUM|")
                    .append(o[4])
                    .append("|N|||F|||")
                    .append(timestamp)
                    .append("|BENCH^Bench Laboratory^L||AUTO^Automated analyzer|ANALYZER-01^Chemistry analyzer|")
                    .append(timestamp)
                    .append('\r');
        }
        return m.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String heap(String url) {
        try {
            HttpURLConnection http = (HttpURLConnection) new URL(url).openConnection();
            http.setConnectTimeout(5000);
            http.setReadTimeout(5000);
            try (InputStream in = http.getInputStream()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Matcher matcher = JSON_VALUE.matcher(body);
                if (!matcher.find()) {
                    return "no \"value\" in response: " + body;
                }
                double bytes = Double.parseDouble(matcher.group(1));
                return String.format(Locale.ROOT, "%.1f MiB (%.0f bytes)", bytes / (1024 * 1024), bytes);
            } finally {
                http.disconnect();
            }
        } catch (IOException | RuntimeException e) {
            return "unavailable (" + e + ")";
        }
    }

    /** One MLLP connection: one message out, its ACK back. */
    private final class Conn {
        private final int index;
        private Socket socket;
        private OutputStream out;
        private InputStream in;
        private final ByteArrayOutputStream ack = new ByteArrayOutputStream(512);
        private String timestamp = "";
        private long timestampSecond = -1;
        private boolean reportedFailure;

        Conn(int index) throws IOException {
            this.index = index;
            connect();
        }

        private void connect() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMs);
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        /** Sends message {@code seq} and reads its ACK; true if MSA-1 is AA and MSA-2 is our id. */
        boolean exchange(long seq) {
            String controlId = runPrefix + seq;
            try {
                if (socket == null) {
                    connect();
                }
                out.write(START_BLOCK);
                out.write(message(seq, timestamp()));
                out.write(END_BLOCK);
                out.write(CARRIAGE_RETURN);
                out.flush();
                String answer = readFrame();
                String problem = checkAck(answer, controlId);
                if (problem != null) {
                    report("control id " + controlId + ": " + problem);
                    return false;
                }
                return true;
            } catch (IOException e) {
                report("control id " + controlId + ": " + e);
                closeQuietly();
                return false;
            }
        }

        private String timestamp() {
            long second = System.currentTimeMillis() / 1000;
            if (second != timestampSecond) {
                timestampSecond = second;
                timestamp = LocalDateTime.now().format(HL7_TS);
            }
            return timestamp;
        }

        private String readFrame() throws IOException {
            int b;
            do {
                b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed before the ACK");
                }
            } while (b != START_BLOCK);
            ack.reset();
            while (true) {
                b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed inside the ACK frame");
                }
                if (b == END_BLOCK) {
                    int cr = in.read();
                    if (cr != CARRIAGE_RETURN) {
                        throw new IOException("ACK frame end 0x1C not followed by 0x0D");
                    }
                    return ack.toString(StandardCharsets.ISO_8859_1);
                }
                ack.write(b);
            }
        }

        private static String checkAck(String answer, String controlId) {
            if (answer.length() < 4 || !answer.startsWith("MSH")) {
                return "answer is not an HL7 message";
            }
            char fs = answer.charAt(3);
            for (String segment : answer.split("[\r\n]+")) {
                if (segment.startsWith("MSA" + fs)) {
                    String[] fields = segment.split(Pattern.quote(String.valueOf(fs)), -1);
                    String code = fields.length > 1 ? fields[1] : "";
                    String echoed = fields.length > 2 ? fields[2] : "";
                    if (!"AA".equals(code)) {
                        return "MSA-1 is " + code + " (" + (fields.length > 3 ? fields[3] : "") + ")";
                    }
                    if (!controlId.equals(echoed)) {
                        return "MSA-2 is " + echoed;
                    }
                    return null;
                }
            }
            return "no MSA segment";
        }

        private void report(String problem) {
            if (!reportedFailure) {
                reportedFailure = true;
                System.err.println("connection " + index + " first failure: " + problem);
            }
        }

        private void closeQuietly() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // nothing to do
            }
            socket = null;
        }

        void close() {
            closeQuietly();
        }
    }
}
