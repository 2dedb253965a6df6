package org.patientgate.normalize.cli;

import ca.uhn.fhir.context.FhirContext;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.patientgate.normalize.BundleValidator;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.normalize.Normalizer;
import org.patientgate.normalize.UnmappableMessageException;
import org.patientgate.normalize.mapping.InvalidMappingsException;
import org.patientgate.normalize.mapping.MappingError;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar patientgate.jar convert [options] FILE...}: converts HL7 v2 and FHIR R4 files to
 * the hub's canonical bundles with a mappings folder, without starting the hub (no Spring context, no
 * database, no broker), so an integration engineer can try a mapping edit on stored traffic before
 * it goes live. With {@code --diff OLD} it shows, per file, what the edit changes in the output
 * ({@link BundleDiff}).
 *
 * <p>Exit status: 0 when every file converted (and, with {@code --validate}, is valid FHIR R4); 1
 * when a file could not be converted or is invalid; 2 on a usage error, including a mappings folder
 * with errors. With {@code --diff} failed conversions are part of the report and the status is 0.
 *
 * <p>Output is machine-usable: one input prints its bundle; several print each bundle after a
 * {@code ==> path <==} line (as {@code tail} does); with {@code --out} nothing goes to stdout.
 * Errors and the summary go to stderr. The mappings and the FHIR context are loaded once, so
 * thousands of files convert in one run. FHIR input is converted with the sender name {@value
 * #SENDER}; the bundle ids derive from it.
 */
public final class ConvertCommand {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String SENDER = "convert";

    static final String USAGE_TEXT =
            """
            Usage: java -jar patientgate.jar convert [options] FILE|DIR...

            Converts HL7 v2 (file starts with MSH) and FHIR R4 JSON (starts with {) to the hub's
            canonical FHIR R4 bundle, without starting the hub. A directory stands for its files
            (sorted, not recursive, hidden files skipped).

            Options:
              --mappings DIR   mappings folder (default: system property hub.mappings-dir, else ./mappings)
              --out DIR        write DIR/<file name without extension>.json per input instead of stdout
              --validate       validate each bundle against FHIR R4; errors per file, exit 1 if any
              --charset NAME   charset of HL7 v2 messages without MSH-18, an HL7 table 0211 or Java
                               name (default ISO-8859-1; the hub's listener defaults to UNICODE UTF-8)
              --zone ZONE      time zone for HL7 date/times without an offset, for senders whose site
                               sets none (default: system property hub.normalize.default-zone, else
                               this machine's zone), as the hub's hub.normalize.default-zone
              --diff OLD_DIR   convert with OLD_DIR and with the current mappings and print per file
                               what changes in the output (with --out/--validate: current output)
              --help           this text

            Exit status: 0 all converted (with --diff: report complete), 1 a file failed or is
            invalid, 2 usage error or a mappings folder with errors.
            """;

    private static final ObjectWriter PRETTY = BundleDiff.mapper().writer(prettyPrinter());

    private ConvertCommand() {}

    /**
     * Runs from the command line: UTF-8 output whatever the locale (the bundles are UTF-8 JSON) and
     * library logging at WARN on stderr, as HAPI otherwise logs INFO lines into stdout.
     */
    public static int standalone(String[] args) {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        logWarningsTo("System.err");
        PrintStream out = new PrintStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false,
                StandardCharsets.UTF_8);
        try {
            return run(args, out, err);
        } finally {
            out.flush();
        }
    }

    /**
     * Runs the command (arguments after {@code convert}) and returns the exit status; never calls
     * {@link System#exit(int)}, so tests call it directly.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        long start = System.nanoTime();
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            err.println("convert: " + e.getMessage());
            err.println("Try 'convert --help'.");
            return USAGE;
        }
        if (options.help) {
            out.print(USAGE_TEXT);
            out.flush();
            return OK;
        }
        try {
            List<Path> inputs = expand(options.inputs);
            if (inputs.isEmpty()) {
                throw new UsageException("no files to convert in " + options.inputs);
            }
            Normalizer current = load(options.mappings, options.zone, "mappings folder", err);
            Normalizer old = options.diffAgainst == null
                    ? null
                    : load(options.diffAgainst, options.zone, "old mappings folder", err);
            if (current == null || (options.diffAgainst != null && old == null)) {
                return USAGE;
            }
            if (options.out != null) {
                createOutDirectory(options.out);
            }
            Run run = new Run(options, current, old, inputs, out, err);
            return old == null ? run.convertAll(start) : run.diffAll(start);
        } catch (UsageException e) {
            err.println("convert: " + e.getMessage());
            return USAGE;
        }
    }

    /** The mappings, or null after printing every error ({@code file:line: message}). */
    private static Normalizer load(Path dir, java.time.ZoneId zone, String what, PrintStream err)
            throws UsageException {
        if (!Files.isDirectory(dir)) {
            throw new UsageException(what + " " + dir + " does not exist");
        }
        try {
            return Normalizer.load(dir, zone);
        } catch (InvalidMappingsException e) {
            List<MappingError> errors = e.errors();
            err.println("convert: " + what + " " + dir + " has " + errors.size() + " error(s):");
            for (MappingError error : errors) {
                Path file = Path.of(error.file());
                Path shown = file.isAbsolute() ? file : dir.resolve(file);
                err.println(new MappingError(shown.toString(), error.line(), error.message()));
            }
            return null;
        }
    }

    private static void createOutDirectory(Path dir) throws UsageException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException("--out " + dir + " is not a usable directory: " + e.getMessage());
        }
    }

    /** Files as given, directories as their regular, non-hidden files in name order. */
    static List<Path> expand(List<Path> given) throws UsageException {
        List<Path> files = new ArrayList<>();
        for (Path path : given) {
            if (!Files.isDirectory(path)) {
                files.add(path); // a missing file is reported with the others
                continue;
            }
            try (Stream<Path> listing = Files.list(path)) {
                listing.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UsageException("cannot list " + path + ": " + e.getMessage());
            }
        }
        return files;
    }

    /** What a file holds, from its first bytes after a UTF-8 byte order mark. */
    enum Format {
        HL7V2,
        FHIR_JSON;

        static Format of(byte[] bytes) {
            int i = bomLength(bytes);
            if (bytes.length >= i + 3 && bytes[i] == 'M' && bytes[i + 1] == 'S' && bytes[i + 2] == 'H') {
                return HL7V2;
            }
            while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
                i++;
            }
            return i < bytes.length && bytes[i] == '{' ? FHIR_JSON : null;
        }
    }

    static int bomLength(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF
                ? 3
                : 0;
    }

    /** {@code name.hl7} → {@code name}; the last extension only ({@code a.b.hl7} → {@code a.b}). */
    static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** One file's conversion: the bundle, or why there is none. */
    private record Outcome(CanonicalBundle bundle, String failure) {
        static Outcome of(CanonicalBundle bundle) {
            return new Outcome(bundle, null);
        }

        static Outcome failed(String reason) {
            return new Outcome(null, reason);
        }

        boolean ok() {
            return bundle != null;
        }
    }

    /** One invocation's state: the loaded mappings, the validator if asked for, the counters. */
    private static final class Run {
        private final Options options;
        private final Normalizer current;
        private final Normalizer old;
        private final List<Path> inputs;
        private final PrintStream out;
        private final PrintStream err;
        private final BundleValidator validator;
        private final Map<String, Path> written = new HashMap<>();
        private int invalid;
        private int unwritten;

        Run(Options options, Normalizer current, Normalizer old, List<Path> inputs, PrintStream out, PrintStream err) {
            this.options = options;
            this.current = current;
            this.old = old;
            this.inputs = inputs;
            this.out = out;
            this.err = err;
            this.validator = options.validate ? new BundleValidator(FhirContext.forR4()) : null;
        }

        int convertAll(long start) {
            int converted = 0;
            boolean headers = inputs.size() > 1 && options.out == null;
            boolean first = true;
            for (Path input : inputs) {
                Outcome outcome = convert(current, input, read(input));
                if (!outcome.ok()) {
                    error(input, outcome.failure);
                    continue;
                }
                converted++;
                byte[] pretty = pretty(outcome.bundle);
                if (options.out != null) {
                    write(input, pretty);
                } else {
                    if (headers) {
                        out.print((first ? "" : "\n") + "==> " + input + " <==\n");
                    }
                    out.write(pretty, 0, pretty.length);
                    out.print('\n');
                    first = false;
                }
                validate(input, outcome.bundle);
            }
            out.flush();
            int failed = inputs.size() - converted;
            err.println(String.format(
                    Locale.ROOT,
                    "converted %d of %d files (%d failed)%s%s in %s",
                    converted,
                    inputs.size(),
                    failed,
                    options.validate ? ", " + invalid + " invalid" : "",
                    unwritten > 0 ? ", " + unwritten + " not written" : "",
                    elapsed(start)));
            return failed + invalid + unwritten == 0 ? OK : FAILED;
        }

        int diffAll(long start) {
            int changed = 0;
            int unchanged = 0;
            int failed = 0;
            for (Path input : inputs) {
                Read read = read(input);
                Outcome before = convert(old, input, read);
                Outcome after = convert(current, input, read);
                if (!before.ok() && !after.ok()) {
                    failed++;
                    out.println(input + ": fails with both mappings: "
                            + (before.failure.equals(after.failure)
                                    ? after.failure
                                    : "old: " + before.failure + "; current: " + after.failure));
                } else if (!before.ok()) {
                    changed++;
                    out.println(input + ": now converts (failed with the old mappings: " + before.failure + ")");
                } else if (!after.ok()) {
                    changed++;
                    out.println(input + ": now fails: " + after.failure + " (converted with the old mappings)");
                } else {
                    List<BundleDiff.Change> changes = changes(before.bundle, after.bundle);
                    if (changes.isEmpty()) {
                        unchanged++;
                        out.println(input + ": unchanged");
                    } else {
                        changed++;
                        out.println(input + ": " + changes.size() + (changes.size() == 1 ? " change" : " changes"));
                        for (BundleDiff.Change change : changes) {
                            out.println("  " + change);
                        }
                    }
                }
                if (after.ok()) {
                    if (options.out != null) {
                        write(input, pretty(after.bundle));
                    }
                    validate(input, after.bundle);
                }
            }
            out.println(String.format(
                    Locale.ROOT,
                    "%d changed, %d unchanged, %d failed (%s)",
                    changed,
                    unchanged,
                    failed,
                    elapsed(start)));
            out.flush();
            return invalid + unwritten == 0 ? OK : FAILED;
        }

        /** A file's bytes and format, or why it cannot be converted at all. */
        private record Read(byte[] bytes, Format format, String failure) {}

        private Read read(Path input) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(input);
            } catch (NoSuchFileException e) {
                return new Read(null, null, "no such file");
            } catch (IOException e) {
                return new Read(null, null, "cannot read: " + e.getMessage());
            }
            Format format = Format.of(bytes);
            if (format == null) {
                return new Read(null, null, "neither HL7 v2 (starts with MSH) nor FHIR JSON (starts with {)");
            }
            return new Read(bytes, format, null);
        }

        private Outcome convert(Normalizer normalizer, Path input, Read read) {
            if (read.failure != null) {
                return Outcome.failed(read.failure);
            }
            try {
                return Outcome.of(
                        read.format == Format.HL7V2
                                ? normalizer.fromHl7v2(read.bytes, options.charset)
                                : normalizer.fromFhir(
                                        Arrays.copyOfRange(read.bytes, bomLength(read.bytes), read.bytes.length),
                                        SENDER));
            } catch (UnmappableMessageException e) {
                return Outcome.failed(e.getMessage());
            } catch (RuntimeException e) {
                // a defect in the engine, not in the file: keep going, and give what a bug report needs
                return Outcome.failed("internal error: " + e);
            }
        }

        private List<BundleDiff.Change> changes(CanonicalBundle before, CanonicalBundle after) {
            try {
                return BundleDiff.between(BundleDiff.parse(before.json()), BundleDiff.parse(after.json()));
            } catch (IOException e) {
                throw new IllegalStateException("the engine produced JSON that does not parse", e);
            }
        }

        private void validate(Path input, CanonicalBundle bundle) {
            if (validator == null) {
                return;
            }
            List<BundleValidator.Finding> errors = validator.errors(bundle.json());
            if (!errors.isEmpty()) {
                invalid++;
                out.flush();
                err.println(input + ": not valid FHIR R4 (" + errors.size() + " error(s))");
                for (BundleValidator.Finding finding : errors) {
                    err.println(input + ":   " + finding);
                }
            }
        }

        private void write(Path input, byte[] pretty) {
            String name = baseName(input) + ".json";
            Path previous = written.putIfAbsent(name, input);
            if (previous != null) {
                unwritten++;
                error(input, "not written: " + options.out.resolve(name) + " already holds " + previous);
                return;
            }
            try {
                byte[] document = Arrays.copyOf(pretty, pretty.length + 1);
                document[pretty.length] = '\n';
                Files.write(options.out.resolve(name), document);
            } catch (IOException e) {
                unwritten++;
                error(input, "not written: " + e.getMessage());
            }
        }

        private void error(Path input, String reason) {
            out.flush();
            err.println(input + ": " + reason);
        }
    }

    private static byte[] pretty(CanonicalBundle bundle) {
        try {
            JsonNode tree = BundleDiff.parse(bundle.json());
            return PRETTY.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new IllegalStateException("the engine produced JSON that does not parse", e);
        }
    }

    /** Two-space indent, {@code "key": value}, one array element a line: the FHIR spec's layout. */
    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(
                Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        return printer;
    }

    private static String elapsed(long start) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
    }

    /** Library logging off stdout: stdout carries the bundles. */
    private static void logWarningsTo(String target) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger{36}: %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setTarget(target);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        // HAPI warns about its own bundled R4 definitions while loading them: noise, not the input
        context.getLogger("ca.uhn.fhir.parser.LenientErrorHandler").setLevel(Level.ERROR);
    }

    /** A wrong command line or an unusable folder: exit status 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** The parsed command line. */
    private static final class Options {
        Path mappings = Path.of(System.getProperty("hub.mappings-dir", "./mappings"));
        Path out;
        boolean validate;
        String charset = "ISO-8859-1";
        Path diffAgainst;
        java.time.ZoneId zone;
        boolean help;
        final List<Path> inputs = new ArrayList<>();

        static Options parse(String[] args) throws UsageException {
            Options options = new Options();
            String configured = System.getProperty("hub.normalize.default-zone", "");
            options.zone = configured.isBlank()
                    ? java.time.ZoneId.systemDefault()
                    : zone(configured, "hub.normalize.default-zone");
            boolean onlyFiles = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (onlyFiles || !arg.startsWith("--")) {
                    options.inputs.add(Path.of(arg));
                    continue;
                }
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (name) {
                    case "--" -> onlyFiles = true;
                    case "--help" -> options.help = true;
                    case "--validate" -> options.validate = true;
                    case "--mappings", "--out", "--charset", "--diff", "--zone" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new UsageException(name + " needs a value");
                            }
                            value = args[++i];
                        }
                        options.set(name, value);
                    }
                    default -> throw new UsageException("unknown option " + name);
                }
                if (value != null && (name.equals("--help") || name.equals("--validate"))) {
                    throw new UsageException(name + " takes no value");
                }
            }
            if (!options.help && options.inputs.isEmpty()) {
                throw new UsageException("no files given");
            }
            return options;
        }

        private static java.time.ZoneId zone(String value, String what) throws UsageException {
            try {
                return java.time.ZoneId.of(value);
            } catch (java.time.DateTimeException e) {
                throw new UsageException(what + " " + value + " is not a time zone id (e.g. Europe/Berlin, +08:00)");
            }
        }

        private void set(String name, String value) throws UsageException {
            switch (name) {
                case "--mappings" -> mappings = Path.of(value);
                case "--out" -> out = Path.of(value);
                case "--diff" -> diffAgainst = Path.of(value);
                case "--zone" -> zone = zone(value, "--zone");
                case "--charset" -> {
                    // The names the hub takes: an HL7 table 0211 name or a Java one.
                    try {
                        charset = org.patientgate.ingest.Hl7Charsets.forConfiguredName(value)
                                .name();
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--charset " + value
                                + " is not a charset name (HL7 table 0211 such as 'UNICODE UTF-8', or Java)");
                    }
                }
                default -> throw new IllegalArgumentException(name);
            }
        }
    }
}
