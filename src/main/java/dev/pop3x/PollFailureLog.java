package dev.pop3x;

import java.io.IOException;

import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.session.AuthenticationFailedException;
import dev.pop3x.session.MailboxUnavailableException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.support.LoggingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's default exception handler. A mailbox that is locked, a wrong password or a server that is down fails
 * every poll until someone acts; logging each poll would bury everything else. So the first failure of a streak is
 * logged (ERROR for what needs a person: credentials, [SYS/PERM]; WARN for what passes by itself), repeats of the same
 * kind at DEBUG, and the recovery at INFO. Failed polls still count for Camel's backoff options and health checks.
 * A mail whose outcome the ledger could not record after its route is not a poll failure: it is logged at ERROR
 * every time, with its Exchange (the mail will be delivered again). A deposed consumer's failure is its last one:
 * logged at ERROR, as what it is.
 */
final class PollFailureLog implements ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PollFailureLog.class);

    private final String mailbox;
    private final ExceptionHandler exchangeFailures;
    private String streak;
    private int streakLength;

    PollFailureLog(CamelContext context, String mailbox) {
        this.mailbox = mailbox;
        this.exchangeFailures = new LoggingExceptionHandler(context, PollFailureLog.class, LoggingLevel.ERROR);
    }

    @Override
    public void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    @Override
    public synchronized void handleException(String message, Exchange exchange, Throwable exception) {
        if (exchange != null) {
            exchangeFailures.handleException(message, exchange, exception);
            return;
        }
        if (exception instanceof ConsumerDeposedException) {
            LOG.error("{}: {}", mailbox, exception.getMessage()); // no later polls to speak of
            return;
        }
        String kind = kindOf(exception);
        if (kind.equals(streak)) {
            streakLength++;
            LOG.debug("{}: poll failed again ({} in a row): {}", mailbox, streakLength, exception.getMessage());
            return;
        }
        streak = kind;
        streakLength = 1;
        String text = "{}: poll failed: {} (the same failure on later polls is logged at DEBUG until a poll succeeds)";
        boolean expected = exception instanceof IOException;
        if (needsAPerson(exception)) {
            LOG.error(text, mailbox, exception.getMessage(), expected ? null : exception);
        } else {
            LOG.warn(text, mailbox, exception.getMessage(), expected ? null : exception);
        }
    }

    /** A poll went through: the next failure starts a new streak. */
    synchronized void pollSucceeded() {
        if (streak != null && streakLength > 0) {
            LOG.info("{}: polling works again after {} failed poll(s)", mailbox, streakLength);
        }
        streak = null;
        streakLength = 0;
    }

    private static boolean needsAPerson(Throwable e) {
        return e instanceof AuthenticationFailedException
               || e instanceof MailboxUnavailableException u && !u.isTemporary();
    }

    private static String kindOf(Throwable e) {
        String code = e instanceof MailboxUnavailableException u ? u.code()
                : e instanceof Pop3Exception p ? p.code() : null;
        return e.getClass().getName() + (code == null ? "" : "[" + code + "]");
    }
}
