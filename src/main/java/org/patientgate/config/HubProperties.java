package org.patientgate.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the hub keeps its state and reads its editable files ({@code hub.*}).
 *
 * @param dataDir everything the hub keeps (database, broker journal, generated secrets) lives under
 *     it
 * @param routesDir the Camel YAML routes an integration engineer edits without rebuilding
 * @param mappingsDir the declarative HL7 v2 to FHIR mappings and vocabulary tables
 */
@ConfigurationProperties("hub")
public record HubProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue("./routes") Path routesDir,
        @DefaultValue("./mappings") Path mappingsDir) {}
