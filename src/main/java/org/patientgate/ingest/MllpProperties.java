package org.patientgate.ingest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The HL7 v2 MLLP listener ({@code hub.mllp.*}).
 *
 * @param host address to bind
 * @param port TCP port (HL7's registered MLLP port is 2575)
 * @param channel name of this listener in tracking and metrics
 * @param defaultCharset charset for messages whose MSH-18 is empty (an HL7 table 0211 name)
 * @param maxMessageBytes largest message taken; a larger one up to {@code maxFrameBytes} gets an
 *     AR with ERR 207
 * @param maxFrameBytes largest frame read at all; past it the listener cannot read an MSH to answer,
 *     so it closes the connection
 * @param readTimeoutMs milliseconds the rest of a started frame may take to arrive
 * @param idleTimeoutMs milliseconds without traffic after which a connection is closed
 * @param maxConnections concurrent connections served
 * @param acceptedMessages message type^event pairs taken; others get AR 200/201
 * @param processingIds MSH-11 values taken; others get AR 202
 * @param senders sending applications (MSH-3 namespace id) taken; empty means any
 * @param storeTimeout how long a listener waits for the durable write before answering AR 207
 * @param applicationAcks where to send HL7 application acknowledgments (enhanced mode, MSH-16 AL or
 *     ER) when a later stage cannot process a message: sending application (MSH-3) to {@code
 *     host:port} of that system's MLLP listener (names compared without case); a sender not named
 *     gets none
 */
@Validated
@ConfigurationProperties("hub.mllp")
public record MllpProperties(
        @DefaultValue("0.0.0.0") @NotBlank String host,
        @DefaultValue("2575") @Min(0) @Max(65535) int port,
        @DefaultValue("mllp-default") @NotBlank String channel,
        @DefaultValue("UNICODE UTF-8") @NotBlank String defaultCharset,
        @DefaultValue("1048576") @Min(1024) int maxMessageBytes,
        @DefaultValue("4194304") @Min(2048) int maxFrameBytes,
        @DefaultValue("5000") @Min(100) int readTimeoutMs,
        @DefaultValue("300000") @Min(1000) int idleTimeoutMs,
        @DefaultValue("64") @Min(1) int maxConnections,
        @DefaultValue({"ORU^R01", "ADT^A01", "ADT^A04", "ADT^A08", "ADT^A28", "ADT^A31", "MDM^T02"})
                Set<String> acceptedMessages,
        @DefaultValue({"P", "T", "D"}) Set<String> processingIds,
        @DefaultValue({}) List<String> senders,
        @DefaultValue("10s") Duration storeTimeout,
        Map<String, String> applicationAcks) {

    public MllpProperties {
        // Keys compared without case: environment variables reach the binder in lower case.
        Map<String, String> byApplication = new java.util.HashMap<>();
        if (applicationAcks != null) {
            applicationAcks.forEach((k, v) -> byApplication.put(k.toUpperCase(java.util.Locale.ROOT), v));
        }
        applicationAcks = Map.copyOf(byApplication);
        for (Map.Entry<String, String> e : applicationAcks.entrySet()) {
            if (!e.getValue().matches("[^:\\s]+:[0-9]{1,5}")) {
                throw new IllegalArgumentException(
                        "hub.mllp.application-acks." + e.getKey() + " must be host:port of the sender's MLLP listener");
            }
        }
        if (maxFrameBytes < maxMessageBytes) {
            throw new IllegalArgumentException("hub.mllp.max-frame-bytes (" + maxFrameBytes
                    + ") must be at least hub.mllp.max-message-bytes (" + maxMessageBytes + ")");
        }
    }
}
