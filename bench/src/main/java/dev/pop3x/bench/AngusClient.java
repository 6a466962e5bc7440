package dev.pop3x.bench;

import java.util.Properties;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;

/**
 * A bare Angus Mail (jakarta.mail) loop, the way most hand-written POP3 consumers look: open INBOX read-write, for each
 * message write the whole raw message to a null sink ({@code Message.writeTo}: RETR), flag it DELETED, then
 * {@code close(true)} (DELE for each flagged message, then QUIT). Angus defaults otherwise.
 */
public final class AngusClient {

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        Properties props = new Properties();
        props.setProperty("mail.pop3.host", c.host);
        props.setProperty("mail.pop3.port", String.valueOf(c.port));
        props.setProperty("mail.pop3.connectiontimeout", "10000");
        props.setProperty("mail.pop3.timeout", "120000");
        Session session = Session.getInstance(props);
        ChildSupport.startClock();
        long t0 = System.nanoTime();
        ChildSupport.Sink sink = new ChildSupport.Sink(c.sha256 != null);
        long count = 0;
        Store store = session.getStore("pop3");
        store.connect(c.host, c.port, ChildSupport.USER, ChildSupport.PASSWORD);
        try {
            Folder folder = store.getFolder("INBOX");
            folder.open(Folder.READ_WRITE);
            for (Message m : folder.getMessages()) {
                m.writeTo(sink);
                count++;
                if (!c.idle()) {
                    m.setFlag(Flags.Flag.DELETED, true);
                }
            }
            folder.close(!c.idle());
        } finally {
            store.close();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        ChildSupport.stopClock();
        c.finish(ms, count, sink.bytes, c.sha256 == null ? null : sink.hex());
    }
}
