package org.patientgate.normalize.mapping;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a rule writes in the FHIR resource: dotted element names, each optionally indexed ({@code
 * referenceRange[0].text}) or appended to ({@code identifier[]}: a new array element per value).
 * {@code .} means the resource (or datatype) itself: an object result is merged into it.
 */
public record TargetPath(List<Step> steps) {

    /** One element of the path; index -1 means none, -2 means append. */
    public record Step(String name, int index) {
        public static final int NONE = -1;
        public static final int APPEND = -2;
    }

    public static final TargetPath SELF = new TargetPath(List.of());

    public boolean isSelf() {
        return steps.isEmpty();
    }

    /** Parses a path; returns null when the text is not one. */
    public static TargetPath parse(String text) {
        String t = text.strip();
        if (t.equals(".")) {
            return SELF;
        }
        List<Step> steps = new ArrayList<>();
        for (String part : t.split("\\.", -1)) {
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (!name.matches("[a-z][A-Za-z0-9]*")) {
                return null;
            }
            int index = Step.NONE;
            if (bracket >= 0) {
                if (!part.endsWith("]")) {
                    return null;
                }
                String inside = part.substring(bracket + 1, part.length() - 1);
                if (inside.isEmpty()) {
                    index = Step.APPEND;
                } else if (inside.matches("[0-9]{1,2}")) {
                    index = Integer.parseInt(inside);
                } else {
                    return null;
                }
            }
            steps.add(new Step(name, index));
        }
        return new TargetPath(List.copyOf(steps));
    }

    @Override
    public String toString() {
        if (steps.isEmpty()) {
            return ".";
        }
        StringBuilder s = new StringBuilder();
        for (Step step : steps) {
            if (s.length() > 0) {
                s.append('.');
            }
            s.append(step.name());
            if (step.index() == Step.APPEND) {
                s.append("[]");
            } else if (step.index() >= 0) {
                s.append('[').append(step.index()).append(']');
            }
        }
        return s.toString();
    }
}
