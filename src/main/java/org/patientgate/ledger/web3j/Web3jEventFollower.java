package org.patientgate.ledger.web3j;

import java.util.ArrayList;
import java.util.List;
import org.patientgate.ledger.LedgerEvent;
import org.patientgate.ledger.LedgerEventListener;
import org.patientgate.ledger.jdbc.JdbcLedgerEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Reads the contracts' events back from the chain (releases, rejections, expiries, grants,
 * revocations) from a persisted block cursor: each step takes the logs of a block range up to the
 * head minus the confirmation depth, stores them and moves the cursor in one transaction, then
 * hands them to the hub's listeners. A restart resumes after the last block taken in; a chain that
 * went back (lost blocks) moves the cursor back with it and the events are read again.
 */
public final class Web3jEventFollower {

    private static final Logger log = LoggerFactory.getLogger(Web3jEventFollower.class);
    static final String CURSOR = "contract-events";

    /** How far back the follower reads again when the chain replaced the cursor's block. */
    private static final long REREAD_BLOCKS = 10_000;

    private final Web3jChain chain;
    private final java.util.function.Supplier<Web3jContracts> contracts;
    private final JdbcLedgerEvents store;
    private final List<LedgerEventListener> listeners;
    private final int confirmations;
    private final int maxBlocks;
    private final ContractEvents decoder = new ContractEvents();

    Web3jEventFollower(
            Web3jChain chain,
            java.util.function.Supplier<Web3jContracts> contracts,
            JdbcLedgerEvents store,
            List<LedgerEventListener> listeners,
            int confirmations,
            int maxBlocks) {
        this.chain = chain;
        this.contracts = contracts;
        this.store = store;
        this.listeners = List.copyOf(listeners);
        this.confirmations = confirmations;
        this.maxBlocks = maxBlocks;
    }

    /** The last block whose events were taken in (-1 before the first). */
    public long cursor() {
        return store.cursor(CURSOR);
    }

    /** Takes in the next range of blocks; returns the number of new events. */
    public int step() {
        long head = chain.headBlock() - confirmations;
        long cursor = store.cursor(CURSOR);
        if (head < 0) {
            return 0;
        }
        if (cursor > head) {
            long back = Math.max(-1, head - REREAD_BLOCKS);
            log.warn(
                    "The chain's head ({}) is behind the event cursor ({}); reading events again from block {}",
                    head,
                    cursor,
                    back + 1);
            store.rewind(CURSOR, back, back < 0 ? null : chain.blockHash(back).orElse(null));
            return 0;
        }
        String known = store.cursorHash(CURSOR);
        if (cursor >= 0
                && known != null
                && !known.equalsIgnoreCase(chain.blockHash(cursor).orElse(""))) {
            // the chain replaced the cursor's block (a node restarted from an older state dump mined
            // new blocks at the same heights): read a stretch before it again
            long back = Math.max(-1, cursor - REREAD_BLOCKS);
            log.warn(
                    "The chain no longer has the event cursor's block {}; reading events again from block {}",
                    cursor,
                    back + 1);
            store.rewind(CURSOR, back, back < 0 ? null : chain.blockHash(back).orElse(null));
            return 0;
        }
        if (cursor == head) {
            return 0;
        }
        long from = cursor + 1;
        long to = Math.min(head, from + maxBlocks - 1);
        EthFilter filter = new EthFilter(
                new DefaultBlockParameterNumber(from),
                new DefaultBlockParameterNumber(to),
                new ArrayList<>(contracts.get().addresses().values()));
        EthLog logs =
                chain.rpc("eth_getLogs", () -> chain.web3j().ethGetLogs(filter).send());
        if (logs.hasError()) {
            throw new ChainAway("eth_getLogs refused: " + logs.getError().getMessage(), null);
        }
        List<LedgerEvent> events = new ArrayList<>();
        for (EthLog.LogResult<?> result : logs.getLogs()) {
            if (result.get() instanceof Log l && !l.isRemoved()) {
                decoder.decode(l).ifPresent(events::add);
            }
        }
        int fresh = store.record(CURSOR, to, chain.blockHash(to).orElse(null), events);
        for (LedgerEvent e : events) {
            for (LedgerEventListener listener : listeners) {
                try {
                    listener.onEvent(e);
                } catch (RuntimeException ex) {
                    log.error(
                            "Ledger event listener {} failed on {}",
                            listener.getClass().getSimpleName(),
                            e.name(),
                            ex);
                }
            }
        }
        return fresh;
    }
}
