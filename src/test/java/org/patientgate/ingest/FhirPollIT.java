package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.patientgate.support.HubIntegrationTest;
import org.patientgate.support.OperationsApi;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The upstream poll route ({@code routes/ingest/ingest-fhir-poll.camel.yaml}) against a HAPI plain
 * FHIR server this test runs on a random port: reports are fetched across pages, stored once each,
 * invalid ones dead-lettered, and reports added later picked up by the next poll.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext // its stand-in servers stop after the class; so does this hub
class FhirPollIT {

    private static final String TOKEN = "poll-it-" + Long.toHexString(System.nanoTime());
    private static final List<DiagnosticReport> EMR_REPORTS = new CopyOnWriteArrayList<>();
    private static Tomcat emr;
    private static int emrPort;

    @LocalServerPort
    int httpPort;

    /** The EMR's FHIR server: DiagnosticReport search by _lastUpdated, 100 per page at most. */
    public static class EmrReports implements IResourceProvider {
        @Override
        public Class<? extends IBaseResource> getResourceType() {
            return DiagnosticReport.class;
        }

        @Search
        public List<DiagnosticReport> search(@OptionalParam(name = "_lastUpdated") DateRangeParam lastUpdated) {
            Date from = lastUpdated == null ? null : lastUpdated.getLowerBoundAsInstant();
            return EMR_REPORTS.stream()
                    .filter(r -> from == null || !r.getMeta().getLastUpdated().before(from))
                    .sorted(Comparator.comparing(r -> r.getMeta().getLastUpdated()))
                    .toList();
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        startEmr();
        Path dataDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath(), "poll-");
        registry.add("hub.data-dir", dataDir::toString);
        registry.add("hub.mllp.port", HubIntegrationTest::freePort);
        registry.add("hub.mllp.host", () -> "127.0.0.1");
        registry.add("hub.api.token", () -> TOKEN);
        registry.add("hub.fhir.token", () -> TOKEN);
        registry.add("hub.fhir.poll.enabled", () -> "true");
        registry.add("hub.fhir.poll.interval-ms", () -> "500");
        registry.add("hub.fhir.poll.base-url", () -> "http://127.0.0.1:" + emrPort + "/fhir");
    }

    private static synchronized void startEmr() throws Exception {
        if (emr != null) {
            return;
        }
        for (int i = 0; i < 130; i++) {
            EMR_REPORTS.add(
                    report("r" + i, Instant.parse("2026-11-01T00:00:00Z").plusSeconds(i)));
        }
        DiagnosticReport invalid = report("bad", Instant.parse("2026-11-01T00:10:00Z"));
        invalid.setStatus(null); // status is required
        EMR_REPORTS.add(invalid);
        RestfulServer server = new RestfulServer(FhirContext.forR4Cached());
        server.setResourceProviders(new EmrReports());
        server.setPagingProvider(
                new FifoMemoryPagingProvider(10).setDefaultPageSize(50).setMaximumPageSize(100));
        emr = new Tomcat();
        emr.setBaseDir(Files.createTempDirectory("emr-tomcat").toString());
        emr.setPort(0);
        emr.getConnector();
        Context context = emr.addContext("", null);
        Tomcat.addServlet(context, "fhir", server);
        context.addServletMappingDecoded("/fhir/*", "fhir");
        emr.start();
        emrPort = emr.getConnector().getLocalPort();
    }

    @AfterAll
    static void stopEmr() throws Exception {
        if (emr != null) {
            emr.stop();
            emr.destroy();
        }
    }

    private static DiagnosticReport report(String id, Instant lastUpdated) {
        DiagnosticReport report = new DiagnosticReport();
        report.setId("DiagnosticReport/" + id);
        report.getMeta().setVersionId("1").setLastUpdated(Date.from(lastUpdated));
        report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
        report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24331-1", "Lipid panel")));
        report.setSubject(new Reference("Patient/p-" + id));
        return report;
    }

    @Test
    void pollsEveryPage_storesEachReportVersionOnce_deadLettersInvalidOnes_andPicksUpNewOnes() throws Exception {
        OperationsApi api = new OperationsApi("http://127.0.0.1:" + httpPort, TOKEN);
        await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
            JsonNode rows = api.get("/api/messages?limit=500").body();
            long fromPoll = count(rows, "FHIR_POLL", null);
            assertThat(fromPoll).isEqualTo(131);
            assertThat(count(rows, "FHIR_POLL", "PROCESSED")).isEqualTo(130);
            assertThat(count(rows, "FHIR_POLL", "DEAD_LETTER")).isEqualTo(1);
        });
        EMR_REPORTS.add(report("late", Instant.parse("2026-11-02T00:00:00Z")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode late = api.messageByControlId("DiagnosticReport/late/_history/1");
            assertThat(late).isNotNull();
            assertThat(late.get("status").asText()).isEqualTo("PROCESSED");
        });
        // Polls keep running over the same reports: still one row per report version.
        JsonNode rows = api.get("/api/messages?limit=500").body();
        assertThat(count(rows, "FHIR_POLL", null)).isEqualTo(132);
    }

    private static long count(JsonNode rows, String source, String status) {
        long n = 0;
        for (JsonNode row : rows) {
            if (source.equals(row.get("source").asText())
                    && (status == null || status.equals(row.get("status").asText()))) {
                n++;
            }
        }
        return n;
    }
}
