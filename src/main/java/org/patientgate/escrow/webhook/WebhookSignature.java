package org.patientgate.escrow.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature on every webhook delivery: {@code v1=} and the lowercase hex HMAC-SHA256, keyed with
 * the webhook's secret exactly as the hub showed it at registration (its ASCII text), of the
 * timestamp header's value, a dot, and the raw request body. The timestamp is signed, so a receiver
 * that refuses old timestamps also refuses a replayed delivery.
 */
public final class WebhookSignature {

    /** Header with the Unix time (seconds) the attempt was signed at. */
    public static final String TIMESTAMP = "PatientGate-Timestamp";
    /** Header with {@code v1=<hex>}. */
    public static final String SIGNATURE = "PatientGate-Signature";
    /** Header with the delivery's id (the same on every attempt and on a redelivery). */
    public static final String DELIVERY = "PatientGate-Delivery";
    /** Header with the notification's kind. */
    public static final String EVENT = "PatientGate-Event";

    static final String SCHEME = "v1=";

    private WebhookSignature() {}

    /** The {@link #SIGNATURE} header's value for {@code body} sent at {@code timestamp}. */
    public static String sign(String secret, long timestamp, byte[] body) {
        return SCHEME + HexFormat.of().formatHex(mac(secret, timestamp, body));
    }

    /** Whether {@code header} is the signature of {@code body} at {@code timestamp} (constant time). */
    public static boolean verify(String secret, long timestamp, byte[] body, String header) {
        if (header == null || !header.startsWith(SCHEME)) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(SCHEME.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(secret, timestamp, body));
    }

    private static byte[] mac(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
