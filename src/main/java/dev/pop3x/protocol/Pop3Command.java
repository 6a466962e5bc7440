package dev.pop3x.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One POP3 command and the handler that reads its answer. Queued on a {@link Pop3Client}, which sends it and hands
 * it its answer in the order the commands went out. A command is used once; the line is named in errors, so it
 * never carries a secret (logins go through {@link Pop3Client#authenticate}).
 *
 * @param <T> what the handler makes of the answer
 */
public final class Pop3Command<T> {

    /** Reads the status line of a single-line answer; may throw a Pop3Exception to refuse it. */
    @FunctionalInterface
    public interface StatusHandler<T> {
        T handle(Pop3Response status) throws IOException;
    }

    /** Reads the body of a multi-line +OK answer. */
    @FunctionalInterface
    public interface BodyHandler<T> {
        T read(Body body) throws IOException;
    }

    /** A multi-line body: dot-unstuffed, without its terminating line, line ends as received. */
    @FunctionalInterface
    public interface Body {
        /** Copies the body into sink; returns the octets written. Memory use is bounded whatever the line length. */
        long copyTo(OutputStream sink) throws IOException;
    }

    private enum State {
        NEW, QUEUED, ANSWERED
    }

    private final String line;
    private final StatusHandler<T> statusHandler;
    private final BodyHandler<T> bodyHandler;
    private State state = State.NEW;
    private T result;
    private Pop3Exception refusal;

    private Pop3Command(String line, StatusHandler<T> statusHandler, BodyHandler<T> bodyHandler) {
        this.line = checkLine(line);
        this.statusHandler = statusHandler;
        this.bodyHandler = bodyHandler;
    }

    /** A command answered by one status line, which is its result whether +OK or -ERR (DELE, NOOP, RSET, QUIT ...). */
    public static Pop3Command<Pop3Response> singleLine(String line) {
        return singleLine(line, status -> status);
    }

    /** A command answered by one status line, read by handler. */
    public static <T> Pop3Command<T> singleLine(String line, StatusHandler<T> handler) {
        return new Pop3Command<>(line, handler, null);
    }

    /**
     * A command whose +OK is followed by a body, which handler reads. Its {@code -ERR} has no body: the answer is
     * then a {@link Pop3Exception}, and the connection stays in step.
     */
    public static <T> Pop3Command<T> multiLine(String line, BodyHandler<T> handler) {
        return new Pop3Command<>(line, null, handler);
    }

    /** RETR n: the whole message. */
    public static <T> Pop3Command<T> retr(int messageNumber, BodyHandler<T> handler) {
        return multiLine("RETR " + messageNumber, handler);
    }

    /** TOP n l: the header, the blank line, then l lines of the body. */
    public static <T> Pop3Command<T> top(int messageNumber, int lines, BodyHandler<T> handler) {
        return multiLine("TOP " + messageNumber + " " + lines, handler);
    }

    /** UIDL for the whole maildrop. Fields are split on runs of spaces and tabs. */
    public static Pop3Command<List<UidlEntry>> uidl() {
        return multiLine("UIDL", body -> {
            List<UidlEntry> result = new ArrayList<>();
            for (String[] f : listing("UIDL", body)) {
                result.add(new UidlEntry(number(f[0], "UIDL"), f[1]));
            }
            return result;
        });
    }

    /** LIST for the whole maildrop. */
    public static Pop3Command<List<ListEntry>> list() {
        return multiLine("LIST", body -> {
            List<ListEntry> result = new ArrayList<>();
            for (String[] f : listing("LIST", body)) {
                try {
                    result.add(new ListEntry(number(f[0], "LIST"), Long.parseLong(f[1])));
                } catch (NumberFormatException e) {
                    throw new Pop3ProtocolException(
                            "malformed LIST line: \"" + Pop3Response.printable(String.join(" ", f)) + "\"");
                }
            }
            return result;
        });
    }

    /**
     * LIST n: the size of one message. Its -ERR (no such message) is a {@link Pop3Exception}; the connection stays in
     * step.
     */
    public static Pop3Command<ListEntry> list(int messageNumber) {
        String line = "LIST " + messageNumber;
        return singleLine(line, status -> {
            if (!status.ok()) {
                throw new Pop3Exception(line, status);
            }
            String[] f = twoFields(status.text().strip());
            try {
                if (f != null && number(f[0], "LIST") == messageNumber) {
                    return new ListEntry(messageNumber, Long.parseLong(f[1]));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new Pop3ProtocolException("malformed answer to " + line + ": \"+OK "
                                            + Pop3Response.printable(status.text()) + "\"");
        });
    }

    /** The line sent (without CRLF); errors name the command by it. */
    public String line() {
        return line;
    }

    boolean hasBody() {
        return bodyHandler != null;
    }

    boolean isAnswered() {
        return state == State.ANSWERED;
    }

    void queued() {
        if (state != State.NEW) {
            throw new IllegalStateException(line + " was queued before: a command is used once");
        }
        state = State.QUEUED;
    }

    /**
     * Hands the answer to the handler. A -ERR of a multi-line command, or a Pop3Exception from a status handler,
     * becomes the command's refusal: the connection is still in step.
     */
    void answered(Pop3Response status, Body body) throws IOException {
        if (bodyHandler == null) {
            try {
                result = statusHandler.handle(status);
            } catch (Pop3Exception e) {
                refusal = e;
            }
        } else if (status.ok()) {
            result = bodyHandler.read(body);
        } else {
            refusal = new Pop3Exception(line, status);
        }
        state = State.ANSWERED;
    }

    /** The handler's result; the Pop3Exception when the server refused a multi-line command. */
    T result() throws Pop3Exception {
        if (refusal != null) {
            throw refusal;
        }
        return result;
    }

    static String checkLine(String line) {
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            // the line is not echoed: it may carry a secret
            throw new IllegalArgumentException("a POP3 command must not contain CR or LF");
        }
        return line;
    }

    @Override
    public String toString() {
        return "Pop3Command[" + line + " " + state + "]";
    }

    private static List<String[]> listing(String command, Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        body.copyTo(bytes);
        byte[] b = bytes.toByteArray();
        return isPrintableAscii(b) ? asciiListing(command, b) : textListing(command, b);
    }

    /**
     * The usual listing: printable US-ASCII lines (RFC 1939 UIDLs are), split by a byte scan. A poll reads thousands of
     * such lines while the JVM is still cold, where a loop over one array costs a fraction of String calls per char.
     */
    private static List<String[]> asciiListing(String command, byte[] b) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (int start = 0, end; start < b.length; start = end + 1) {
            end = start;
            while (end < b.length && b[end] != '\n') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && isAsciiSpace(b[from])) {
                from++;
            }
            while (to > from && isAsciiSpace(b[to - 1])) {
                to--;
            }
            if (from == to) {
                continue;
            }
            int gap = from;
            while (gap < to && !isBlank(b[gap])) {
                gap++;
            }
            int second = gap;
            while (second < to && isBlank(b[second])) {
                second++;
            }
            if (second == to) {
                throw new Pop3ProtocolException("malformed " + command + " line: \""
                                                + Pop3Response.printable(new String(b, from, to - from,
                                                        StandardCharsets.US_ASCII))
                                                + "\"");
            }
            int secondEnd = second;
            while (secondEnd < to && !isBlank(b[secondEnd])) {
                secondEnd++;
            }
            rows.add(new String[] {
                    new String(b, from, gap - from, StandardCharsets.ISO_8859_1),
                    new String(b, second, secondEnd - second, StandardCharsets.ISO_8859_1) });
        }
        return rows;
    }

    /** Anything else (8-bit or control characters): decoded as UTF-8, lines stripped as Java strips them. */
    private static List<String[]> textListing(String command, byte[] b) throws IOException {
        String text = new String(b, StandardCharsets.UTF_8);
        List<String[]> rows = new ArrayList<>();
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String s = text.substring(start, end).strip();
            if (s.isEmpty()) {
                continue;
            }
            String[] f = twoFields(s);
            if (f == null) {
                throw new Pop3ProtocolException(
                        "malformed " + command + " line: \"" + Pop3Response.printable(s) + "\"");
            }
            rows.add(f);
        }
        return rows;
    }

    /** Printable US-ASCII, spaces, tabs and line ends only. */
    private static boolean isPrintableAscii(byte[] b) {
        for (byte c : b) {
            if ((c < 0x20 || c > 0x7E) && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }

    /** The bytes String.strip removes from a line of {@link #isPrintableAscii} text (LF ends the line before). */
    private static boolean isAsciiSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    /** "n value": the first two fields of a stripped listing line, split at runs of spaces or tabs; null if fewer. */
    private static String[] twoFields(String s) {
        int gap = 0;
        while (gap < s.length() && !isBlank(s.charAt(gap))) {
            gap++;
        }
        int second = gap;
        while (second < s.length() && isBlank(s.charAt(second))) {
            second++;
        }
        if (second == s.length()) {
            return null;
        }
        int secondEnd = second;
        while (secondEnd < s.length() && !isBlank(s.charAt(secondEnd))) {
            secondEnd++;
        }
        return new String[] { s.substring(0, gap), s.substring(second, secondEnd) };
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static int number(String s, String command) throws Pop3ProtocolException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new Pop3ProtocolException(
                    "malformed message number in " + command + ": \"" + Pop3Response.printable(s) + "\"");
        }
    }
}
