package dev.pop3x.session;

import java.io.IOException;
import java.time.Duration;

import dev.pop3x.protocol.Pop3Exception;

/**
 * The server refused the session for a reason that is not the credentials (RFC 2449 §8, RFC 3206): the mailbox is
 * locked by another session ({@code [IN-USE]}), logins come too often ({@code [LOGIN-DELAY]}), a temporary
 * ({@code [SYS/TEMP]}) or permanent ({@code [SYS/PERM]}) server problem.
 */
public class MailboxUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final Duration loginDelay;

    MailboxUnavailableException(String mailbox, Pop3Exception cause, Duration loginDelay) {
        super(describe(mailbox, cause.code()) + ": " + cause.getMessage(), cause);
        this.code = cause.code();
        this.loginDelay = loginDelay;
    }

    /** The LOGIN-DELAY the server announced before the refusal, zero if none. */
    public Duration loginDelay() {
        return loginDelay;
    }

    /** The response code without brackets, e.g. {@code IN-USE}. */
    public String code() {
        return code;
    }

    /** True when waiting is the cure: IN-USE, LOGIN-DELAY, SYS/TEMP. */
    public boolean isTemporary() {
        return !"SYS/PERM".equals(code);
    }

    /** Whether a refusal with this response code is about the mailbox rather than the credentials. */
    static boolean applies(Pop3Exception e) {
        String code = e.code();
        return "IN-USE".equals(code) || "LOGIN-DELAY".equals(code) || "SYS/TEMP".equals(code)
               || "SYS/PERM".equals(code);
    }

    private static String describe(String mailbox, String code) {
        return switch (code) {
            case "IN-USE" -> "Mailbox " + mailbox + " is in use by another session";
            case "LOGIN-DELAY" -> "Mailbox " + mailbox + " refuses logins this often";
            case "SYS/TEMP" -> "Server of " + mailbox + " reports a temporary problem";
            default -> "Server of " + mailbox + " reports a permanent problem";
        };
    }
}
