package org.patientgate.ledger;

/**
 * Receives contract events after the follower has committed them and moved its cursor past them.
 * Capabilities that react to the ledger (escrow, access) implement it; an event can arrive again
 * after a chain lost blocks and replayed them, so listeners are idempotent.
 */
public interface LedgerEventListener {

    void onEvent(LedgerEvent event);
}
