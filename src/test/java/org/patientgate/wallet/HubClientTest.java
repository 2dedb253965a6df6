package org.patientgate.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What HubClient does without a hub: error text extraction, URL and session checks. */
class HubClientTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void diagnostics_takeTheOperationOutcomeIssues() {
        String outcome = "{\"resourceType\":\"OperationOutcome\",\"issue\":["
                + "{\"severity\":\"error\",\"code\":\"forbidden\",\"diagnostics\":\"slot 3 was revoked\"},"
                + "{\"severity\":\"error\",\"code\":\"security\",\"details\":{\"text\":\"attempt audited\"}}]}";

        assertThat(HubClient.diagnostics(utf8(outcome))).isEqualTo("slot 3 was revoked; attempt audited");
    }

    @Test
    void diagnostics_takeAProblemsDetailOrTitle() {
        assertThat(
                        HubClient.diagnostics(
                                utf8(
                                        "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"registered with another key\"}")))
                .isEqualTo("registered with another key");
        assertThat(HubClient.diagnostics(utf8("{\"title\":\"Unauthorized\",\"status\":401}")))
                .isEqualTo("Unauthorized");
    }

    @Test
    void diagnostics_ofPlainText_areItsFirstLineWithoutControlCharacters() {
        assertThat(HubClient.diagnostics(utf8("bad\tgateway\nsecond line"))).isEqualTo("bad gateway");
        assertThat(HubClient.diagnostics(new byte[0])).isNull();
    }

    @Test
    void baseUrl_mustBeHttpWithAHost_andLosesItsTrailingSlash() {
        assertThat(new HubClient(URI.create("http://hub.example:8080/")).baseUrl())
                .isEqualTo(URI.create("http://hub.example:8080"));
        assertThatThrownBy(() -> new HubClient(URI.create("file:///etc/passwd")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sessionEndpoints_refuseBeforeSendingWhenNotSignedIn() {
        HubClient client = new HubClient(URI.create("http://127.0.0.1:9"));

        assertThatThrownBy(client::reports)
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("not signed in")
                .extracting(e -> ((WalletException) e).status())
                .isEqualTo(0);
        assertThatThrownBy(() -> client.decrypt(UUID.randomUUID(), new byte[48]))
                .isInstanceOf(WalletException.class)
                .hasMessageContaining("not signed in");
    }

    @Test
    void sessionToString_hidesTheToken() {
        HubClient.Session session = new HubClient.Session("secret-token-value", null);

        assertThat(session.toString()).doesNotContain("secret-token-value");
    }
}
