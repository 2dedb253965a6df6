package org.patientgate.ledger.web3j;

/** The chain node did not answer (down, restarting, unreachable); the write waits, nothing is lost. */
final class ChainAway extends RuntimeException {

    ChainAway(String message, Throwable cause) {
        super(message, cause);
    }
}
