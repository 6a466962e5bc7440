package dev.pop3x;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.net.ssl.SSLException;

import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.Pop3ProtocolException;
import dev.pop3x.session.AuthenticationFailedException;
import dev.pop3x.session.MailboxUnavailableException;

/**
 * Why a poll failed, in the words an operator searches for: the POP3 response code when the server gave one
 * ({@code AUTH}, {@code IN-USE}, {@code LOGIN-DELAY}, {@code SYS/TEMP}, {@code SYS/PERM}), else what went wrong on the
 * way there ({@code CONNECTION_REFUSED}, {@code TLS}, {@code TIMEOUT}, ...), or {@code DEPOSED}: another consumer holds
 * the mailbox now ({@link ConsumerDeposedException}). Goes into the consumer's health check
 * details and the last poll result. Built from exceptions whose messages never carry credentials.
 *
 * @param reason       one word, see {@link #of}
 * @param responseCode the server's response code without brackets, null if it gave none
 * @param message      the exception's message
 */
record PollFailure(String reason, String responseCode, String message) {

    static final String REASON = "pop3x.reason";
    static final String RESPONSE_CODE = "pop3x.responseCode";
    static final String MAILBOX = "pop3x.mailbox";
    static final String MESSAGE = "pop3x.message";

    static PollFailure of(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        if (failure instanceof MailboxUnavailableException u) {
            return new PollFailure(u.code(), u.code(), message);
        }
        if (failure instanceof ConsumerDeposedException) {
            return new PollFailure("DEPOSED", null, message);
        }
        if (failure instanceof AuthenticationFailedException) {
            String code = failure.getCause() instanceof Pop3Exception p ? p.code() : null;
            return new PollFailure("AUTH", code, message);
        }
        if (failure instanceof Pop3Exception p) {
            return new PollFailure(p.code() != null ? p.code() : "SERVER_ERROR", p.code(), message);
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String reason = t instanceof SSLException ? "TLS"
                    : t instanceof ConnectException ? "CONNECTION_REFUSED"
                    : t instanceof SocketTimeoutException ? "TIMEOUT"
                    : t instanceof UnknownHostException ? "UNKNOWN_HOST"
                    : t instanceof Pop3ProtocolException ? "PROTOCOL"
                    : null;
            if (reason != null) {
                return new PollFailure(reason, null, message);
            }
        }
        return new PollFailure(failure instanceof IOException ? "IO" : "ERROR", null, message);
    }

    /** The health check details: reason, response code (if any), mailbox and message. */
    Map<String, Object> details(String mailbox) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(REASON, reason);
        if (responseCode != null) {
            details.put(RESPONSE_CODE, responseCode);
        }
        details.put(MAILBOX, mailbox);
        details.put(MESSAGE, message);
        return details;
    }

    @Override
    public String toString() {
        return "FAILED " + reason + ": " + message;
    }
}
