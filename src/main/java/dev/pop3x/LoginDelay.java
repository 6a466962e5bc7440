package dev.pop3x;

import java.time.Clock;
import java.time.Duration;

import dev.pop3x.session.MailboxSession;
import dev.pop3x.session.MailboxUnavailableException;

/**
 * The minimum time between logins a server announces (RFC 2449 LOGIN-DELAY, in CAPA or in a [LOGIN-DELAY] refusal):
 * polls before then are not made at all. Kept across polls by the consumer.
 */
final class LoginDelay {

    private final Clock clock;
    private Duration delay = Duration.ZERO;
    private long nextLoginAllowed;

    LoginDelay(Clock clock) {
        this.clock = clock;
    }

    boolean allowsLoginNow() {
        return clock.millis() >= nextLoginAllowed;
    }

    /** While the server announces a delay, a commitEvery reconnect would be refused. */
    boolean isZero() {
        return delay.isZero();
    }

    /** Opens a session through {@code opener}, and learns the delay from its outcome. */
    MailboxSession login(SessionOpener opener) throws Exception {
        long loginAt = clock.millis();
        MailboxSession session;
        try {
            session = opener.open();
        } catch (MailboxUnavailableException e) {
            if ("LOGIN-DELAY".equals(e.code())) {
                delay = e.loginDelay().isZero() ? delay : e.loginDelay();
                nextLoginAllowed = loginAt + delay.toMillis();
            }
            throw e;
        }
        delay = session.loginDelay();
        nextLoginAllowed = loginAt + delay.toMillis();
        return session;
    }

    /** Connects and logs in to the mailbox. */
    @FunctionalInterface
    interface SessionOpener {
        MailboxSession open() throws Exception;
    }
}
