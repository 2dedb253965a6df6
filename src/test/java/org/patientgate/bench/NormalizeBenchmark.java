package org.patientgate.bench;

import ca.uhn.hl7v2.HL7Exception;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.patientgate.normalize.Normalizer;
import org.patientgate.normalize.UnmappableMessageException;

/**
 * HL7 v2.5.1 ORU^R01 with 10 OBX ({@code bench/oru-r01-10obx.hl7}) to canonical FHIR R4 Bundle JSON
 * bytes: the hub's {@link Normalizer} against a HAPI-only baseline ({@link HapiBaseline}), side by
 * side in one run. Threads come from the command line ({@code -t 1}, {@code -t 2}); see
 * docs/BENCHMARKS.md for the command. Not a test: surefire and failsafe never run it.
 *
 * <p>Each benchmark has its own state, so {@code NormalizeBenchmark.hapiBaseline} runs on its own
 * even while {@link Normalizer#load} fails. Both states are shared by all benchmark threads, as the
 * hub shares one normalizer (and one HAPI context) between its consumer threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 5, timeUnit = TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class NormalizeBenchmark {

    static final String MESSAGE_RESOURCE = "/bench/oru-r01-10obx.hl7";

    /** The message bytes, exactly as stored (segments separated by CR). */
    @State(Scope.Benchmark)
    public static class Message {
        byte[] bytes;

        @Setup(Level.Trial)
        public void load() {
            bytes = readMessage();
        }
    }

    /** The hub's normalizer over {@code hub.mappings-dir} (default {@code ./mappings}). */
    @State(Scope.Benchmark)
    public static class NormalizerState {
        Normalizer normalizer;

        /** {@code throws Exception}: compiles whether or not {@code load} declares a checked exception. */
        @Setup(Level.Trial)
        public void load() throws Exception {
            normalizer = Normalizer.load(Path.of(System.getProperty("hub.mappings-dir", "mappings")));
        }
    }

    /** The HAPI-only baseline: one HAPI v2 context and one FhirContext for the whole run. */
    @State(Scope.Benchmark)
    public static class BaselineState {
        HapiBaseline baseline;

        @Setup(Level.Trial)
        public void load() {
            baseline = new HapiBaseline();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            baseline.close();
        }
    }

    @Benchmark
    public byte[] normalizer(Message message, NormalizerState state) throws UnmappableMessageException {
        return state.normalizer.fromHl7v2(message.bytes, null).json();
    }

    @Benchmark
    public byte[] hapiBaseline(Message message, BaselineState state) throws HL7Exception {
        return state.baseline.toBundleJson(message.bytes);
    }

    static byte[] readMessage() {
        try (InputStream in = NormalizeBenchmark.class.getResourceAsStream(MESSAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(MESSAGE_RESOURCE + " not on the classpath (run test-compile)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
