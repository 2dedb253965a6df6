package org.patientgate.web;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.patientgate.ingest.FhirIngestProperties;
import org.patientgate.ingest.Hl7Charsets;
import org.patientgate.ingest.Hl7Envelope;
import org.patientgate.ingest.MllpProperties;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.normalize.Normalizer;
import org.patientgate.normalize.UnmappableMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code POST /fhir/$convert-hl7v2}: the HL7 v2 to canonical bundle conversion as a dry run for
 * integration engineers. The body is the message itself ({@code x-application/hl7-v2+er7} or {@code
 * text/plain}, with an optional {@code charset} parameter used when MSH-18 is empty, else the MLLP
 * listener's default), or a FHIR {@code Parameters} resource whose {@code message} parameter holds it
 * as {@code valueString} (or as {@code valueBase64Binary}, with an optional {@code charset}
 * parameter). The answer is {@code 200} with the canonical Bundle exactly as the pipeline would
 * store it, or an OperationOutcome: 400 (empty or malformed request), 401 (no operations token),
 * 405, 413, 415, 422 (the message cannot be read or mapped; the diagnostics give the reason, which
 * names rules and locations, never values). Nothing is stored, queued or dead-lettered; the log
 * gets the outcome only; {@code hub.convert.requests{outcome}} counts the requests.
 *
 * <p>Why a servlet and not a Spring MVC controller: HAPI's {@code RestfulServer} owns {@code
 * /fhir/*}, where every request needs the senders' token and every refused write is kept as a dead
 * letter. An exact servlet mapping takes precedence over that path-prefix mapping (Servlet 6.0,
 * section 12.1), so this one path is served here, guarded by the operations token, and never reaches
 * HAPI's gatekeeper or store. (Spring MVC's DispatcherServlet is mapped to {@code /} and cannot take
 * a second mapping.) A trailing slash or any other path under {@code /fhir} still goes to HAPI.
 */
@Configuration(proxyBeanMethods = false)
class ConvertEndpoint {

    static final String PATH = "/fhir/$convert-hl7v2";

    @Bean
    ServletRegistrationBean<ConvertServlet> convertHl7v2Servlet(
            Normalizer normalizer,
            FhirContext fhir,
            FilterRegistrationBean<ApiTokenFilter> apiTokenFilter,
            MllpProperties mllp,
            FhirIngestProperties fhirProperties,
            MeterRegistry registry) {
        ConvertServlet servlet = new ConvertServlet(
                normalizer,
                fhir,
                apiTokenFilter.getFilter(),
                Hl7Charsets.forConfiguredName(mllp.defaultCharset()),
                fhirProperties.maxBodyBytes(),
                registry);
        ServletRegistrationBean<ConvertServlet> registration = new ServletRegistrationBean<>(servlet, PATH);
        registration.setName("convert-hl7v2");
        registration.setLoadOnStartup(1);
        return registration;
    }

    /** How a request ended, the {@code outcome} tag of {@code hub.convert.requests}. */
    enum Outcome {
        CONVERTED(HttpServletResponse.SC_OK),
        UNMAPPABLE(422),
        BAD_REQUEST(HttpServletResponse.SC_BAD_REQUEST),
        UNAUTHORIZED(HttpServletResponse.SC_UNAUTHORIZED),
        METHOD_NOT_ALLOWED(HttpServletResponse.SC_METHOD_NOT_ALLOWED),
        TOO_LARGE(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE),
        UNSUPPORTED_MEDIA_TYPE(HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE),
        ERROR(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);

        final int status;

        Outcome(int status) {
            this.status = status;
        }

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final class ConvertServlet extends HttpServlet {

        private static final Logger log = LoggerFactory.getLogger(ConvertEndpoint.class);
        private static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";
        private static final Set<String> HL7_TYPES = Set.of("x-application/hl7-v2+er7", "text/plain");
        private static final Set<String> JSON_TYPES =
                Set.of("application/fhir+json", "application/json", "application/json+fhir");
        private static final Set<String> XML_TYPES =
                Set.of("application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml");
        private static final String ACCEPTED = "x-application/hl7-v2+er7 or text/plain (the message), or "
                + "application/fhir+json or application/fhir+xml (a Parameters resource with a 'message' parameter)";

        private final transient Normalizer normalizer;
        private final transient FhirContext fhir;
        private final transient ApiTokenFilter tokens;
        private final transient Charset defaultCharset;
        private final int maxBodyBytes;
        private final transient Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

        ConvertServlet(
                Normalizer normalizer,
                FhirContext fhir,
                ApiTokenFilter tokens,
                Charset defaultCharset,
                int maxBodyBytes,
                MeterRegistry registry) {
            this.normalizer = normalizer;
            this.fhir = fhir;
            this.tokens = tokens;
            this.defaultCharset = defaultCharset;
            this.maxBodyBytes = maxBodyBytes;
            for (Outcome outcome : Outcome.values()) {
                counters.put(
                        outcome,
                        Counter.builder("hub.convert.requests")
                                .description("Dry-run HL7 v2 conversions requested at " + PATH + ", by outcome")
                                .tag("outcome", outcome.tag())
                                .register(registry));
            }
        }

        /** A request answered with an OperationOutcome. */
        private static final class Refusal extends Exception {
            final Outcome outcome;
            final IssueType code;

            Refusal(Outcome outcome, IssueType code, String diagnostics) {
                super(diagnostics, null, false, false);
                this.outcome = outcome;
                this.code = code;
            }
        }

        /** The message to convert and the charset for it when MSH-18 is empty. */
        private record Input(byte[] message, Charset charset) {}

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setHeader("Cache-Control", "no-store");
            try {
                Input input = readInput(request);
                CanonicalBundle bundle =
                        normalizer.fromHl7v2(input.message(), input.charset().name());
                count(Outcome.CONVERTED);
                log.info(
                        "Dry-run HL7 v2 conversion at {}: converted ({}, {} bytes), nothing stored",
                        PATH,
                        bundle.structure(),
                        input.message().length);
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentType(FHIR_JSON);
                response.setContentLength(bundle.json().length);
                response.getOutputStream().write(bundle.json());
            } catch (Refusal refusal) {
                refuse(response, refusal);
            } catch (UnmappableMessageException e) {
                // The reason names rules, segments and fields, never their content (see the exception).
                refuse(response, new Refusal(Outcome.UNMAPPABLE, IssueType.PROCESSING, e.getMessage()));
            } catch (RuntimeException e) {
                // An exception's message can quote the message being converted: log its type and frames only.
                RuntimeException scrubbed = new RuntimeException(e.getClass().getName());
                scrubbed.setStackTrace(e.getStackTrace());
                log.error("Dry-run HL7 v2 conversion at {} failed", PATH, scrubbed);
                refuse(
                        response,
                        new Refusal(
                                Outcome.ERROR,
                                IssueType.EXCEPTION,
                                "the conversion failed unexpectedly ("
                                        + e.getClass().getSimpleName() + "); the hub's log has the details"));
            }
        }

        private Input readInput(HttpServletRequest request) throws Refusal, IOException {
            if (!tokens.authorizes(request)) {
                throw new Refusal(
                        Outcome.UNAUTHORIZED,
                        IssueType.LOGIN,
                        "this operation needs the operations API bearer token (hub.api.token)");
            }
            if (!"POST".equals(request.getMethod())) {
                throw new Refusal(
                        Outcome.METHOD_NOT_ALLOWED,
                        IssueType.NOTSUPPORTED,
                        PATH + " takes POST only, not " + request.getMethod());
            }
            if (request.getContentLengthLong() > maxBodyBytes) {
                throw tooLarge();
            }
            String contentType = request.getContentType();
            String type = null;
            Charset declared = null;
            if (contentType != null && !contentType.isBlank()) {
                // Read by hand: Spring's MediaType refuses a charset Java does not know by that name,
                // and this one may be an HL7 table 0211 name ("UNICODE UTF-8").
                String[] parts = contentType.split(";");
                type = parts[0].strip().toLowerCase(Locale.ROOT);
                if (!HL7_TYPES.contains(type) && !JSON_TYPES.contains(type) && !XML_TYPES.contains(type)) {
                    throw unsupported("Content-Type " + type + " is not taken; send " + ACCEPTED);
                }
                for (int i = 1; i < parts.length; i++) {
                    int eq = parts[i].indexOf('=');
                    if (eq > 0 && parts[i].substring(0, eq).strip().equalsIgnoreCase("charset")) {
                        declared = charset(parts[i].substring(eq + 1));
                    }
                }
            }
            byte[] body = readBody(request.getInputStream());
            if (isBlank(body)) {
                throw new Refusal(
                        Outcome.BAD_REQUEST,
                        IssueType.REQUIRED,
                        "the request has no body; send the HL7 v2 message, or a Parameters resource with it");
            }
            if (type == null) {
                throw unsupported("the request has no Content-Type; send " + ACCEPTED);
            }
            if (HL7_TYPES.contains(type)) {
                return new Input(body, declared != null ? declared : defaultCharset);
            }
            Charset bodyCharset = declared != null ? declared : StandardCharsets.UTF_8;
            IParser parser = JSON_TYPES.contains(type) ? fhir.newJsonParser() : fhir.newXmlParser();
            return fromParameters(parse(parser, new String(body, bodyCharset)));
        }

        private Parameters parse(IParser parser, String text) throws Refusal {
            IBaseResource resource;
            try {
                // Strict: a lenient parser would log what it skips, and that can quote the request.
                resource =
                        parser.setParserErrorHandler(new StrictErrorHandler()).parseResource(text);
            } catch (DataFormatException e) {
                throw new Refusal(
                        Outcome.BAD_REQUEST,
                        IssueType.INVALID,
                        "the body is not a valid FHIR resource: " + e.getMessage());
            }
            if (!(resource instanceof Parameters parameters)) {
                throw new Refusal(
                        Outcome.BAD_REQUEST,
                        IssueType.INVALID,
                        "a FHIR body must be a Parameters resource, not " + fhir.getResourceType(resource));
            }
            return parameters;
        }

        private Input fromParameters(Parameters parameters) throws Refusal {
            Parameters.ParametersParameterComponent message = null;
            Charset charset = null;
            for (Parameters.ParametersParameterComponent parameter : parameters.getParameter()) {
                if ("message".equals(parameter.getName())) {
                    if (message != null) {
                        throw badParameters("the 'message' parameter is given more than once");
                    }
                    message = parameter;
                } else if ("charset".equals(parameter.getName())) {
                    if (!(parameter.getValue() instanceof PrimitiveType<?> value) || value.getValueAsString() == null) {
                        throw badParameters("the 'charset' parameter needs a valueString or valueCode");
                    }
                    charset = charset(value.getValueAsString());
                } else {
                    throw badParameters("unknown parameter '" + parameter.getName()
                            + "'; this operation takes 'message' and optionally 'charset'");
                }
            }
            if (message == null) {
                throw badParameters("the Parameters resource has no 'message' parameter");
            }
            if (message.getValue() instanceof Base64BinaryType base64 && base64.getValue() != null) {
                if (isBlank(base64.getValue())) {
                    throw badParameters("the 'message' parameter is empty");
                }
                return new Input(base64.getValue(), charset != null ? charset : defaultCharset);
            }
            if (message.getValue() instanceof org.hl7.fhir.r4.model.StringType string && string.getValue() != null) {
                if (string.getValue().isBlank()) {
                    throw badParameters("the 'message' parameter is empty");
                }
                if (charset != null) {
                    throw badParameters(
                            "'charset' goes with a valueBase64Binary message; a valueString is already text");
                }
                return encode(string.getValue());
            }
            throw badParameters("the 'message' parameter needs a valueString or a valueBase64Binary");
        }

        /**
         * A message given as text is encoded in the charset its MSH-18 names (UTF-8 when empty), so
         * the converter, which reads the bytes by MSH-18, reads back exactly the text that was sent.
         */
        private static Input encode(String text) throws Refusal {
            Charset charset = StandardCharsets.UTF_8;
            try {
                Hl7Envelope envelope = Hl7Envelope.decode(text.getBytes(StandardCharsets.UTF_8), charset);
                if (envelope.charsetError().isEmpty()) {
                    charset = envelope.charset();
                }
            } catch (Hl7Envelope.UnreadableMessageException e) {
                // no readable MSH: the converter says so below
            }
            try {
                ByteBuffer bytes = charset.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(text));
                byte[] message = new byte[bytes.remaining()];
                bytes.get(message);
                return new Input(message, StandardCharsets.UTF_8);
            } catch (CharacterCodingException e) {
                throw new Refusal(
                        Outcome.UNMAPPABLE,
                        IssueType.INVALID,
                        "the message has characters that " + charset.name()
                                + ", the character set MSH-18 declares, cannot hold");
            }
        }

        private static Charset charset(String name) throws Refusal {
            if (name == null) {
                return null;
            }
            String unquoted = name.strip();
            if (unquoted.length() >= 2 && unquoted.startsWith("\"") && unquoted.endsWith("\"")) {
                unquoted = unquoted.substring(1, unquoted.length() - 1);
            }
            try {
                return Hl7Charsets.forConfiguredName(unquoted);
            } catch (IllegalArgumentException e) {
                throw unsupported("charset " + unquoted
                        + " is not known; use a Java/IANA name such as UTF-8 or ISO-8859-1, or an HL7 table 0211 name");
            }
        }

        private byte[] readBody(InputStream in) throws IOException, Refusal {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw tooLarge();
            }
            return body;
        }

        private static boolean isBlank(byte[] body) {
            for (byte b : body) {
                if (b != ' ' && b != '\r' && b != '\n' && b != '\t') {
                    return false;
                }
            }
            return true;
        }

        private Refusal tooLarge() {
            return new Refusal(
                    Outcome.TOO_LARGE, IssueType.TOOLONG, "the request body exceeds the limit of " + maxBodyBytes);
        }

        private static Refusal unsupported(String diagnostics) {
            return new Refusal(Outcome.UNSUPPORTED_MEDIA_TYPE, IssueType.NOTSUPPORTED, diagnostics);
        }

        private static Refusal badParameters(String diagnostics) {
            return new Refusal(Outcome.BAD_REQUEST, IssueType.INVALID, diagnostics);
        }

        private void refuse(HttpServletResponse response, Refusal refusal) throws IOException {
            count(refusal.outcome);
            if (refusal.outcome == Outcome.UNMAPPABLE) {
                log.info("Dry-run HL7 v2 conversion at {}: 422, {}", PATH, refusal.getMessage());
            } else {
                log.info("Dry-run HL7 v2 conversion at {}: refused with {}", PATH, refusal.outcome.status);
            }
            if (refusal.outcome == Outcome.UNAUTHORIZED) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"patientgate-operations\"");
            } else if (refusal.outcome == Outcome.METHOD_NOT_ALLOWED) {
                response.setHeader("Allow", "POST");
            }
            OperationOutcome outcome = new OperationOutcome();
            outcome.addIssue()
                    .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(refusal.code)
                    .setDiagnostics(refusal.getMessage());
            byte[] body = fhir.newJsonParser().encodeResourceToString(outcome).getBytes(StandardCharsets.UTF_8);
            response.setStatus(refusal.outcome.status);
            response.setContentType(FHIR_JSON);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }

        private void count(Outcome outcome) {
            counters.get(outcome).increment();
        }
    }
}
