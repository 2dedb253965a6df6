package org.patientgate.normalize.mapping;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A code table read from {@code mappings/vocabulary/<name>.csv}: HL7 v2 code to FHIR code, display
 * and system. The format (header comments {@code # target-system:}, columns {@code
 * code,target,display[,system]}) is described in that folder's README.
 */
public final class Vocabulary {

    /** One mapped code. */
    public record Concept(String system, String code, String display) {}

    private final String name;
    private final String targetSystem;
    private final Map<String, Concept> concepts;

    Vocabulary(String name, String targetSystem, Map<String, Concept> concepts) {
        this.name = name;
        this.targetSystem = targetSystem;
        this.concepts = concepts;
    }

    public String name() {
        return name;
    }

    /** The FHIR system most targets are in (the table's {@code target-system}). */
    public String targetSystem() {
        return targetSystem;
    }

    /** The FHIR concept for a v2 code, or null when the table does not map it. */
    public Concept lookup(String code) {
        Concept c = concepts.get(code);
        return c != null ? c : concepts.get(code.toUpperCase(java.util.Locale.ROOT));
    }

    public int size() {
        return concepts.size();
    }

    /** This table with the rows of another (a site's) added or replacing rows with the same code. */
    Vocabulary overriddenBy(Vocabulary site) {
        Map<String, Concept> merged = new LinkedHashMap<>(concepts);
        String system = site.targetSystem != null ? site.targetSystem : targetSystem;
        // a site row without a system of its own (no system column, no target-system header) is
        // in the table's system, as a base row would be; left null it would read as unmapped
        site.concepts.forEach((code, c) -> merged.put(
                code, c.system() == null && system != null ? new Concept(system, c.code(), c.display()) : c));
        return new Vocabulary(name, system, merged);
    }

    /** Reads one CSV table; problems are added to {@code errors} with their line. */
    static Vocabulary read(Path file, String displayName, List<MappingError> errors) {
        String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(new MappingError(displayName, 0, "cannot be read: " + e.getMessage()));
            return new Vocabulary(name, null, Map.of());
        }
        String targetSystem = null;
        Map<String, Concept> concepts = new HashMap<>();
        boolean header = false;
        boolean systemColumn = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String comment = line.substring(1).strip();
                if (comment.startsWith("target-system:")) {
                    targetSystem = comment.substring("target-system:".length()).strip();
                    if (targetSystem.startsWith("(")) {
                        targetSystem = null;
                    }
                }
                continue;
            }
            List<String> cells = splitCsv(line);
            if (!header) {
                if (cells.size() < 2
                        || !cells.get(0).equals("code")
                        || !cells.get(1).equals("target")) {
                    errors.add(new MappingError(displayName, i + 1, "header must be code,target,display[,system]"));
                    return new Vocabulary(name, targetSystem, Map.of());
                }
                systemColumn = cells.size() >= 4 && cells.get(3).equals("system");
                header = true;
                continue;
            }
            if (cells.size() < 2 || cells.get(0).isEmpty() || cells.get(1).isEmpty()) {
                errors.add(new MappingError(displayName, i + 1, "row needs a code and a target"));
                continue;
            }
            String system = systemColumn && cells.size() >= 4 && !cells.get(3).isEmpty() ? cells.get(3) : targetSystem;
            String display = cells.size() >= 3 && !cells.get(2).isEmpty() ? cells.get(2) : null;
            if (concepts.put(cells.get(0), new Concept(system, cells.get(1), display)) != null) {
                errors.add(new MappingError(displayName, i + 1, "code appears twice"));
            }
        }
        if (!header) {
            errors.add(new MappingError(displayName, 0, "has no header row code,target,display"));
        }
        return new Vocabulary(name, targetSystem, concepts);
    }

    private static List<String> splitCsv(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().strip());
        return cells;
    }
}
