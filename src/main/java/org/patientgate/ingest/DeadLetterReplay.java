package org.patientgate.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays dead letters after a fix. A message refused at the door is checked again by the channel it
 * came in on (so a configuration fix, such as a newly accepted event, takes effect) and stored as a
 * new accepted message pointing back at the dead letter; a message that failed in processing goes
 * back in line as it is. Duplicate detection still applies: replaying a message whose control id was
 * since accepted has no second effect.
 */
public class DeadLetterReplay {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterReplay.class);

    /** Re-checks and stores a refused message of one source. */
    public interface Rechecker {
        /** The refusal reasons, or an empty list once the message is stored as accepted. */
        List<String> recheck(InboundMessage deadLetter) throws Exception;
    }

    /** What a replay did with one dead letter. */
    public record Result(UUID id, Outcome outcome, List<String> reasons) {}

    public enum Outcome {
        REPLAYED,
        STILL_REFUSED,
        NOT_FOUND,
        NOT_A_DEAD_LETTER
    }

    private final MessageStore store;
    private final java.util.Map<InboundMessage.Source, Rechecker> recheckers;
    private final Runnable wakeRelay;

    public DeadLetterReplay(
            MessageStore store, java.util.Map<InboundMessage.Source, Rechecker> recheckers, Runnable wakeRelay) {
        this.store = store;
        this.recheckers = recheckers;
        this.wakeRelay = wakeRelay;
    }

    public Result replay(UUID id) {
        Optional<MessageRecord> record = store.find(id);
        if (record.isEmpty()) {
            return new Result(id, Outcome.NOT_FOUND, List.of());
        }
        if (record.get().status() != MessageStatus.DEAD_LETTER) {
            return new Result(
                    id,
                    Outcome.NOT_A_DEAD_LETTER,
                    List.of("status is " + record.get().status()));
        }
        if (record.get().accepted()) {
            boolean requeued = store.requeue(id);
            wakeRelay.run();
            return requeued
                    ? new Result(id, Outcome.REPLAYED, List.of())
                    : new Result(id, Outcome.NOT_A_DEAD_LETTER, List.of("changed while replaying"));
        }
        InboundMessage message = store.load(id).orElseThrow();
        Rechecker rechecker = recheckers.get(message.source());
        try {
            List<String> reasons =
                    rechecker == null ? List.of("no channel can replay this source") : rechecker.recheck(message);
            if (!reasons.isEmpty()) {
                return new Result(id, Outcome.STILL_REFUSED, reasons);
            }
            store.markReplayed(id);
            wakeRelay.run();
            log.info("Replayed dead letter {}", id);
            return new Result(id, Outcome.REPLAYED, List.of());
        } catch (Hl7Envelope.UnreadableMessageException e) {
            return new Result(id, Outcome.STILL_REFUSED, List.of(e.error().describe()));
        } catch (Exception e) {
            return new Result(
                    id,
                    Outcome.STILL_REFUSED,
                    List.of("replay failed: " + e.getClass().getSimpleName()));
        }
    }

    /** Replays every open dead letter, oldest first, up to {@code limit}. */
    public List<Result> replayAll(int limit) {
        List<Result> results = new ArrayList<>();
        for (UUID id : store.openDeadLetters(limit)) {
            results.add(replay(id));
        }
        return results;
    }
}
