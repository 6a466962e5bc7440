package dev.pop3x.protocol;

import java.io.IOException;

/**
 * The server answered {@code -ERR}. The connection is still in a defined state.
 * The message names the command only (e.g. {@code PASS}, {@code AUTH PLAIN}, {@code RETR 3}), never its arguments
 * when they are secret.
 */
public class Pop3Exception extends IOException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final Pop3Response response;

    public Pop3Exception(String command, Pop3Response response) {
        super(command + " failed: " + describe(response));
        this.command = command;
        this.response = response;
    }

    public Pop3Response response() {
        return response;
    }

    public String command() {
        return command;
    }

    /** The response code, e.g. {@code IN-USE}, or null. */
    public String code() {
        return response.code();
    }

    private static String describe(Pop3Response r) {
        StringBuilder sb = new StringBuilder(r.ok() ? "+OK" : "-ERR");
        if (r.code() != null) {
            sb.append(" [").append(r.code()).append(']');
        }
        if (!r.text().isEmpty()) {
            sb.append(' ').append(r.text());
        }
        return sb.toString();
    }
}
