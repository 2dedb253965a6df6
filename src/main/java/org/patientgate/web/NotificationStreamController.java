package org.patientgate.web;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.patientgate.escrow.EscrowStore;
import org.patientgate.escrow.NotificationFeed;
import org.patientgate.participant.ParticipantException;
import org.patientgate.participant.ParticipantException.Kind;
import org.patientgate.participant.ParticipantProperties;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A patient's notifications as a live stream of Server-Sent Events ({@code GET
 * /api/patients/me/notifications/stream}, patient session). Each event's id is the notification id
 * and its name the notification kind; its data is the inbox item. A client that reconnects with
 * {@code Last-Event-ID} gets everything after that id first, so nothing is missed or repeated;
 * without it, the stream starts after the newest notification. The stream ends when the session
 * would ({@code hub.participants.session-ttl}); the client signs in again and resumes.
 */
@RestController
class NotificationStreamController implements DisposableBean, SmartLifecycle {

    /** A comment is sent after this much silence, so proxies keep the connection open. */
    static final long HEARTBEAT_SECONDS = 15;

    private static final int PAGE = 100;

    private final ObjectProvider<EscrowStore> store;
    private final ObjectProvider<NotificationFeed> feed;
    private final long timeoutMillis;
    private final ExecutorService senders = Executors.newFixedThreadPool(2, daemon("notification-stream"));
    private final java.util.Set<SseEmitter> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private final ScheduledExecutorService heartbeat =
            Executors.newSingleThreadScheduledExecutor(daemon("notification-stream-heartbeat"));

    NotificationStreamController(
            ObjectProvider<EscrowStore> store,
            ObjectProvider<NotificationFeed> feed,
            ParticipantProperties properties) {
        this.store = store;
        this.feed = feed;
        this.timeoutMillis = properties.sessionTtl().toMillis();
        heartbeat.scheduleWithFixedDelay(
                () -> {
                    NotificationFeed f = feed.getIfAvailable();
                    if (f != null) {
                        f.wakeAll();
                    }
                },
                HEARTBEAT_SECONDS,
                HEARTBEAT_SECONDS,
                TimeUnit.SECONDS);
    }

    @GetMapping(path = "/api/patients/me/notifications/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(
            @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId, HttpServletRequest http)
            throws IOException {
        EscrowStore s = store.getIfAvailable();
        NotificationFeed f = feed.getIfAvailable();
        if (s == null || f == null) {
            throw new ParticipantException(Kind.UNAVAILABLE, "the escrow needs the ledger (hub.ledger.enabled=false)");
        }
        String recipient = PatientsController.caller(http).address();
        long after;
        if (lastEventId == null || lastEventId.isBlank()) {
            List<EscrowStore.Notification> newest = s.notifications(recipient, null, 1, false);
            after = newest.isEmpty() ? 0 : newest.get(0).id();
        } else if (lastEventId.strip().matches("[0-9]{1,18}")) {
            after = Long.parseLong(lastEventId.strip());
        } else {
            throw new ParticipantException(Kind.INVALID, "Last-Event-ID must be a notification id");
        }
        SseEmitter emitter = new SseEmitter(timeoutMillis);
        Stream stream = new Stream(s, recipient, emitter, after);
        AutoCloseable subscription = f.subscribe(recipient, stream::wake);
        open.add(emitter);
        Runnable end = () -> {
            open.remove(emitter);
            stream.closed.set(true);
            try {
                subscription.close();
            } catch (Exception e) {
                // nothing held
            }
        };
        emitter.onCompletion(end);
        emitter.onTimeout(end);
        emitter.onError(e -> end.run());
        emitter.send(SseEmitter.event().comment("patientgate notifications"));
        stream.wake();
        return emitter;
    }

    /** One open stream: sends, in id order, what it has not sent yet. */
    private final class Stream {
        private final EscrowStore store;
        private final String recipient;
        private final SseEmitter emitter;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private long lastSent;
        private long lastWrite = System.nanoTime();

        Stream(EscrowStore store, String recipient, SseEmitter emitter, long after) {
            this.store = store;
            this.recipient = recipient;
            this.emitter = emitter;
            this.lastSent = after;
        }

        void wake() {
            if (!closed.get() && scheduled.compareAndSet(false, true)) {
                senders.execute(this::catchUp);
            }
        }

        private synchronized void catchUp() {
            scheduled.set(false);
            if (closed.get()) {
                return;
            }
            try {
                List<EscrowStore.Notification> fresh;
                do {
                    fresh = store.notificationsAfter(recipient, lastSent, PAGE);
                    for (EscrowStore.Notification n : fresh) {
                        emitter.send(SseEmitter.event()
                                .id(Long.toString(n.id()))
                                .name(n.kind())
                                .data(NotificationsController.view(n), MediaType.APPLICATION_JSON));
                        lastSent = n.id();
                        lastWrite = System.nanoTime();
                    }
                } while (fresh.size() == PAGE);
                if (System.nanoTime() - lastWrite > TimeUnit.SECONDS.toNanos(HEARTBEAT_SECONDS)) {
                    emitter.send(SseEmitter.event().comment("heartbeat"));
                    lastWrite = System.nanoTime();
                }
            } catch (IOException | IllegalStateException e) {
                // the client went away (or the emitter completed): stop; a reconnect resumes from its last id
                closed.set(true);
                emitter.completeWithError(e);
            } catch (RuntimeException e) {
                // the store did not answer: the next wake tries again
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * Ends every open stream before the web server's graceful shutdown, which would otherwise wait
     * for them; clients reconnect (to another replica, or after the restart) with their last id.
     */
    @Override
    public void stop() {
        running = false;
        for (SseEmitter emitter : open) {
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        open.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE; // stops first
    }

    @Override
    public void destroy() {
        heartbeat.shutdownNow();
        senders.shutdownNow();
    }
}
