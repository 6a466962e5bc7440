package dev.pop3x.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * What every child client shares: its arguments, a byte-counting SHA-256 sink, a STAT check straight to the server,
 * and the one {@code RESULT} line the harness parses.
 *
 * <p>Arguments ({@code --key value}): {@code host}, {@code port} (where the client connects: Dovecot or a proxy),
 * {@code direct-port} (Dovecot itself, for the untimed STAT check), {@code expect} (mails to consume),
 * {@code mode} ({@code drain}: delete everything; {@code idle}: keep, poll twice), {@code sha256} (optional: expected
 * digest of a single mail as RETR serves it).
 */
final class ChildSupport {

    static final String USER = "alice";
    static final String PASSWORD = "secret";

    final String host;
    final int port;
    final int directPort;
    final int expect;
    final String mode;
    final String sha256;
    final boolean map;
    final boolean headers;
    /** "default": issue 12's route (body as String, Message-ID and Subject, every attachment read). */
    final String route;
    /** Attachments the default route must have read in all (0: none expected), and their decoded octets in all. */
    final long attachments;
    final long attachmentBytes;
    /** Set by a client before {@link #finish}: what its own checks found wrong (empty: nothing). */
    String routeProblems = "";

    ChildSupport(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        host = a.getOrDefault("host", "127.0.0.1");
        port = Integer.parseInt(a.get("port"));
        directPort = Integer.parseInt(a.getOrDefault("direct-port", a.get("port")));
        expect = Integer.parseInt(a.getOrDefault("expect", "0"));
        mode = a.getOrDefault("mode", "drain");
        sha256 = a.get("sha256");
        map = Boolean.parseBoolean(a.getOrDefault("map", "false"));
        headers = Boolean.parseBoolean(a.getOrDefault("headers", "false"));
        route = a.getOrDefault("route", "");
        attachments = Long.parseLong(a.getOrDefault("attachments", "0"));
        attachmentBytes = Long.parseLong(a.getOrDefault("attachment-bytes", "0"));
    }

    boolean defaultRoute() {
        return "default".equals(route);
    }

    boolean idle() {
        return "idle".equals(mode);
    }

    /** An OutputStream that only counts and digests. */
    static final class Sink extends OutputStream {
        private final MessageDigest digest;
        long bytes;

        Sink(boolean digest) {
            try {
                this.digest = digest ? MessageDigest.getInstance("SHA-256") : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void write(int b) {
            bytes++;
            if (digest != null) {
                digest.update((byte) b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
            if (digest != null) {
                digest.update(b, off, len);
            }
        }

        String hex() {
            return digest == null ? "-" : HexFormat.of().formatHex(digest.digest());
        }
    }

    /** Reads in fully into the sink. */
    /** One buffer per thread: a fresh 64 KiB array per mail would charge the client for the harness's garbage. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    static long drain(InputStream in, OutputStream sink) throws IOException {
        byte[] buf = BUFFER.get();
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            sink.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    /** Message count on the server, asked directly (not through a proxy), in a session of its own. */
    int stat() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, directPort), 5000);
            s.setSoTimeout(30_000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            Writer w = new java.io.OutputStreamWriter(s.getOutputStream(), StandardCharsets.ISO_8859_1);
            expectOk(r.readLine());
            w.write("USER " + USER + "\r\nPASS " + PASSWORD + "\r\nSTAT\r\nQUIT\r\n");
            w.flush();
            expectOk(r.readLine());
            expectOk(r.readLine());
            String stat = r.readLine();
            expectOk(stat);
            r.readLine();
            return Integer.parseInt(stat.split("\\s+")[1]);
        }
    }

    private static void expectOk(String line) throws IOException {
        if (line == null || !line.startsWith("+OK")) {
            throw new IOException("unexpected answer: " + line);
        }
    }

    /** Peak resident set size of this JVM so far, in KiB (Linux). */
    static long vmHwmKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static long cpuStart = -1;
    private static long[] threadsStart;
    private static long cpuNanos = -1;
    private static long[] threadsUsed;
    private static long allocatedStart;
    private static long clockStartNanos;
    /** The JVM's uptime at the start and the end of the clock, to find the measured window in JVM logs (JIT, GC). */
    private static long uptimeStartMs = -1;
    private static long uptimeStopMs = -1;
    private static volatile long halfNanos = -1;
    private static long allocated = -1;

