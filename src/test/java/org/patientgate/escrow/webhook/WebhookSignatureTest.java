package org.patientgate.escrow.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.patientgate.participant.ParticipantException;

/**
 * The delivery signature as a receiver recomputes it (docs/NOTIFICATIONS-API.md), the retry schedule,
 * and the URLs a webhook may have.
 */
class WebhookSignatureTest {

    private static final String SECRET = "q3Jx8m0L1b2V9c4D7e6F5g4H3i2J1k0L9m8N7o6P5q4";
    private static final long TIMESTAMP = 1_700_000_000L;
    private static final byte[] BODY = ("{\"id\":42,\"kind\":\"consent-request\",\"subject\":\"0xabc\","
                    + "\"createdAt\":\"2023-11-14T22:13:20Z\",\"body\":{\"entry\":\"0xabc\"}}")
            .getBytes(StandardCharsets.UTF_8);

    /** HMAC-SHA256 keyed with the secret's text, of "timestamp.body", as a receiver computes it. */
    private static String receiverSide(String secret, long timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "v1=" + HexFormat.of().formatHex(mac.doFinal(signed));
    }

    @Test
    void theSignatureIsTheHmacOfTimestampDotBodyKeyedWithTheSecretText() throws Exception {
        String header = WebhookSignature.sign(SECRET, TIMESTAMP, BODY);

        assertThat(header).isEqualTo(receiverSide(SECRET, TIMESTAMP, BODY));
        // the same value from another implementation (openssl dgst -sha256 -hmac)
        assertThat(header).isEqualTo("v1=47d3f4a54dd372f9b18c39b746e464ef61db240ff9a4d0e147739f4e08de209a");
    }

    @Test
    void verificationRefusesAnotherBodyTimestampSecretOrScheme() {
        String header = WebhookSignature.sign(SECRET, TIMESTAMP, BODY);
        byte[] altered = BODY.clone();
        altered[altered.length - 3] ^= 1;

        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP, BODY, header)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP, altered, header)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP + 1, BODY, header)).isFalse();
        assertThat(WebhookSignature.verify(SECRET + "x", TIMESTAMP, BODY, header))
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP, BODY, header.substring(3)))
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP, BODY, "v1=zz")).isFalse();
        assertThat(WebhookSignature.verify(SECRET, TIMESTAMP, BODY, null)).isFalse();
    }

    @Test
    void retriesWaitTwiceAsLongEachTimeUpToTheMaximum() {
        WebhookProperties p =
                new WebhookProperties(8, Duration.ofSeconds(1), Duration.ofMinutes(5), null, null, null, null);

        assertThat(p.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.backoff(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.backoff(8)).isEqualTo(Duration.ofSeconds(128));
        assertThat(p.backoff(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(p.backoff(10)).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.backoff(1_000)).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.maxPerPatient()).isEqualTo(5);
        assertThatThrownBy(() -> new WebhookProperties(0, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WebhookProperties(
                        null, Duration.ofSeconds(10), Duration.ofSeconds(1), null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWebhookUrlIsHttpsOrHttpToLoopback() {
        assertThat(Webhooks.checkedUrl("https://app.example.org/hooks/pg?token=abc"))
                .hasHost("app.example.org");
        assertThat(Webhooks.checkedUrl("http://127.0.0.1:8089/hook")).hasPort(8089);
        assertThat(Webhooks.checkedUrl("http://localhost/hook")).hasHost("localhost");
        assertThat(Webhooks.checkedUrl("http://[::1]:9000/hook")).hasPort(9000);

        for (String refused : new String[] {
            null,
            " ",
            "/relative/path",
            "ftp://example.org/x",
            "javascript:alert(1)",
            "mailto:a@example.org",
            "http://example.org/hook",
            "http://10.0.0.1/hook",
            "http://127.0.0.1.example.org/hook",
            "http://999.0.0.1/hook",
            "https://user:pass@example.org/hook",
            "https://example.org/hook#part",
            "https:///no-host",
            "https://exa mple.org/",
            "https://example.org/" + "x".repeat(2100)
        }) {
            assertThatThrownBy(() -> Webhooks.checkedUrl(refused))
                    .as(String.valueOf(refused))
                    .isInstanceOfSatisfying(ParticipantException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ParticipantException.Kind.INVALID);
                        assertThat(e.getMessage()).doesNotContain("example.org");
                    });
        }
    }
}
