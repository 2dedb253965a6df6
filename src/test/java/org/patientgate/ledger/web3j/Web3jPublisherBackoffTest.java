package org.patientgate.ledger.web3j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.LedgerProperties;
import org.patientgate.ledger.LedgerWrite;
import org.patientgate.ledger.OutboxRow;
import org.web3j.crypto.Credentials;
import org.web3j.tx.response.NoOpProcessor;

class Web3jPublisherBackoffTest {

    private static final String SIGNER = "ledger.institution.local";
    private static final String KEY = "0x" + "11".repeat(32);

    /** Nothing listens on port 1: every RPC call fails at once with "connection refused". */
    private final Web3jChain chain = new Web3jChain("http://127.0.0.1:1", Duration.ofSeconds(1));

    private final FakeOutbox outbox = new FakeOutbox();
    private final AtomicInteger contractsAsked = new AtomicInteger();
    private final AtomicInteger chainBack = new AtomicInteger();

    @AfterEach
    void closeChain() {
        chain.close();
    }

    private static LedgerProperties properties(Duration retryInitial, Duration retryMax) {
        return new LedgerProperties(
                true,
                "http://127.0.0.1:1",
                1337L,
                "local",
                "PatientGate hosted institution",
                new LedgerProperties.Anvil(Path.of("anvil"), 31337, Duration.ofSeconds(10), Duration.ofSeconds(30)),
                new LedgerProperties.Contracts(null, null, null, null),
                new LedgerProperties.Gas(BigInteger.ZERO, 25),
                Duration.ofMillis(100),
                0,
                new LedgerProperties.Batch(1000, Duration.ofSeconds(1), Duration.ofDays(30)),
                new LedgerProperties.Publisher(retryInitial, retryMax, 10),
                new LedgerProperties.Follower(Duration.ofMillis(500), 2000));
    }

    private Web3jPublisher publisher(
            Duration retryInitial, Duration retryMax, Map<String, LedgerTransactionManager> signers) {
        return new Web3jPublisher(
                chain,
                () -> {
                    contractsAsked.incrementAndGet();
                    throw new AssertionError("the contracts must not be needed");
                },
                outbox,
                properties(retryInitial, retryMax),
                signers,
                chainBack::incrementAndGet);
    }

    private Web3jPublisher publisher(Duration retryInitial, Duration retryMax) {
        return publisher(retryInitial, retryMax, Map.of());
    }

    private LedgerTransactionManager signer() {
        return new LedgerTransactionManager(
                chain.web3j(), Credentials.create(KEY), 1337L, new NoOpProcessor(chain.web3j()));
    }

    private static OutboxRow row(long id, String txHash, Instant nextAttemptAt) {
        return new OutboxRow(
                id,
                new LedgerWrite.SurrenderGrant(SIGNER, new byte[32]),
                txHash == null ? "PENDING" : "SENT",
                0,
                txHash,
                txHash == null ? null : 0L,
                Instant.now().minusSeconds(60),
                nextAttemptAt);
    }

