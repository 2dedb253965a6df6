package org.patientgate.ingest.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.patientgate.ingest.FhirIntake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the FHIR endpoint: the bearer token of the FHIR channel on every request but the
 * CapabilityStatement, the body size limit, and the dead-letter store for every write that is
 * refused (unauthorized, too large, unparseable), so nothing sent to the hub is lost unseen.
 */
@Interceptor
public class FhirGatekeeper {

    private static final Logger log = LoggerFactory.getLogger(FhirGatekeeper.class);

    private final FhirIntake intake;
    private final String channel;
    private final byte[] token;
    private final int maxBodyBytes;

    public FhirGatekeeper(FhirIntake intake, String channel, String token, int maxBodyBytes) {
        this.intake = intake;
        this.channel = channel;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean check(RequestDetails request, HttpServletRequest servletRequest, HttpServletResponse response) {
        if (request.getRequestType() == RequestTypeEnum.GET && "metadata".equals(request.getOperation())) {
            return true;
        }
        long declared = servletRequest.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw new PayloadTooLargeException(
                    "request body of " + declared + " bytes exceeds the limit of " + maxBodyBytes);
        }
        String header = servletRequest.getHeader("Authorization");
        byte[] presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!MessageDigest.isEqual(presented, token)) {
            throw new AuthenticationException("a valid bearer token for the FHIR channel is required");
        }
        return true;
    }

    @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
    public boolean keepRefused(
            RequestDetails request,
            BaseServerResponseException exception,
            HttpServletRequest servletRequest,
            HttpServletResponse response) {
        RequestTypeEnum type = request.getRequestType();
        boolean write = type == RequestTypeEnum.POST || type == RequestTypeEnum.PUT;
        if (!write || request.getUserData().containsKey(FhirIngestProvider.DEAD_LETTERED)) {
            return true;
        }
        byte[] body;
        try {
            body = exception instanceof PayloadTooLargeException ? new byte[0] : request.loadRequestContents();
        } catch (RuntimeException e) {
            body = new byte[0];
        }
        if (body == null) {
            body = new byte[0];
        }
        String code = Integer.toString(exception.getStatusCode());
        intake.refuseRaw(body, channel, channel, code, exception.getClass().getSimpleName() + " " + code);
        log.info("Refused a FHIR {} on channel {} with {}", type, channel, code);
        return true;
    }
}
