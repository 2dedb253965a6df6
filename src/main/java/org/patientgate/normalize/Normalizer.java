package org.patientgate.normalize;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicReference;
import org.patientgate.ingest.Hl7Charsets;
import org.patientgate.ingest.Hl7Envelope;
import org.patientgate.ingest.Hl7ErrorCode;
import org.patientgate.normalize.fhir.FhirReducer;
import org.patientgate.normalize.hl7v2.V2Mapper;
import org.patientgate.normalize.hl7v2.V2Message;
import org.patientgate.normalize.mapping.InvalidMappingsException;
import org.patientgate.normalize.mapping.MappingLoader;
import org.patientgate.normalize.mapping.Mappings;

/**
 * Turns accepted messages into canonical bundles with the mappings folder in force. The folder is
 * read at start and again on {@link #reload()}; a reload that finds any error keeps the running
 * mappings and reports every error. Thread-safe: messages map concurrently against one immutable
 * mapping set.
 */
public final class Normalizer {

    private static final ObjectWriter JSON = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .writer();

    private final Path directory;
    private final MappingLoader loader;
    private final V2Mapper mapper = new V2Mapper();
    private final AtomicReference<Mappings> current = new AtomicReference<>();
    private volatile FhirReducer fhir;

    private Normalizer(Path directory, ZoneId defaultZone) {
        this.directory = directory;
        this.loader = new MappingLoader(V2Mapper.transformNames(), V2Mapper.tablesReadByTransforms(), defaultZone);
    }

    /** Loads the mappings folder; default zone for senders without one: the JVM's. */
    public static Normalizer load(Path mappingsDir) throws InvalidMappingsException {
        return load(mappingsDir, ZoneId.systemDefault());
    }

    public static Normalizer load(Path mappingsDir, ZoneId defaultZone) throws InvalidMappingsException {
        Normalizer normalizer = new Normalizer(mappingsDir, defaultZone);
        normalizer.reload();
        return normalizer;
    }

    /** Reads the folder again; on any error the running mappings stay and the errors are thrown. */
    public Mappings reload() throws InvalidMappingsException {
        Mappings loaded = loader.load(directory);
        current.set(loaded);
        return loaded;
    }

    /** Checks a folder without switching to it (for {@code convert --diff} and reload previews). */
    public Mappings mappings() {
        return current.get();
    }

    public Path directory() {
        return directory;
    }

    /**
     * Converts one HL7 v2 message (raw bytes; charset from MSH-18, else {@code defaultCharset}, else
     * ISO 8859-1).
     */
    public CanonicalBundle fromHl7v2(byte[] message, String defaultCharset) throws UnmappableMessageException {
        Charset fallback = defaultCharset == null ? StandardCharsets.ISO_8859_1 : Charset.forName(defaultCharset);
        Hl7Envelope envelope;
        try {
            envelope = Hl7Envelope.decode(message, fallback);
        } catch (Hl7Envelope.UnreadableMessageException e) {
            throw new UnmappableMessageException(
                    "not a readable HL7 v2 message: " + e.error().describe(),
                    e.error().code());
        }
        java.util.Optional<String> charsetError = envelope.charsetError();
        if (charsetError.isPresent()) {
            // Intake refuses these; a converted file or a dry run must not map mis-decoded text.
            String declared = envelope.msh(18, 1).trim();
            throw new UnmappableMessageException(
                    charsetError.get(),
                    !declared.isEmpty() && Hl7Charsets.forHl7Name(declared).isEmpty()
                            ? Hl7ErrorCode.TABLE_VALUE_NOT_FOUND
                            : Hl7ErrorCode.DATA_TYPE_ERROR);
        }
        V2Mapper.Result result = mapper.map(V2Message.of(envelope), current.get());
        java.util.List<String> problems = BundleCheck.problems(result.bundle());
        if (!problems.isEmpty()) {
            throw new UnmappableMessageException("the mapping made an invalid bundle: " + String.join("; ", problems));
        }
        try {
            return new CanonicalBundle(result.bundleId(), result.structure(), JSON.writeValueAsBytes(result.bundle()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bundle could not be serialized", e);
        }
    }

    /**
     * Reduces FHIR R4 input (a Bundle of type transaction, batch, collection, message or document, or
     * a single resource of a report type) to the canonical bundle shape; see {@link FhirReducer}.
     */
    public CanonicalBundle fromFhir(byte[] json, String sender) throws UnmappableMessageException {
        FhirReducer.Result reduced = fhirReducer().reduce(json, sender);
        return new CanonicalBundle(reduced.bundleId(), "FHIR", reduced.json());
    }

    private FhirReducer fhirReducer() {
        FhirReducer reducer = fhir;
        if (reducer == null) {
            synchronized (this) {
                if (fhir == null) {
                    fhir = new FhirReducer(FhirContext.forR4Cached());
                }
                reducer = fhir;
            }
        }
        return reducer;
    }
}
