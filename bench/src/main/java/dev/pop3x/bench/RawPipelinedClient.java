package dev.pop3x.bench;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

/**
 * The reference: a minimal POP3 client written for the benchmark. USER/PASS, then UIDL and LIST sent together, then
 * RETR n + DELE n for every message through a sliding window of at most {@value #WINDOW} commands in flight (a writer
 * thread takes a permit per command, the reader gives it back per answer; answers come in order, RFC 2449), then QUIT.
 * Multi-line answers are read line by line to CRLF.CRLF and dot-unstuffed into a counting sink. No MIME, no Camel.
 *
 * <p>In {@code idle} mode it only logs in, sends UIDL and LIST, and QUITs. It prints the octets of the UIDL answer
 * ({@code uidl_bytes}: the floor for an idle poll, all a poll of known mails needs) and of both answers
 * ({@code uidl_list_bytes}: the floor before issue 12, kept for comparison).
 */
public final class RawPipelinedClient {

    static final int WINDOW = 100;

    private final InputStream in;
    private final OutputStream out;

    private RawPipelinedClient(Socket s) throws IOException {
        this.in = s.getInputStream();
        this.out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
    }

    /** Gets every mail as it is read (dot-unstuffed, CRLF line ends); buf is reused after the call returns. */
    interface MailHandler {
        void mail(byte[] buf, int len) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        ChildSupport.startClock();
        long t0 = System.nanoTime();
        ChildSupport.Sink sink = new ChildSupport.Sink(c.sha256 != null);
        long[] counts = session(c, sink, null);
        double ms = (System.nanoTime() - t0) / 1e6;
        ChildSupport.stopClock();
        if (c.idle()) {
            c.finish(ms, c.expect, 0, null);
            System.out.println("IDLE uidl_bytes=" + counts[1] + " uidl_list_bytes=" + counts[2]);
        } else {
            c.finish(ms, counts[0], sink.bytes, c.sha256 == null ? null : sink.hex());
        }
    }

    /**
     * One session: login, UIDL and LIST, then (unless idle) every mail retrieved and deleted, QUIT. Mails go to sink,
     * or with a handler to the handler one by one. Returns {mails retrieved, UIDL answer octets, UIDL+LIST octets}.
     */
    static long[] session(ChildSupport c, OutputStream sink, MailHandler handler) throws Exception {
        long[] retrieved = {0};
        long uidlBytes;
        long listedBytes;
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(c.host, c.port), 10_000);
            s.setSoTimeout(120_000);
            RawPipelinedClient p = new RawPipelinedClient(s);
            p.status();                                    // greeting
            p.send("USER " + ChildSupport.USER);
            p.flush();
            p.status();
            p.send("PASS " + ChildSupport.PASSWORD);
            p.flush();
            p.status();
            p.send("UIDL");
            p.send("LIST");
            p.flush();
            ChildSupport.Sink uidl = new ChildSupport.Sink(false);
            long uidlOctets = p.multiline(uidl, true);
            ByteArrayOutputStream listText = new ByteArrayOutputStream();
            long listOctets = p.multiline(listText, true);
            uidlBytes = uidlOctets;
            listedBytes = uidlOctets + listOctets;
            int n = (int) listText.toString(StandardCharsets.US_ASCII).lines().count();
            if (!c.idle()) {
                p.retrieveAndDelete(n, sink, handler, retrieved);
            }
            p.send("QUIT");
            p.flush();
            p.status();
        }
        return new long[] {retrieved[0], uidlBytes, listedBytes};
    }

    /** A ByteArrayOutputStream whose array the handler may read. */
    private static final class MailBuffer extends ByteArrayOutputStream {
        MailBuffer() {
            super(64 * 1024);
        }

        byte[] array() {
            return buf;
        }
    }

    /** RETR i and DELE i for i = 1..n, at most WINDOW commands unanswered at any time. */
    private void retrieveAndDelete(int n, OutputStream sink, MailHandler handler, long[] retrieved) throws Exception {
        MailBuffer mail = handler == null ? null : new MailBuffer();
        Semaphore window = new Semaphore(WINDOW);
        Exception[] writerFailure = {null};
        Thread writer = new Thread(() -> {
            try {
                for (int i = 1; i <= n; i++) {
                    for (String cmd : new String[] {"RETR " + i, "DELE " + i}) {
                        if (!window.tryAcquire()) {
                            flush();                        // the window is full: let the server see what we have
                            window.acquire();
                        }
                        send(cmd);
                    }
                }
                flush();
            } catch (Exception e) {
                writerFailure[0] = e;
            }
        }, "raw-pop3-writer");
        writer.start();
        for (int i = 1; i <= n; i++) {
            if (handler == null) {
                multiline(sink, false);                  // RETR i
            } else {
                mail.reset();
                multiline(mail, false);
            }
            window.release();
            if (handler != null) {
                handler.mail(mail.array(), mail.size());
            }
            retrieved[0]++;
            status();                                     // DELE i
            window.release();
            if (i == n / 2) {
                ChildSupport.half();
            }
        }
        writer.join();
        if (writerFailure[0] != null) {
            throw writerFailure[0];
        }
    }

    private synchronized void send(String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private synchronized void flush() throws IOException {
        out.flush();
    }

    /** Reads one status line; throws unless +OK. Returns its octets. */
    private long status() throws IOException {
        int n = readLine();
        String text = n < 0 ? "(connection closed)" : new String(line, 0, n, StandardCharsets.ISO_8859_1);
        if (!text.startsWith("+OK")) {
            throw new IOException("server said: " + text.strip());
        }
        return n;
    }

    /**
     * Reads a multi-line answer (status line, then lines up to "." CRLF), dot-unstuffed into sink. With
     * wholeAnswer the octets returned count the status line and terminator too (what the server sent).
     */
    private long multiline(OutputStream sink, boolean wholeAnswer) throws IOException {
        long octets = status();
        while (true) {
            int n = readLine();
            if (n < 0) {
                throw new IOException("connection closed inside a multi-line answer");
            }
            octets += n;
            if (n == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n') {
                return wholeAnswer ? octets : octets - 3;
            }
            int skip = line[0] == '.' ? 1 : 0;            // dot-unstuffing
            sink.write(line, skip, n - skip);
        }
    }

    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private byte[] line = new byte[1024];

    /** Reads one line including its LF into {@link #line}; returns its length, -1 at end of stream. */
    private int readLine() throws IOException {
        int len = 0;
        while (true) {
            if (pos == lim) {
                lim = in.read(buf);
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    return len == 0 ? -1 : len;
                }
            }
            int end = pos;
            while (end < lim && buf[end] != '\n') {
                end++;
            }
            boolean found = end < lim;
            int take = (found ? end + 1 : end) - pos;
            if (len + take > line.length) {
                line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, len + take));
            }
            System.arraycopy(buf, pos, line, len, take);
            len += take;
            pos += take;
            if (found) {
                return len;
            }
        }
    }
}
