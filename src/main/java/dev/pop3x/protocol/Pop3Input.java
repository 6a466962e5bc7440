package dev.pop3x.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Buffered reader of the server's byte stream: status lines and dot-terminated multi-line bodies.
 * Owns one fixed byte[] buffer, so memory stays bounded whatever the line lengths are, and
 * bytes left after one answer stay buffered for the next (pipelining).
 */
final class Pop3Input {

    /** Longest status line accepted, in octets without the line end. */
    static final int MAX_STATUS_LINE = 4096;

    private static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int pos;
    private int limit;

    Pop3Input(InputStream in) {
        this.in = in;
    }

    /** Bytes read from the socket but not consumed yet. */
    int buffered() {
        return limit - pos;
    }

    /** One line without its CRLF (or bare LF), decoded leniently as UTF-8. */
    String readLine(String command) throws IOException {
        int scanned = pos;
        while (true) {
            int lf = indexOfLf(scanned, limit);
            if (lf >= 0) {
                int end = lf > pos && buf[lf - 1] == '\r' ? lf - 1 : lf;
                if (end - pos > MAX_STATUS_LINE) {
                    throw tooLong(command);
                }
                String line = new String(buf, pos, end - pos, StandardCharsets.UTF_8);
                pos = lf + 1;
                return line;
            }
            if (limit - pos > MAX_STATUS_LINE + 1) {
                throw tooLong(command);
            }
            scanned = limit - pos; // relative: compaction below moves the data to index 0
            if (!readMore()) {
                throw new Pop3ProtocolException(limit == pos
                        ? "connection closed by the server, no answer to " + command
                        : "connection closed by the server in the middle of the answer to " + command);
            }
            scanned += pos;
        }
    }

    /**
     * Copies a multi-line body up to the line "." into sink, removing the stuffed leading dots.
     * Line ends are copied as received. Runs of plain lines go to the sink in one write each.
     */
    long readMultiline(OutputStream sink, String command) throws IOException {
        long total = 0;
        boolean lineStart = true;
        while (true) {
            if (pos == limit && !readMore()) {
                throw midAnswer(command);
            }
            int runStart = pos;
            int p = pos;
            while (p < limit) {
                if (lineStart && buf[p] == '.') {
                    if (p > runStart) {
                        sink.write(buf, runStart, p - runStart);
                        total += p - runStart;
                    }
                    pos = p;
                    if (consumeDotLine(command)) {
                        return total;
                    }
                    // a stuffed dot was skipped; the rest of the line is data
                    p = pos;
                    runStart = pos;
                    lineStart = false;
                    continue;
                }
                int lf = indexOfLf(p, limit);
                if (lf < 0) {
                    p = limit;
                    lineStart = false;
                } else {
                    p = lf + 1;
                    lineStart = true;
                }
            }
            if (p > runStart) {
                sink.write(buf, runStart, p - runStart);
                total += p - runStart;
            }
            pos = p;
        }
    }

    /** At a line starting with '.': true (and consumed) if it is the terminator, else only the dot is consumed. */
    private boolean consumeDotLine(String command) throws IOException {
        // peek one byte at a time: the last answer may end with ".\n" and nothing follows
        if (!ensure(2)) {
            throw midAnswer(command);
        }
        byte next = buf[pos + 1];
        if (next == '\n') {
            pos += 2;
            return true;
        }
        if (next == '\r') {
            if (!ensure(3)) {
                throw midAnswer(command);
            }
            if (buf[pos + 2] == '\n') {
                pos += 3;
                return true;
            }
        }
        pos += 1;
        return false;
    }

    /** Makes n bytes available from pos; false on EOF. */
    private boolean ensure(int n) throws IOException {
        while (limit - pos < n) {
            if (!readMore()) {
                return false;
            }
        }
        return true;
    }

    /** Moves unread bytes to the front if needed and reads once more; false on EOF. */
    private boolean readMore() throws IOException {
        if (pos > 0 && (limit == buf.length || pos == limit)) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    private int indexOfLf(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static Pop3ProtocolException tooLong(String command) {
        return new Pop3ProtocolException("status line longer than " + MAX_STATUS_LINE
                                         + " octets in the answer to " + command);
    }

    private static Pop3ProtocolException midAnswer(String command) {
        return new Pop3ProtocolException("connection closed in the middle of " + command
                                         + " (multi-line answer not terminated by \".\")");
    }
}
