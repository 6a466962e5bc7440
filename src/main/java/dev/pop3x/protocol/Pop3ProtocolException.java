package dev.pop3x.protocol;

import java.io.IOException;

/**
 * The server broke the protocol: no status line, a status line that is too long, an unexpected EOF.
 * The connection is unusable afterwards (the client closes it).
 */
public class Pop3ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public Pop3ProtocolException(String message) {
        super(message);
    }

    public Pop3ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
