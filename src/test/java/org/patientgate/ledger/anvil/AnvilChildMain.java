package org.patientgate.ledger.anvil;

import java.nio.file.Path;
import java.time.Duration;

/** Starts an {@link AnvilNode} in a process of its own and prints its pid, for {@link AnvilNodeOrphanIT}. */
public final class AnvilChildMain {

    private AnvilChildMain() {}

    public static void main(String[] args) throws Exception {
        AnvilNode node = new AnvilNode(
                        Path.of(args[0]), Path.of(args[1]), 31337, Duration.ofSeconds(60), Duration.ofSeconds(30))
                .start();
        System.out.println("anvil " + node.process().orElseThrow().pid() + " " + node.rpcUrl());
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this process
    }
}
