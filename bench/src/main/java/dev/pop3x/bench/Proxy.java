package dev.pop3x.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP proxy in front of Dovecot that counts the octets of every connection in both directions and,
 * optionally, delays every chunk by a fixed time in each direction. The delay is latency, not bandwidth: per direction
 * a reader thread stamps each chunk with "now + delay" and queues it, a writer thread sends it when that time has come,
 * so many chunks can be in flight at once (as on a long link) and throughput is not serialised.
 */
final class Proxy implements AutoCloseable {

    /** Octets of one proxied connection, in accept order. */
    static final class Conn {
        final AtomicLong clientToServer = new AtomicLong();
        final AtomicLong serverToClient = new AtomicLong();
    }

    private record Chunk(long due, byte[] data) {
    }

    private static final Chunk END = new Chunk(0, null);

    private final ServerSocket server;
    private final int targetPort;
    private final long delayNanos;
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    Proxy(int targetPort, long delayMillis) throws IOException {
        this.targetPort = targetPort;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    List<Conn> connections() {
        return conns;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                Conn c = new Conn();
                conns.add(c);
                pipe(client, upstream, c.clientToServer);
                pipe(upstream, client, c.serverToClient);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("proxy: " + e);
                }
            }
        }
    }

    private void pipe(Socket from, Socket to, AtomicLong counter) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    counter.addAndGet(n);
                    if (delayNanos == 0) {
                        out.write(buf, 0, n);
                    } else {
                        queue.put(new Chunk(System.nanoTime() + delayNanos, java.util.Arrays.copyOf(buf, n)));
                    }
                }
            } catch (IOException | InterruptedException e) {
                // connection closed
            } finally {
                if (delayNanos == 0) {
                    shutdownOutput(to);
                } else {
                    queue.add(END);
                }
            }
        }, "proxy-read");
        reader.setDaemon(true);
        reader.start();
        if (delayNanos == 0) {
            return;
        }
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    if (c == END) {
                        break;
                    }
                    for (long wait; (wait = c.due - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.data);
                }
            } catch (IOException | InterruptedException e) {
                // connection closed
            } finally {
                shutdownOutput(to);
            }
        }, "proxy-write");
        writer.setDaemon(true);
        writer.start();
    }

    private static void shutdownOutput(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
