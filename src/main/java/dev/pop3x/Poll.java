package dev.pop3x;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;

import dev.pop3x.LoginDelay.SessionOpener;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.policy.MessageLifecycle;
import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MailboxSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll: its POP3 session (a new one after each {@code commitEvery} commit), the session's snapshot, the DELEs it
 * may still send, and the QUIT that makes them final. Completions keep a reference to the poll their mail came from
 * and ask it to take a DELE; once the poll is closing it refuses, and the ledger's delete-pending state carries the
 * mail to the next poll. A clustered consumer's poll asks its leadership before every DELE and before QUIT, and ends
 * without QUIT once it is lost (the server then applies none of the session's DELEs). Used by one thread at a time
 * (the poll thread, or its {@link DownloadAhead} reader between the plan and the last mail), except {@link #delete},
 * {@link #isOpen}, {@link #fenced} and {@link #abort}.
 */
final class Poll implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Poll.class);

    private final LoginDelay loginDelay;
    private final SessionOpener opener;
    private final MessageLifecycle lifecycle;
    private final int commitEvery;
    private final String mailbox;
    private final PendingDeletes deletes = new PendingDeletes();
    private final LedgerSync ledgerSync;
    private final BooleanSupplier leading;
    private volatile LedgerFencedException fencedBy;
    private volatile MailboxSession session; // volatile for abort()
    private MailboxSnapshot snapshot;
    private boolean quitDone;

    private Poll(LoginDelay loginDelay, SessionOpener opener, MessageLifecycle lifecycle, ExecutorService syncExecutor,
                 int commitEvery, String mailbox, BooleanSupplier leading) throws Exception {
        this.loginDelay = loginDelay;
        this.leading = leading;
        this.opener = opener;
        this.lifecycle = lifecycle;
        this.commitEvery = commitEvery;
        this.mailbox = mailbox;
        connect();
        // with windows in flight the ledger syncs in the background, and DELEs follow a window later
        boolean syncInBackground = session.isPipelining() && commitEvery == 0;
        this.ledgerSync = new LedgerSync(lifecycle, syncInBackground ? syncExecutor : null);
    }

    /**
     * Logs in and takes the snapshot (one UIDL; sizes are asked when the poll is planned).
     *
     * @param leading whether this node still leads the mailbox ({@code () -> true} unless clustered)
     */
    static Poll open(LoginDelay loginDelay, SessionOpener opener, MessageLifecycle lifecycle,
            ExecutorService syncExecutor, int commitEvery, String mailbox, BooleanSupplier leading)
            throws Exception {
        return new Poll(loginDelay, opener, lifecycle, syncExecutor, commitEvery, mailbox, leading);
    }

    private void connect() throws Exception {
        session = loginDelay.login(opener);
        try {
            snapshot = session.snapshot();
        } catch (Exception e) {
            closeSession();
            throw e;
        }
    }

    MailboxSession session() {
        return session;
    }

    MailboxSnapshot snapshot() {
        return snapshot;
    }

    /**
     * Takes a DELE for a mail whose completion (or owed delete) is written to the ledger; it goes out once the
     * ledger is durable. Any thread.
     *
     * @return false once the poll is closing: the mail stays delete-pending and the next poll deletes it
     */
    boolean delete(String uid) {
        boolean taken = deletes.offer(uid);
        if (!taken) {
            LOG.debug("{}: {} completed after its poll ended; deleted on the next poll", mailbox, uid);
        }
        return taken;
    }

    /** True until the poll starts closing: it passes the ledger's durability barrier after that. Any thread. */
    boolean isOpen() {
        return deletes.isOpen();
    }

    /** Queues a DELE for every mail completed so far whose completion is durable; they go out with the next flush. */
    void sendDurableDeletes() throws IOException {
        requireLeadership();
        for (String uid : ledgerSync.durableDeletes(deletes)) {
            session.requestDelete(uid, snapshot.numbersOf(uid));
        }
    }

    /** Reads the DELE answers that come before the next message answer; a refused mail stays delete-pending. */
    void readDeleteAnswers() throws IOException {
        session.readDeleteAnswers().forEach(refused -> LOG.warn("{}: DELE refused for {}", mailbox, refused));
    }

    /**
     * commitEvery: makes the deletes so far final, then goes on in a new session (message numbers change). Not while
     * the server announces a LOGIN-DELAY: it would refuse the new login.
     */
    void commitIfDue() throws Exception {
        if (commitEvery > 0 && session.markedForDeletion().size() >= commitEvery && loginDelay.isZero()) {
            quit();
            closeSession();
            connect();
        }
    }

    /** The poll went through: completions from now on are left to the next poll, every owed DELE goes out with QUIT. */
    void finish() throws IOException {
        deletes.close();
        requireLeadership();
        for (String uid : ledgerSync.syncAll(deletes)) {
            session.requestDelete(uid, snapshot.numbersOf(uid));
        }
        quit();
        quitDone = true;
    }

    /** QUIT; only its +OK makes the DELEs of the session final. */
    private void quit() throws IOException {
        ledgerSync.awaitQuietly(); // deletes it covered and that were not sent stay owed to the next session
        lifecycle.awaitDurable();
        requireLeadership(); // the last moment: QUIT is what makes the DELEs final
        boolean confirmed = session.quit();
        Set<String> marked = session.markedForDeletion();
        if (confirmed) {
            lifecycle.deleted(marked);
        } else if (!marked.isEmpty()) {
            LOG.warn("{}: the server did not confirm QUIT; {} deletes stay pending and are retried on the next poll",
                    mailbox, marked.size());
        }
    }

    /**
     * Ends the poll. When it failed the connection may still be fine (a local error, say): a QUIT then makes the
     * deletes of completed mails final now rather than on the next poll. Never throws: any problem here is secondary
     * to the one in flight.
     */
    @Override
    public void close() {
        deletes.close();
        if (!quitDone && session != null && session.isOpen() && !session.awaitsMessageAnswers()
            && !session.markedForDeletion().isEmpty() && leading.getAsBoolean()) {
            try {
                quit();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: QUIT after a failed poll did not go through", mailbox, e);
            }
        }
        closeSession();
        ledgerSync.awaitQuietly();
        if (!quitDone) {
            awaitDurableQuietly(); // what completions wrote meanwhile is not left to the next poll's barrier
        }
    }

    private void awaitDurableQuietly() {
        try {
            lifecycle.awaitDurable();
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: the ledger could not be made durable after a failed poll", mailbox, e);
        }
    }

    private void closeSession() {
        if (session != null) {
            session.close();
        }
        session = null;
        snapshot = null;
    }

    /**
     * Whether this node still leads the mailbox: always, unless clustered, and until the ledger refused a write of
     * this poll's holder (another consumer opened the mailbox with a newer fencing token).
     */
    boolean isLeading() {
        return fencedBy == null && leading.getAsBoolean();
    }

    /** Throws once this node no longer leads the mailbox: before every window, every DELE and QUIT. */
    void requireLeadership() throws LeadershipLostException {
        if (!isLeading()) {
            throw leadershipLost();
        }
    }

    /** Why this node does not lead the mailbox (any more). */
    LeadershipLostException leadershipLost() {
        LedgerFencedException fenced = fencedBy;
        return fenced != null ? new LeadershipLostException(mailbox, fenced) : new LeadershipLostException(mailbox);
    }

    /**
     * The ledger refused a completion of this poll's mails: the mailbox is another consumer's now, so the poll routes
     * no mail more (the ones downloaded ahead would only be duplicates). Any thread.
     */
    void fenced(LedgerFencedException refusal) {
        fencedBy = refusal;
    }

    /**
     * Leadership lost: closes the connection now, from the thread that learnt it, so that the server sees this node's
     * session end while the poll thread may still be in a route. Its next command fails; no QUIT can follow.
     */
    void abort() {
        MailboxSession open = session;
        if (open != null) {
            open.close();
        }
    }

    /** The UIDLs a list of owed deletes names, queued like completions. */
    void deleteAll(List<String> uids) {
        uids.forEach(this::delete);
    }
}
