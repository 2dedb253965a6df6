package org.patientgate.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.patientgate.participant.Caller;
import org.patientgate.participant.Participant;
import org.patientgate.participant.ParticipantSessions;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Session guard of the participants' API ({@code /api/patients/**} and {@code /api/protect/**}, see
 * {@link ApiAccess}): resolves {@code Authorization: Bearer <session token>} to the {@link Caller}
 * and puts it on the request as {@link Caller#ATTRIBUTE}. No session, or an expired or unknown one,
 * gets 401; a node's session on a patients' path gets 403; both with an RFC 9457 problem body. The
 * operations token is no session: an engineer does not act as a participant.
 */
class ParticipantSessionFilter extends OncePerRequestFilter {

    private final ParticipantSessions sessions;

    ParticipantSessionFilter(ParticipantSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        ApiAccess access = ApiAccess.of(request);
        return access != ApiAccess.PARTICIPANT && access != ApiAccess.PATIENT;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        request.removeAttribute(Caller.ATTRIBUTE);
        String header = request.getHeader("Authorization");
        Optional<Caller> caller = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? sessions.caller(header.substring(7).trim())
                : Optional.empty();
        if (caller.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"patientgate-participants\"");
            refuse(
                    response,
                    HttpServletResponse.SC_UNAUTHORIZED,
                    "Unauthorized",
                    "this API needs a participant session token (POST /api/auth/challenge, then /api/auth/token)");
            return;
        }
        if (ApiAccess.of(request) == ApiAccess.PATIENT && caller.get().role() != Participant.Role.PATIENT) {
            refuse(
                    response,
                    HttpServletResponse.SC_FORBIDDEN,
                    "Forbidden",
                    "only a patient's session may use this API");
            return;
        }
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
        chain.doFilter(request, response);
    }

    private static void refuse(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getWriter()
                .write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                        + detail + "\"}");
    }
}
