package dev.pop3x.policy;

import java.util.concurrent.atomic.LongAdder;

/**
 * What happened to the mails of one mailbox since its endpoint was created, for JMX and the {@code pop3x} dev console.
 * Counted where the decisions are made (the route hands a mail back, the lifecycle records it, a QUIT confirms the
 * deletes); adders, because completions arrive on route threads while the poll thread counts too.
 */
public final class MailboxStatistics {

    private final LongAdder delivered = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder poisoned = new LongAdder();
    private final LongAdder deleted = new LongAdder();
    private volatile LastPoll lastPoll; // one reference, so a reader never pairs one poll's time with another's result

    private record LastPoll(long time, String result) {
    }

    /** A mail was handed to the route (every attempt counts). */
    public void routeStarted() {
        delivered.increment();
        inFlight.increment();
    }

    /** The route is done with a mail it was handed, successfully or not. */
    public void routeEnded() {
        inFlight.decrement();
    }

    void addCompleted() {
        completed.increment();
    }

    void addFailed() {
        failed.increment();
    }

    void addPoisoned() {
        poisoned.increment();
    }

    void addDeleted(int mails) {
        deleted.add(mails);
    }

    /** A poll ended at {@code time} (epoch millis); {@code result} is one line, e.g. {@code OK: 3 mails delivered}. */
    public void pollEnded(long time, String result) {
        lastPoll = new LastPoll(time, result);
    }

    /** Mails handed to the route; a mail retried three times counts three times. */
    public long delivered() {
        return delivered.sum();
    }

    /** Mails handed to the route whose Exchange has not completed yet. */
    public long inFlight() {
        return inFlight.sum();
    }

    /** Exchanges the route completed successfully. */
    public long completed() {
        return completed.sum();
    }

    /** Failed attempts: the route failed the Exchange, or the server refused to hand the mail out. */
    public long failed() {
        return failed.sum();
    }

    /** Mails that became poison (maxAttempts reached) and had poisonAction applied. */
    public long poisoned() {
        return poisoned.sum();
    }

    /** Mails whose DELE a QUIT confirmed: gone from the server. */
    public long deleted() {
        return deleted.sum();
    }

    /** Epoch millis of the end of the last poll, 0 before the first. */
    public long lastPollTime() {
        LastPoll last = lastPoll;
        return last == null ? 0 : last.time();
    }

    /** {@code OK: ...} or {@code FAILED <reason>: ...}; null before the first poll. */
    public String lastPollResult() {
        LastPoll last = lastPoll;
        return last == null ? null : last.result();
    }
}
