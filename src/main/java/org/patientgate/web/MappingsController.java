package org.patientgate.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.patientgate.normalize.BundleStore;
import org.patientgate.normalize.BundleValidator;
import org.patientgate.normalize.CanonicalBundle;
import org.patientgate.normalize.Normalizer;
import org.patientgate.normalize.mapping.InvalidMappingsException;
import org.patientgate.normalize.mapping.MappingError;
import org.patientgate.normalize.mapping.Mappings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Mapping operations for integration engineers: what is loaded, a reload after editing the files
 * (all or nothing: a folder with any error is refused with every error listed, and the running
 * mappings stay), and the canonical bundle the hub made from a message.
 */
@RestController
@RequestMapping("/api")
class MappingsController {

    private static final Logger log = LoggerFactory.getLogger(MappingsController.class);

    private final Normalizer normalizer;
    private final BundleStore bundles;
    private final ObjectProvider<BundleValidator> validator;

    MappingsController(Normalizer normalizer, BundleStore bundles, ObjectProvider<BundleValidator> validator) {
        this.normalizer = normalizer;
        this.bundles = bundles;
        this.validator = validator;
    }

    @GetMapping("/mappings")
    Map<String, Object> loaded() {
        return describe(normalizer.mappings());
    }

    @PostMapping("/mappings/reload")
    ResponseEntity<Map<String, Object>> reload() {
        try {
            Mappings mappings = normalizer.reload();
            log.info("Mappings reloaded from {}: {} files", normalizer.directory(), mappings.fileCount());
            return ResponseEntity.ok(describe(mappings));
        } catch (InvalidMappingsException e) {
            log.warn(
                    "Mapping reload refused: {} error(s); the running mappings stay",
                    e.errors().size());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("reloaded", false);
            body.put("message", "the mappings folder has errors; the running mappings stay in use");
            body.put(
                    "errors", e.errors().stream().map(MappingsController::error).toList());
            return ResponseEntity.status(HttpStatus.UNPROCESSABLE_ENTITY).body(body);
        }
    }

    @GetMapping(value = "/messages/{id}/bundle", produces = "application/fhir+json")
    ResponseEntity<byte[]> bundle(@PathVariable UUID id) {
        CanonicalBundle bundle = bundles.find(id)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no bundle for message " + id));
        log.info("Canonical bundle of message {} read through the operations API", id);
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/fhir+json"))
                .body(bundle.json());
    }

    /**
     * Full FHIR R4 validation of a stored bundle on demand (the pipeline validates only a sample).
     * The findings can quote element values, so the read is logged like a bundle read.
     */
    @GetMapping("/messages/{id}/bundle/validation")
    Map<String, Object> validate(@PathVariable UUID id) {
        CanonicalBundle bundle = bundles.find(id)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no bundle for message " + id));
        log.info("Canonical bundle of message {} validated through the operations API", id);
        List<BundleValidator.Finding> errors = validator.getObject().errors(bundle.json());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messageId", id.toString());
        body.put("bundleId", bundle.bundleId());
        body.put("valid", errors.isEmpty());
        body.put(
                "errors",
                errors.stream()
                        .map(f -> Map.of(
                                "severity", String.valueOf(f.severity()),
                                "location", java.util.Objects.toString(f.location(), ""),
                                "message", java.util.Objects.toString(f.message(), "")))
                        .toList());
        return body;
    }

    private static Map<String, Object> describe(Mappings mappings) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reloaded", true);
        body.put("loadedAt", mappings.loadedAt().toString());
        body.put("files", mappings.fileCount());
        body.put("structures", new TreeSet<>(mappings.base().structures().keySet()));
        body.put("messageTypes", new TreeSet<>(mappings.base().triggers().keySet()));
        body.put(
                "sites",
                mappings.sites().stream()
                        .map(site -> Map.of(
                                "name", site.name(),
                                "sendingFacilities", site.facilities(),
                                "sendingApplications", site.applications(),
                                "defaultZone", site.set().defaultZone().getId()))
                        .toList());
        return body;
    }

    private static Map<String, Object> error(MappingError e) {
        return Map.of("file", e.file(), "line", e.line(), "message", e.message());
    }
}
