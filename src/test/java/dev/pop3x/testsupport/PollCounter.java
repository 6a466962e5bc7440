package dev.pop3x.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.PollingConsumerPollStrategy;

/**
 * A poll strategy (endpoint option {@code pollStrategy=#polls}) that counts finished polls and keeps the errors of
 * failed ones, so tests can wait for "n more polls happened" instead of sleeping.
 */
public final class PollCounter implements PollingConsumerPollStrategy {

    private final AtomicInteger completed = new AtomicInteger();
    private final List<Exception> errors = new CopyOnWriteArrayList<>();
    private final List<Runnable> atPollEnd = new CopyOnWriteArrayList<>();

    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        return true;
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        completed.incrementAndGet();
        atPollEnd.forEach(Runnable::run);
    }

    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        errors.add(cause);
        completed.incrementAndGet();
        atPollEnd.forEach(Runnable::run);
        return false;
    }

    /**
     * Runs on the consumer's thread as each poll ends, after the count: a test that reads a counter there sees it
     * between polls, not in the middle of one.
     */
    public void atEachPollEnd(Runnable action) {
        atPollEnd.add(action);
    }

    /** Polls finished so far, successful or not. */
    public int polls() {
        return completed.get();
    }

    public List<Exception> errors() {
        return errors;
    }
}
