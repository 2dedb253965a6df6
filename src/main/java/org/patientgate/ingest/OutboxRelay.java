package org.patientgate.ingest;

import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.jms.core.SessionCallback;

/**
 * Moves accepted messages from the database (where the listener made them durable) onto the Artemis
 * queue the processing stage consumes ({@value #QUEUE}): the relay half of a transactional outbox.
 *
 * <p>For each batch it locks the rows ({@code FOR UPDATE SKIP LOCKED}), sends their ids in one JMS
 * transaction, commits it, and only then marks the rows QUEUED. A crash between the two commits sends
 * the ids again after restart, and the consumer's status check turns the repeat into a no-op, so every
 * stored message reaches processing at least once and has its effect exactly once.
 */
public class OutboxRelay implements SmartLifecycle {

    public static final String QUEUE = "hub.ingest.accepted";
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final MessageStore store;
    private final JmsTemplate jms;
    private final int batchSize;
    private final int idsPerMessage;
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    /**
     * @param batchSize rows claimed per database transaction
     * @param idsPerMessage ids per JMS message (one per line), so the processing stage can store and
     *     commit a batch at once
     */
    public OutboxRelay(MessageStore store, JmsTemplate jms, int batchSize, int idsPerMessage) {
        if (idsPerMessage < 1) {
            throw new IllegalArgumentException("idsPerMessage must be at least 1");
        }
        this.store = store;
        this.jms = jms;
        this.batchSize = batchSize;
        this.idsPerMessage = idsPerMessage;
    }

    /** Called after the store commits new accepted rows, so they move on without polling delay. */
    public void signal() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "ingest-outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        wakeUp.release();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // After the broker and the database, before the web server reports ready.
        return Integer.MAX_VALUE - 2000;
    }

    private void loop() {
        long backoffMillis = 100;
        while (running) {
            try {
                List<UUID> moved = store.claimForQueue(batchSize, this::send);
                backoffMillis = 100;
                if (moved.size() < batchSize) {
                    wakeUp.tryAcquire(1, TimeUnit.SECONDS);
                    wakeUp.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Outbox relay could not hand messages on, retrying in {} ms: {}", backoffMillis, e.toString());
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 30_000);
            }
        }
    }

    private void send(List<UUID> ids) {
        jms.execute(
                (SessionCallback<Void>) session -> {
                    sendAll(session, ids, idsPerMessage);
                    return null;
                },
                true);
    }

    private static void sendAll(Session session, List<UUID> ids, int idsPerMessage) throws JMSException {
        Queue queue = session.createQueue(QUEUE);
        try (MessageProducer producer = session.createProducer(queue)) {
            for (int from = 0; from < ids.size(); from += idsPerMessage) {
                StringBuilder body = new StringBuilder(idsPerMessage * 37);
                for (UUID id : ids.subList(from, Math.min(ids.size(), from + idsPerMessage))) {
                    if (body.length() > 0) {
                        body.append('\n');
                    }
                    body.append(id);
                }
                producer.send(session.createTextMessage(body.toString()));
            }
        }
        if (!session.getTransacted()) {
            throw new IllegalStateException("the outbox relay needs a transacted JMS session");
        }
        session.commit();
    }
}
