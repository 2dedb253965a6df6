package org.patientgate.ingest;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream FHIR poll's steps (the route {@code ingest-fhir-poll} runs the search with camel-fhir):
 * which search to run next, and what to do with each page of results.
 *
 * <p>The search asks for DiagnosticReports updated at or after the cursor, oldest first. Each report
 * version goes through {@link FhirIntake} like a REST create, so a report seen again (the cursor is
 * inclusive) is a duplicate with no second effect, and an invalid one lands in the dead-letter store.
 * The cursor moves only after every report on the page is stored.
 */
public class FhirPoll {

    private static final Logger log = LoggerFactory.getLogger(FhirPoll.class);
    static final int PAGE_SIZE = 100;

    private final FhirIntake intake;
    private final FhirContext fhir;
    private final PollCursor cursor;
    private final FhirIngestProperties.Poll properties;

    public FhirPoll(FhirIntake intake, FhirContext fhir, PollCursor cursor, FhirIngestProperties.Poll properties) {
        this.intake = intake;
        this.fhir = fhir;
        this.cursor = cursor;
        this.properties = properties;
    }

    /** The search URL (relative to the poll's base URL) for the next poll. */
    public String nextSearchUrl() {
        StringBuilder url = new StringBuilder("DiagnosticReport?_sort=_lastUpdated&_count=" + PAGE_SIZE);
        Optional<Instant> since = cursor.read(properties.channel());
        since.ifPresent(t -> url.append("&_lastUpdated=ge").append(DateTimeFormatter.ISO_INSTANT.format(t)));
        if (!properties.search().isBlank()) {
            url.append('&').append(properties.search());
        }
        return url.toString();
    }

    /**
     * Stores every DiagnosticReport on a search result page and advances the cursor.
     *
     * @return the next page's URL, or null when this was the last page
     */
    public String receivePage(Bundle page) throws FhirIntake.StoreUnavailableException {
        Instant newest = null;
        int stored = 0;
        int refused = 0;
        for (Bundle.BundleEntryComponent entry : page.getEntry()) {
            if (!(entry.getResource() instanceof DiagnosticReport report)) {
                continue;
            }
            byte[] raw = fhir.newJsonParser().encodeResourceToString(report).getBytes(StandardCharsets.UTF_8);
            try {
                intake.receive(
                        report, raw, InboundMessage.Source.FHIR_POLL, properties.channel(), properties.channel());
                stored++;
            } catch (FhirIntake.InvalidResourceException e) {
                if (e.deadLetterId() != null) {
                    refused++; // a version refused on an earlier poll is not counted again
                }
            }
            if (report.getMeta().hasLastUpdated()) {
                Instant updated = report.getMeta().getLastUpdated().toInstant();
                newest = newest == null || updated.isAfter(newest) ? updated : newest;
            }
        }
        if (newest != null) {
            cursor.advance(properties.channel(), newest);
        }
        if (stored + refused > 0) {
            log.info("FHIR poll {} stored {} report(s), refused {}", properties.channel(), stored, refused);
        }
        Bundle.BundleLinkComponent next = page.getLink(Bundle.LINK_NEXT);
        return next == null || !next.hasUrl() ? null : next.getUrl();
    }
}
