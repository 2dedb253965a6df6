package org.patientgate.ledger.anvil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnvilNodeTest {

    @TempDir
    Path tmp;

    private AnvilNode node(Path binary) {
        return new AnvilNode(
                binary, tmp.resolve("chain").resolve("s.json"), 31337, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    @Test
    void missingBinaryFailsStartNamingThePathAndBothWaysOut() {
        Path missing = tmp.resolve("no-such-dir").resolve("anvil");
        AnvilNode node = node(missing);

        assertThatThrownBy(node::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing.toAbsolutePath().toString())
                .hasMessageContaining("missing")
                .hasMessageContaining("build the project")
                .hasMessageContaining("hub.ledger.rpc-url");
        assertThat(node.isRunning()).isFalse();
        assertThat(node.lastRpcUrl()).isNull();
        assertThat(tmp.resolve("chain")).doesNotExist();
    }

    @Test
    void nonExecutableBinaryIsTreatedAsMissing() throws Exception {
        Path notExecutable = Files.writeString(tmp.resolve("anvil"), "#!/bin/sh\nexit 0\n");

        assertThatThrownBy(node(notExecutable)::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(notExecutable.toAbsolutePath().toString())
                .hasMessageContaining("hub.ledger.rpc-url");
    }

    @Test
    void rpcUrlBeforeStartIsRefused() {
        AnvilNode node = node(tmp.resolve("anvil"));

        assertThatThrownBy(node::rpcUrl)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not started");
    }

    @Test
    void lastRpcUrlIsNullBeforeTheFirstStart() {
        AnvilNode node = node(tmp.resolve("anvil"));

        assertThat(node.lastRpcUrl()).isNull();
        assertThat(node.isRunning()).isFalse();
        assertThat(node.process()).isEmpty();
    }

    @Test
    void closeBeforeStartDoesNothing() {
        AnvilNode node = node(tmp.resolve("anvil"));

        node.close();

        assertThat(node.isRunning()).isFalse();
        assertThatThrownBy(node::rpcUrl).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keepsItsChainIdAndStateFile() {
        Path state = tmp.resolve("s.json");
        AnvilNode node =
                new AnvilNode(tmp.resolve("anvil"), state, 424242, Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThat(node.chainId()).isEqualTo(424242);
        assertThat(node.stateFile()).isEqualTo(state);
    }
}
