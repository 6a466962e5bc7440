package dev.pop3x;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.function.BooleanSupplier;

import dev.pop3x.mapping.MailMapper.Prepared;
import dev.pop3x.policy.Claim;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.session.MailboxMessage;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MessageRequest;
import dev.pop3x.session.SpooledMessage;

/**
 * Downloads a poll's planned mails window by window: claims a window's mails, sends the DELEs that may leave and the
 * window's RETRs in one write, then hands out the answers in order, one mail at a time (the next ones wait in the
 * socket). When half of a window has been handed out, the next window is claimed and requested, so the server is
 * already sending it while the rest of this one is routed (not with commitEvery, which reconnects between windows).
 * Without PIPELINING a window is one mail and every command waits for its answer. Used by one thread at a time: the
 * poll thread, or the {@link DownloadAhead} thread that reads for it.
 */
final class RetrievalWindow {

    /** Mails whose RETRs go out together when the server pipelines: bounded in count and in LIST bytes. */
    static final int WINDOW_MAILS = 100;
    static final long WINDOW_BYTES = 8L * 1024 * 1024;

    /** A claimed mail whose RETR (or TOP) is sent and whose answer is not read yet. */
    private record Requested(Claim claim, MessageRequest request) {
    }

    /** A claimed mail's answer. */
    sealed interface Retrieved permits Fetched, Refused {
        Claim claim();
    }

    /**
     * The server handed the mail out; the caller owns (and closes) {@code raw}. {@code mapping} is null unless the
     * mail was mapped as far as it goes without its Exchange already (by the thread that read it ahead).
     */
    record Fetched(Claim claim, SpooledMessage raw, Prepared mapping) implements Retrieved {
        Fetched(Claim claim, SpooledMessage raw) {
            this(claim, raw, null);
        }

        Fetched mapped(Prepared prepared) {
            return new Fetched(claim, raw, prepared);
        }
    }

    /** The server answered -ERR for this one mail (expunged meanwhile, unreadable, or no TOP); the session is fine. */
    record Refused(Claim claim, Pop3Exception error) implements Retrieved {
    }

    private final Poll poll;
    private final MessageLifecycle lifecycle;
    private final Queue<Delivery> planned;
    private final int commitEvery;
    private final BooleanSupplier mayGoOn;
    private final Deque<Requested> inFlight = new ArrayDeque<>();
    /**
     * Claimed for the window being requested, RETR not queued yet, in claim order: released too if the request fails.
     * Taken off from the front (a record's equals, which remove(Object) would call, compares whole claims).
     */
    private final Deque<Claim> unrequested = new ArrayDeque<>();
    private final int plannedCount;
    /** Planned mails that will not be handed out: gone from the snapshot, not claimable, or refused. */
    private volatile int dropped; // read by the poll thread while a DownloadAhead thread reads
    private int refillAt = -1;

    /**
     * @param mayGoOn false once the consumer is stopping: no new window is claimed, answers already requested are
     *                still read (QUIT needs the stream in step)
     */
    RetrievalWindow(Poll poll, MessageLifecycle lifecycle, Queue<Delivery> planned, int commitEvery,
                    BooleanSupplier mayGoOn) {
        this.poll = poll;
        this.lifecycle = lifecycle;
        this.planned = planned;
        this.commitEvery = commitEvery;
        this.mayGoOn = mayGoOn;
        this.plannedCount = planned.size();
    }

    /** The next answer, in the order planned; null when every mail was handed out (or the consumer is stopping). */
    Retrieved next() throws Exception {
        while (!inFlight.isEmpty() || !planned.isEmpty() && mayGoOn.getAsBoolean()) {
            if (inFlight.isEmpty() || inFlight.size() == refillAt) {
                requestWindow();
                if (inFlight.isEmpty()) {
                    continue; // the window's mails are gone from the snapshot (or taken by someone else)
                }
            }
            Retrieved answer = read(inFlight.peek());
            inFlight.poll();
            return answer;
        }
        return null;
    }

    /**
     * After each answer was handled (routed, refused or released): a commitEvery commit, if one is due. Separate from
     * {@link #next()} so that the commit happens after the route, as the DELEs it makes final come from completions.
     */
    void answerHandled() throws Exception {
        if (inFlight.isEmpty()) {
            poll.commitIfDue();
        }
    }

    /** How many of the planned mails are handed out, as far as known now (claims and refusals can lower it). */
    int expectedCount() {
        return plannedCount - dropped;
    }

    /** The poll failed: the mails claimed and not handed out are free again. Failures go with {@code cause}. */
    void releaseUnread(Exception cause) {
        List<Claim> unread = new ArrayList<>(unrequested);
        inFlight.forEach(requested -> unread.add(requested.claim()));
        unrequested.clear();
        inFlight.clear();
        for (Claim claim : unread) {
            try {
                lifecycle.release(claim);
            } catch (IOException | RuntimeException releaseFailed) {
                cause.addSuppressed(releaseFailed); // held until claimTimeout, or until the next start
            }
        }
    }

    /** Claims the next window (when the consumer may go on) and sends the DELEs due and its RETRs in one write. */
    private void requestWindow() throws IOException {
        poll.requireLeadership(); // a clustered consumer that lost its mailbox claims nothing more
        List<Claim> window = planned.isEmpty() || !mayGoOn.getAsBoolean() ? List.of() : claimWindow();
        unrequested.addAll(window);
        MailboxSession session = poll.session();
        poll.sendDurableDeletes();
        for (Claim c : window) {
            MailboxMessage mail = c.delivery().mail();
            MessageRequest request = c.headersOnly() ? session.requestHeaders(mail) : session.requestMessage(mail);
            unrequested.removeFirst(); // c: requested in the order claimed
            inFlight.add(new Requested(c, request));
        }
        session.flush();
        // the next request goes out when half of this window is read (what is in flight then is its rest)
        int requested = window.size();
        refillAt = commitEvery > 0 || !session.isPipelining() ? -1 : requested - requested / 2;
    }

    /** Claims the next mails for one window; numbers are looked up again (a commitEvery reconnect changes them). */
    private List<Claim> claimWindow() throws IOException {
        MailboxSession session = poll.session();
        int maxMails = !session.isPipelining() ? 1 : commitEvery > 0 ? Math.min(WINDOW_MAILS, commitEvery)
                : WINDOW_MAILS;
        List<Delivery> candidates = new ArrayList<>();
        long bytes = 0;
        while (!planned.isEmpty() && candidates.size() < maxMails && (candidates.isEmpty() || bytes < WINDOW_BYTES)) {
            Delivery delivery = planned.poll();
            MailboxMessage listed = poll.snapshot().find(delivery.uid()).orElse(null);
            if (listed == null) {
                dropped++;
                continue;
            }
            // the size the plan asked for: a session's snapshot lists UIDLs only
            MailboxMessage mail = delivery.mail().renumbered(listed.number());
            candidates.add(new Delivery(mail, delivery.entry(), delivery.headersOnly()));
            bytes += Math.max(mail.size(), 0);
        }
        List<Claim> claims = lifecycle.claim(candidates);
        dropped += candidates.size() - claims.size();
        return claims;
    }

    /** The answer for the first mail in flight (DELE answers that come before it are read first). */
    private Retrieved read(Requested requested) throws IOException {
        poll.readDeleteAnswers();
        try {
            return new Fetched(requested.claim(), poll.session().readMessage(requested.request()));
        } catch (Pop3Exception e) {
            dropped++;
            return new Refused(requested.claim(), e);
        }
    }
}
