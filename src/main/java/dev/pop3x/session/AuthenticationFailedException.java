package dev.pop3x.session;

import java.io.IOException;

/** The server refused the login. The message names user and server, never the password or token. */
public class AuthenticationFailedException extends IOException {

    public AuthenticationFailedException(String mailbox, Throwable cause) {
        super("Authentication failed for " + mailbox + ": " + cause.getMessage(), cause);
    }
}
