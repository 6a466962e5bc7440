package dev.pop3x.session;

import java.io.Closeable;
import java.io.IOException;

import dev.pop3x.protocol.Pop3Client;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.Pop3Response;
import dev.pop3x.protocol.Security;

/**
 * One poll's POP3 session: connect and log in, take the snapshot, fetch and delete messages, QUIT. Used by the poll
 * thread only; nothing else ever writes to its socket.
 */
public final class MailboxSession implements Closeable {

    private final Pop3Client client;

    private MailboxSession(Pop3Client client) {
        this.client = client;
    }

    /** Connects (implicit TLS or STLS as configured) and logs in. */
    public static MailboxSession open(Pop3ClientOptions options, Login login) throws IOException {
        Pop3Client client = Pop3Client.connect(options);
        try {
            if (options.security() == Security.STARTTLS) {
                if (!client.capabilities().has("STLS")) {
                    throw new IOException("security=starttls, but " + options.host() + ":" + options.port()
                                          + " does not offer STLS; refusing to log in without TLS");
                }
                client.startTls();
            }
            try {
                login.authenticate(client);
            } catch (Pop3Exception e) {
                throw new AuthenticationFailedException(login.username() + "@" + options.host() + ":" + options.port(), e);
            }
            return new MailboxSession(client);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** One UIDL and one LIST for the whole mailbox. */
    public MailboxSnapshot snapshot() throws IOException {
        return new MailboxSnapshot(client.uidl(), client.list());
    }

    /** RETR into memory or a spool file. */
    public SpooledMessage retrieve(int number, long spoolThreshold) throws IOException {
        return download(spoolThreshold, sink -> client.retrieve(number, sink));
    }

    /** {@code TOP n 0}: the header only, for mails too large to download whole. */
    public SpooledMessage retrieveHeader(int number, long spoolThreshold) throws IOException {
        return download(spoolThreshold, sink -> client.top(number, 0, sink));
    }

    private interface Command {
        void writeTo(SpooledMessage.Sink sink) throws IOException;
    }

    private static SpooledMessage download(long spoolThreshold, Command command) throws IOException {
        SpooledMessage.Sink sink = SpooledMessage.sink(spoolThreshold);
        try {
            command.writeTo(sink);
            return sink.finish();
        } catch (IOException | RuntimeException e) {
            sink.discard();
            throw e;
        }
    }

    /** DELE: only marks the message; the server deletes it when QUIT succeeds. */
    public void delete(int number) throws IOException {
        client.delete(number);
    }

    /** @return true when the server confirmed QUIT, which is what makes the DELEs of this session final */
    public boolean quit() throws IOException {
        Pop3Response answer = client.quit();
        return answer.ok();
    }

    @Override
    public void close() {
        client.close();
    }
}