    /**
     * Call where the measured time starts: the JVM's CPU time, and the CPU time of its JIT compiler threads and of its
     * GC threads, are taken from here to {@link #stopClock()} and printed as a {@code CLOCK} line with the result, so
     * a run shows how much of the drain was the client's own CPU, and how much of that the compiler's and the GC's.
     */
    static void startClock() {
        threadsStart = jitAndGcTicks(); // reading /proc loads classes in a cold JVM: before the clock starts
        allocatedStart = allocatedBytes();
        cpuStart = processCpuNanos();
        clockStartNanos = System.nanoTime(); // last: the caller's own start follows at once
        uptimeStartMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
    }

    /**
     * Call when half of the expected mails went through: the time after it, the drain's second half, is the client's
     * pace once the JVM is warmer (printed as {@code half_ms}, from the start of the clock).
     */
    static void half() {
        if (halfNanos < 0) {
            halfNanos = System.nanoTime() - clockStartNanos;
        }
    }

    /** Call where the measured time ends (before the untimed checks). */
    static void stopClock() {
        if (cpuStart >= 0 && cpuNanos < 0) {
            cpuNanos = processCpuNanos() - cpuStart;
            uptimeStopMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            long[] now = jitAndGcTicks();
            threadsUsed = new long[] {now[0] - threadsStart[0], now[1] - threadsStart[1]};
            allocated = allocatedBytes() - allocatedStart;
        }
    }

    /**
     * Heap allocated so far by the JVM's live threads (a thread that ended takes its count with it: the clients' threads
     * live until the end of the drain).
     */
    private static long allocatedBytes() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long n : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(n, 0);
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU of the JIT compiler threads ("C1/C2 CompilerThre...") and the GC threads ("GC Thread#n", "G1 ..."), in clock
     * ticks (usually 10 ms), from /proc/self/task/n/stat (utime + stime); {-1, -1} off Linux. The JVM's own
     * CompilationMXBean counts compilation as elapsed time per compile, which on a busy 2-core machine includes the
     * time the compiler thread waited for a core.
     */
    private static long[] jitAndGcTicks() {
        long jit = 0;
        long gc = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    jit += ticks;
                } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
                    gc += ticks;
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
        return new long[] {jit, gc};
    }

    /**
     * The line the harness parses; printed last. {@code ms}: the measured time; {@code count}: mails consumed;
     * {@code bytes}: message bytes read; {@code left}: messages on the server afterwards (-1 not checked).
     */
    static void result(boolean ok, double ms, long count, long bytes, int left, String sha, String detail) {
        System.out.flush();
        stopClock();
        if (cpuNanos >= 0) {
            // clock ticks to ms: USER_HZ is 100 on Linux
            System.out.printf(java.util.Locale.ROOT, "CLOCK cpu_ms=%.1f jit_ms=%d gc_ms=%d alloc_mb=%.1f half_ms=%.1f uptime_ms=%d-%d%n", cpuNanos / 1e6,
                    threadsUsed[0] < 0 ? -1 : threadsUsed[0] * 10, threadsUsed[1] < 0 ? -1 : threadsUsed[1] * 10,
                    allocated / 1048576.0, halfNanos < 0 ? -1.0 : halfNanos / 1e6, uptimeStartMs, uptimeStopMs);
        }
        System.out.printf(java.util.Locale.ROOT, "RESULT ok=%s ms=%.3f count=%d bytes=%d left=%d hwm_kb=%d sha256=%s detail=%s%n",
                ok, ms, count, bytes, left, vmHwmKb(), sha == null ? "-" : sha,
                detail == null || detail.isBlank() ? "-" : detail.replaceAll("\\s+", "_"));
        System.out.flush();
    }

    /** Common end of a drain: checks the server is empty (idle mode: still full) and the digest, prints RESULT. */
    void finish(double ms, long count, long bytes, String sha) {
        int left;
        try {
            left = stat();
        } catch (IOException e) {
            result(false, ms, count, bytes, -1, sha, "STAT failed: " + e);
            return;
        }
        StringBuilder problems = new StringBuilder(routeProblems);
        if (count != expect) {
            problems.append("consumed ").append(count).append(" of ").append(expect).append(';');
        }
        int wantLeft = idle() ? expect : 0;
        if (left != wantLeft) {
            problems.append(left).append(" left on the server, expected ").append(wantLeft).append(';');
        }
        if (sha256 != null && sha != null && !sha256.equals(sha)) {
            problems.append("sha256 mismatch;");
        }
        result(problems.length() == 0, ms, count, bytes, left, sha, problems.toString());
    }
}
