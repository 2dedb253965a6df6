package org.patientgate.ingest;

/** Life cycle of an inbound message as integration engineers see it in the tracking API. */
public enum MessageStatus {
    /** Durably stored and acknowledged; waiting for the processing stage. */
    RECEIVED,
    /** Handed to the processing queue. */
    QUEUED,
    /** The processing stage finished with it. */
    PROCESSED,
    /** Refused at the door or failed in processing; kept for inspection and replay. */
    DEAD_LETTER,
    /** A dead letter that was replayed; {@code replayedAs} or the same row carries on. */
    REPLAYED
}