    @Test
    void firstRetryWaitsTheInitialDelay() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30));

        assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backoff(0)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backoff(-3)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void backoffDoublesWithEachAttempt() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30));

        assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.backoff(4)).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void backoffIsCappedAtTheConfiguredMaximum() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30));

        assertThat(p.backoff(6)).isEqualTo(Duration.ofSeconds(16));
        assertThat(p.backoff(7)).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.backoff(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void longOutagesNeitherOverflowNorGoNegative() {
        Web3jPublisher p = publisher(Duration.ofDays(1), Duration.ofDays(365));

        assertThat(p.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(365));
        assertThat(p.backoff(10)).isEqualTo(Duration.ofDays(365)); // 512 days, capped
        assertThat(p.backoff(9)).isEqualTo(Duration.ofDays(256));
    }

    @Test
    void unreachableChainDelaysTheWriteWithoutCountingARefusal() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30), Map.of(SIGNER, signer()));
        outbox.rows.add(row(7, "0x" + "ab".repeat(32), Instant.now().minusSeconds(1)));

        int done = p.drainOnce();

        assertThat(done).isZero();
        assertThat(p.chainAway()).isTrue();
        assertThat(outbox.retries).containsExactly("7 chain unreachable 500 counted=false");
        assertThat(p.sentCount()).isZero();
        assertThat(contractsAsked).hasValue(0);
    }

    @Test
    void whileTheChainIsAwayTheNextPassStopsBeforeTouchingTheOutbox() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30), Map.of(SIGNER, signer()));
        outbox.rows.add(row(7, "0x" + "ab".repeat(32), Instant.now().minusSeconds(1)));
        p.drainOnce();

        // the chain is still away: the next pass is refused before the outbox is read
        assertThatThrownBy(p::drainOnce).isInstanceOf(ChainAway.class);

        assertThat(outbox.retries).hasSize(1);
        assertThat(chainBack).hasValue(0);
    }

    @Test
    void aWriteWaitingForItsRetryHoldsBackTheSignersLaterWrites() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30), Map.of(SIGNER, signer()));
        outbox.rows.add(row(7, null, Instant.now().plusSeconds(60)));
        outbox.rows.add(row(8, null, Instant.now().minusSeconds(60)));

        assertThat(p.drainOnce()).isZero();

        assertThat(outbox.retries).isEmpty();
        assertThat(contractsAsked).hasValue(0);
        assertThat(p.chainAway()).isFalse();
    }

    @Test
    void writesOfASignerWithoutAKeyStayQueued() {
        Web3jPublisher p = publisher(Duration.ofMillis(500), Duration.ofSeconds(30));
        outbox.rows.add(row(7, null, Instant.now().minusSeconds(1)));

        assertThat(p.drainOnce()).isZero();

        assertThat(outbox.opened).isZero();
        assertThat(outbox.retries).isEmpty();
    }

    /** Only what the publisher's outage path touches; everything else fails the test. */
    private static final class FakeOutbox implements LedgerOutbox {
        final List<OutboxRow> rows = new ArrayList<>();
        final List<String> retries = new ArrayList<>();
        int opened;

        @Override
        public List<String> signersWithOpenWrites() {
            return rows.isEmpty() ? List.of() : List.of(SIGNER);
        }

        @Override
        public List<OutboxRow> open(String signer, int limit) {
            opened++;
            return rows.stream().limit(limit).toList();
        }

        @Override
        public void retryLater(long id, String error, Duration delay, boolean countAttempt) {
            retries.add(id + " " + error + " " + delay.toMillis() + " counted=" + countAttempt);
        }

        @Override
        public long enqueue(Connection c, LedgerWrite write) {
            throw new AssertionError("unexpected");
        }

        @Override
        public long enqueue(LedgerWrite write) {
            throw new AssertionError("unexpected");
        }

        @Override
        public void markSent(long id, String txHash, long nonce) {
            throw new AssertionError("unexpected markSent");
        }

        @Override
        public void markDone(
                long id, String txHash, Long blockNumber, String blockHash, Long gasUsed, boolean recognised) {
            throw new AssertionError("unexpected markDone");
        }

        @Override
        public void markFailed(long id, String error) {
            throw new AssertionError("unexpected markFailed");
        }

        @Override
        public void forgetTransaction(long id) {
            throw new AssertionError("unexpected forgetTransaction");
        }

        @Override
        public <T> java.util.Optional<T> withSignerLock(String signer, java.util.function.Supplier<T> work) {
            return java.util.Optional.ofNullable(work.get());
        }

        @Override
        public int reopenAbove(long headBlock) {
            throw new AssertionError("unexpected");
        }

        @Override
        public Map<Long, String> doneBlocks(long fromBlock) {
            throw new AssertionError("unexpected");
        }

        @Override
        public int reopenBlock(long blockNumber) {
            throw new AssertionError("unexpected");
        }

        @Override
        public int reopenAll() {
            throw new AssertionError("unexpected");
        }

        @Override
        public int retryFailed(long id) {
            throw new AssertionError("unexpected");
        }

        @Override
        public Depth depth() {
            throw new AssertionError("unexpected");
        }

        @Override
        public Optional<Written> find(String dedupeKey) {
            throw new AssertionError("unexpected");
        }

        @Override
        public Optional<Written> find(long id) {
            throw new AssertionError("unexpected");
        }
    }
}
