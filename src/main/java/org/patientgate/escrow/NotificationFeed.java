package org.patientgate.escrow;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Live subscribers to one recipient's notifications (the Server-Sent Events stream): told the id of
 * each new notification as it is announced on the {@code hub.notifications} topic, and woken
 * periodically so a missed announcement only delays. The inbox stays the record: a subscriber reads
 * what it has not sent yet from the store, so it never skips or repeats one.
 */
public final class NotificationFeed {

    /** A live subscriber; called from the topic's listener thread, so it must not block for long. */
    @FunctionalInterface
    public interface Subscriber {
        void wake();
    }

    private final Map<String, Set<Subscriber>> byRecipient = new ConcurrentHashMap<>();

    /** Subscribes; closing the result unsubscribes. */
    public AutoCloseable subscribe(String recipient, Subscriber subscriber) {
        byRecipient.computeIfAbsent(recipient, r -> new CopyOnWriteArraySet<>()).add(subscriber);
        return () -> byRecipient.computeIfPresent(recipient, (r, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    /** A notification for {@code recipient} was written. */
    public void announced(String recipient) {
        Set<Subscriber> set = byRecipient.get(recipient);
        if (set != null) {
            set.forEach(Subscriber::wake);
        }
    }

    /** Wakes every subscriber (the periodic catch-up). */
    public void wakeAll() {
        byRecipient.values().forEach(set -> set.forEach(Subscriber::wake));
    }

    public int subscribers() {
        return byRecipient.values().stream().mapToInt(Set::size).sum();
    }
}
