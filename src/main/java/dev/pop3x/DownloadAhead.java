package dev.pop3x;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import dev.pop3x.RetrievalWindow.Fetched;
import dev.pop3x.RetrievalWindow.Retrieved;
import dev.pop3x.policy.MessageLifecycle;

/**
 * Reads a poll's mails off the connection on a thread of its own while the poll thread routes the ones before: the
 * poll's {@link RetrievalWindow} (claims, DELEs, RETRs, reading the answers) runs entirely on that thread, so does the
 * part of the mapping that needs no Exchange (parsing, decoding), and the answers wait here, in order, for the poll
 * thread. On two cores this puts reading and routing side by side instead
 * of one after the other. Bounded in mails and in the bytes that wait in heap (a mail above {@code spoolThreshold} is
 * in a spool file); one mail may always wait, however large.
 *
 * <p>The session stays single-threaded: while this runs, only its thread talks to the server; the poll thread sends
 * QUIT only after the last answer was handed out (the queue's hand-over orders everything the reader did before it).
 */
final class DownloadAhead implements AutoCloseable {

    /** The bytes of waiting mails held in heap, over all of them. */
    static final long MAX_WAITING_BYTES = 4L * 1024 * 1024;

    /** The last item of the queue: the window is done ({@code failure == null}) or failed. */
    private record End(Exception failure) {
    }

    private final RetrievalWindow window;
    private final MessageLifecycle lifecycle;
    private final int maxWaiting;
    private final UnaryOperator<Retrieved> prepare;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private volatile boolean stopped;
    private boolean endTaken;

    private DownloadAhead(RetrievalWindow window, MessageLifecycle lifecycle, int maxWaiting,
                          UnaryOperator<Retrieved> prepare) {
        this.window = window;
        this.lifecycle = lifecycle;
        this.maxWaiting = maxWaiting;
        this.prepare = prepare;
    }

    /**
     * Starts reading {@code window}'s answers on a thread of {@code executor}; at most {@code maxWaiting} wait.
     *
     * @param prepare what the reading thread does to each answer before it waits (the mapping that needs no Exchange)
     */
    static DownloadAhead start(RetrievalWindow window, MessageLifecycle lifecycle, ExecutorService executor,
            int maxWaiting, UnaryOperator<Retrieved> prepare) {
        DownloadAhead ahead = new DownloadAhead(window, lifecycle, maxWaiting, prepare);
        executor.execute(ahead::read);
        return ahead;
    }

    /**
     * The next answer in the order planned, as {@link RetrievalWindow#next()}: null when every mail was handed out;
     * throws what failed the reading thread (the connection, the ledger, lost leadership).
     */
    Retrieved next() throws Exception {
        Object item;
        lock.lock();
        try {
            while (waiting.isEmpty()) {
                notEmpty.await();
            }
            item = waiting.poll();
            waitingBytes -= heapBytes(item);
            notFull.signal();
        } finally {
            lock.unlock();
        }
        if (item instanceof End end) {
            endTaken = true;
            if (end.failure() != null) {
                throw end.failure();
            }
            return null;
        }
        return (Retrieved) item;
    }

    /**
     * Stops the reading thread after the answer it is reading (no new window is claimed), waits for it to end, and
     * releases the mails it read that were not handed out. Failures of a release go with {@code cause}, if any. After
     * this the window's state is the poll thread's again ({@link RetrievalWindow#releaseUnread}).
     */
    void stop(Exception cause) {
        stopped = true;
        boolean interrupted = Thread.interrupted(); // the wait below must not be cut short
        lock.lock();
        try {
            notFull.signalAll();
            while (!endTaken) {
                while (waiting.isEmpty()) {
                    notEmpty.awaitUninterruptibly();
                }
                Object item = waiting.poll();
                waitingBytes -= heapBytes(item);
                if (item instanceof End) {
                    endTaken = true;
                } else {
                    discard((Retrieved) item, cause);
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Normally a no-op: the poll thread took the end. Otherwise as {@link #stop} without a cause. */
    @Override
    public void close() {
        if (!endTaken) {
            stop(null);
        }
    }

    private void read() {
        Exception failure = null;
        try {
            while (!stopped) {
                Retrieved answer = window.next();
                if (answer == null) {
                    break;
                }
                offer(prepare.apply(answer));
            }
        } catch (Exception e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException("Reading mails ahead failed", e); // the poll thread fails the poll
        } finally {
            lock.lock();
            try {
                waiting.add(new End(failure));
                notEmpty.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits while the queue is full, unless it is empty (one mail always fits) or the poll thread stopped it. */
    private void offer(Retrieved answer) throws InterruptedException {
        long bytes = heapBytes(answer);
        lock.lock();
        try {
            while (!stopped && !waiting.isEmpty()
                   && (waiting.size() >= maxWaiting || waitingBytes + bytes > MAX_WAITING_BYTES)) {
                notFull.await();
            }
            waiting.add(answer);
            waitingBytes += bytes;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    private void discard(Retrieved answer, Exception cause) {
        if (answer instanceof Fetched fetched) {
            fetched.raw().close();
        }
        try {
            lifecycle.release(answer.claim());
        } catch (IOException | RuntimeException releaseFailed) {
            if (cause != null) {
                cause.addSuppressed(releaseFailed); // held until claimTimeout, or until the next start
            }
        }
    }

    private static long heapBytes(Object item) {
        return item instanceof Fetched fetched && fetched.raw().inMemory() ? fetched.raw().size() : 0;
    }
}
