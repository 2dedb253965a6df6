package org.patientgate.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer-token guard of the operations API ({@code /api/**}) for integration engineers. The token is
 * compared in constant time; a missing or wrong one gets 401 with an RFC 9457 problem body and a
 * {@code WWW-Authenticate} challenge, and the request goes no further. Participants' paths ({@link
 * ApiAccess}: registration, sign-in, patients, the privacy module except its key-encryption keys) are
 * not the engineers': this filter leaves them to {@link ParticipantSessionFilter}.
 */
class ApiTokenFilter extends OncePerRequestFilter {

    static final String ENGINEER = ApiTokenFilter.class.getName() + ".engineer";

    private final byte[] token;

    ApiTokenFilter(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return ApiAccess.of(request) != ApiAccess.OPERATIONS;
    }

    /** Whether the request carries the operations token; also used by {@link ConvertEndpoint}. */
    boolean authorizes(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        byte[] presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        return MessageDigest.isEqual(presented, token);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!authorizes(request)) {
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setHeader("WWW-Authenticate", "Bearer realm=\"patientgate-operations\"");
            response.setContentType("application/problem+json");
            response.getWriter()
                    .write("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,"
                            + "\"detail\":\"the operations API needs the bearer token (hub.api.token)\"}");
            return;
        }
        request.setAttribute(ENGINEER, Boolean.TRUE);
        chain.doFilter(request, response);
    }
}
