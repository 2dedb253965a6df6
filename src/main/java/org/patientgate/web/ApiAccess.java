package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who may call a path under {@code /api}: the integration engineers' operations token guards
 * everything except what participants use, which is public (registration, sign-in, the module's
 * public key) or needs a participant's session; key-encryption-key management stays with the
 * engineers. Decided on the decoded, normalised path the servlet container maps (not the raw URI),
 * so an encoded or dotted spelling of a path cannot fall into another class than the one it reaches.
 */
enum ApiAccess {
    /** Not an API path. */
    NONE,
    /** The operations bearer token ({@link ApiTokenFilter}). */
    OPERATIONS,
    /** No authentication. */
    PUBLIC,
    /** A patient's or node's session ({@link ParticipantSessionFilter}). */
    PARTICIPANT,
    /** A patient's session only. */
    PATIENT;

    static ApiAccess of(HttpServletRequest request) {
        return of(request.getMethod(), path(request));
    }

    static ApiAccess of(String method, String path) {
        if (!under(path, "/api")) {
            return NONE;
        }
        if (under(path, "/api/auth") || under(path, "/api/participants")) {
            return PUBLIC;
        }
        if (under(path, "/api/patients") || under(path, "/api/escrow")) {
            return PATIENT;
        }
        if (under(path, "/api/protect/kek")) {
            return OPERATIONS;
        }
        if (path.equals("/api/protect/module-key") && "GET".equals(method)) {
            return PUBLIC;
        }
        if (under(path, "/api/protect")) {
            return PARTICIPANT;
        }
        return OPERATIONS;
    }

    /** The path within the application, decoded and normalised by the container. */
    static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        if (path.isEmpty()) {
            // not yet mapped (a filter invoked outside a servlet mapping): fall back to the raw URI
            path = request.getRequestURI().substring(request.getContextPath().length());
        }
        return path;
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }
}
