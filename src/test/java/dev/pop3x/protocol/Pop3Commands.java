package dev.pop3x.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * One command at a time on a {@link Pop3Client}, each sent, flushed and answered before the next: what tests need to
 * look at a mailbox or drive a server; the component itself only uses the client's command queue.
 * A {@code -ERR} throws a {@link Pop3Exception} (the connection stays in step).
 */
public final class Pop3Commands {

    private Pop3Commands() {
    }

    public static MaildropStat stat(Pop3Client client) throws IOException {
        Pop3Response r = expectOk(client, "STAT");
        String[] f = r.text().split("[ \t]+");
        try {
            return new MaildropStat(Integer.parseInt(f[0]), Long.parseLong(f[1]));
        } catch (RuntimeException e) {
            client.close();
            throw new Pop3ProtocolException("malformed STAT answer: \"" + Pop3Response.printable(r.text()) + "\"");
        }
    }

    public static List<UidlEntry> uidl(Pop3Client client) throws IOException {
        return client.execute(Pop3Command.uidl());
    }

    public static List<ListEntry> list(Pop3Client client) throws IOException {
        return client.execute(Pop3Command.list());
    }

    /** RETR n into sink; returns the octets written. */
    public static long retrieve(Pop3Client client, int messageNumber, OutputStream sink) throws IOException {
        return client.execute(Pop3Command.retr(messageNumber, body -> body.copyTo(sink)));
    }

    /** TOP n l into sink; returns the octets written. */
    public static long top(Pop3Client client, int messageNumber, int lines, OutputStream sink) throws IOException {
        return client.execute(Pop3Command.top(messageNumber, lines, body -> body.copyTo(sink)));
    }

    public static void delete(Pop3Client client, int messageNumber) throws IOException {
        expectOk(client, "DELE " + messageNumber);
    }

    public static void noop(Pop3Client client) throws IOException {
        expectOk(client, "NOOP");
    }

    public static void reset(Pop3Client client) throws IOException {
        expectOk(client, "RSET");
    }

    /** A single-line command whose -ERR is a Pop3Exception. */
    public static Pop3Command<Pop3Response> expectingOk(String line) {
        return Pop3Command.singleLine(line, status -> {
            if (!status.ok()) {
                throw new Pop3Exception(line, status);
            }
            return status;
        });
    }

    private static Pop3Response expectOk(Pop3Client client, String line) throws IOException {
        return client.execute(expectingOk(line));
    }
}
