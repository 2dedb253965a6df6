package org.patientgate.ledger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Hash;

class LedgerDeployCommandTest {

    private static final String PASSWORD = "deploy-test-password-1234";

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return LedgerDeployCommand.run(
                args,
                env,
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Map<String, String> unreachableNetwork() {
        Map<String, String> env = new HashMap<>();
        env.put("HUB_LEDGER_RPC_URL", "http://127.0.0.1:1");
        env.put("HUB_LEDGER_CHAIN_ID", "1337");
        env.put("HUB_DATA_DIR", tmp.toString());
        env.put("HUB_KEYSTORE_PASSWORD", PASSWORD);
        return env;
    }

    @Test
    void noArgumentsPrintUsageAndExit2() {
        assertThat(run(Map.of())).isEqualTo(2);

        assertThat(err()).contains("usage: java -jar patientgate.jar ledger deploy");
        assertThat(out()).isEmpty();
    }

    @Test
    void wrongVerbPrintsUsageAndExits2() {
        assertThat(run(unreachableNetwork(), "undeploy")).isEqualTo(2);

        assertThat(err()).contains("usage:").contains("HUB_LEDGER_RPC_URL");
        assertThat(tmp.resolve("keys")).doesNotExist();
    }

    @Test
    void missingRpcUrlExits2NamingBothVariables() {
        Map<String, String> env = unreachableNetwork();
        env.remove("HUB_LEDGER_RPC_URL");

        assertThat(run(env, "deploy")).isEqualTo(2);

        assertThat(err()).contains("HUB_LEDGER_RPC_URL").contains("HUB_LEDGER_CHAIN_ID");
        assertThat(tmp.resolve("keys")).doesNotExist();
    }

    @Test
    void missingChainIdExits2NamingBothVariables() {
        Map<String, String> env = unreachableNetwork();
        env.remove("HUB_LEDGER_CHAIN_ID");

        assertThat(run(env, "deploy")).isEqualTo(2);

        assertThat(err()).contains("HUB_LEDGER_RPC_URL").contains("HUB_LEDGER_CHAIN_ID");
    }

    @Test
    void blankRpcUrlCountsAsMissing() {
        Map<String, String> env = unreachableNetwork();
        env.put("HUB_LEDGER_RPC_URL", "  ");

        assertThat(run(env, "deploy")).isEqualTo(2);
        assertThat(err()).contains("HUB_LEDGER_RPC_URL");
    }

    @Test
    void unreachableNodeFailsWith1AndPrintsNothingPrivate() {
        assertThat(run(unreachableNetwork(), "deploy")).isEqualTo(1);

        String all = out() + err();
        assertThat(err()).contains("ledger deploy failed");
        assertThat(out()).doesNotContain("HUB_LEDGER_CONTRACTS_");
        assertThat(all).doesNotContainPattern("[0-9a-fA-F]{64}");
        assertThat(all).doesNotContain(PASSWORD);
        assertThat(tmp.resolve("keys").resolve("hub.p12")).exists(); // the keys were made (and kept) locally
    }

    @Test
    void existingKeystoreWithoutPasswordFailsWith1NamingTheVariable() throws Exception {
        Map<String, String> env = unreachableNetwork();
        assertThat(run(env, "deploy")).isEqualTo(1); // creates the keystore with the configured password
        env.remove("HUB_KEYSTORE_PASSWORD");
        errBytes.reset();

        assertThat(run(env, "deploy")).isEqualTo(1);

        assertThat(err()).contains("ledger deploy failed").contains("HUB_KEYSTORE_PASSWORD");
        assertThat(Files.exists(tmp.resolve("keys").resolve("keystore.password")))
                .isFalse();
    }

    @Test
    void profileHashIsKeccakOfTheDocumentedJson() {
        byte[] expected = Hash.sha3(
                "{\"id\":\"local\",\"name\":\"PatientGate hosted institution\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(LedgerDeployCommand.profileHash("local", "PatientGate hosted institution"))
                .hasSize(32)
                .isEqualTo(expected);
    }

    @Test
    void profileHashEscapesQuotesInTheName_soTheProfileStaysValidJson() {
        String json = "{\"id\":\"x\",\"name\":\"Bob \\\"B\\\" Inc\"}";
        assertThat(LedgerDeployCommand.profileHash("x", "Bob \"B\" Inc"))
                .isEqualTo(org.web3j.crypto.Hash.sha3(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void profileHashDiffersPerInstitution() {
        assertThat(LedgerDeployCommand.profileHash("a", "Same Name"))
                .isNotEqualTo(LedgerDeployCommand.profileHash("b", "Same Name"));
        assertThat(LedgerDeployCommand.profileHash("a", "One Name"))
                .isNotEqualTo(LedgerDeployCommand.profileHash("a", "Other Name"));
    }
}
