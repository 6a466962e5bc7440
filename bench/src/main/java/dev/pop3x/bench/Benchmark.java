package dev.pop3x.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The harness. Starts a Dovecot of its own, then for every workload and round re-seeds the mailbox and runs each client
 * in a child JVM, in an order rotated every round (round 1: A B C D, round 2: B C D A, ...). Each child times its own
 * drain and prints one RESULT line; the harness also samples the child's VmHWM (peak RSS) from /proc while it runs.
 * Writes results/results.md and a chart, prints the table.
 *
 * <pre>
 * --rounds N          rounds per workload (default 5)
 * --workloads a,b     any of small,attach,big,idle,remote,sustained,mailboxes (default all but sustained and
 *                     mailboxes; mailboxes: see ManyMailboxes, with --mailboxes N, --shared-threads T,
 *                     --mailbox-delay-ms D)
 * --quick             small sizes for a smoke run
 * --out DIR           where results.md and the child logs go (default results)
 * --chart FILE        the chart (default ../docs/performance.png)
 * --delay-ms N        one-way delay of the remote workload's proxy (default 10)
 * --timeout S         per child run, seconds (default 900)
 * --xmx SIZE          child heap for every workload but the big mail (default 512m)
 * --sustained-mails N mails of the sustained workload (default 20000)
 * </pre>
 */
public final class Benchmark {

    static final String POP3X = "pop3x";
    static final String CAMEL_MAIL = "camel-mail";
    static final String ANGUS = "angus";
    static final String RAW = "raw";
    /** The same two Camel consumers with their default mapping (mapMailMessage=true); used for the big mail. */
    static final String POP3X_MAPPED = "pop3x-mapped";
    static final String CAMEL_MAIL_MAPPED = "camel-mail-mapped";
    /** pop3x with a route that also reads every mail header (pop3x makes the headers only when a route uses them). */
    static final String POP3X_HEADERS = "pop3x-headers";
    /**
     * Issue 12's headline rows: the default options (mapMailMessage=true, the default file ledger for pop3x) and a
     * route that reads what users read: the body as a String, Message-ID and Subject, every attachment's bytes.
     */
    static final String POP3X_DEFAULT = "pop3x-default";
    static final String CAMEL_MAIL_DEFAULT = "camel-mail-default";
    /** pop3x-default with downloadAhead=0: every mail read, parsed and routed on the poll thread, one after the other. */
    static final String POP3X_SERIAL_DEFAULT = "pop3x-serial-default";
    static final List<String> ALL_CLIENTS = List.of(POP3X, CAMEL_MAIL, ANGUS, RAW);
    static final List<String> SMALL_CLIENTS = List.of(POP3X, CAMEL_MAIL, ANGUS, RAW, POP3X_HEADERS);
    /**
     * The raw client's download with a minimal Camel consumer routing each mail through the default route: the floor
     * under any Camel consumer of that route ({@link RawCamelClient}).
     */
    static final String RAW_CAMEL_DEFAULT = "raw-camel-default";
    static final List<String> DEFAULT_ROUTE_CLIENTS = List.of(POP3X_DEFAULT, CAMEL_MAIL_DEFAULT, POP3X_SERIAL_DEFAULT,
            RAW_CAMEL_DEFAULT);
    static final List<String> BIG_CLIENTS = List.of(POP3X, CAMEL_MAIL, ANGUS, RAW, POP3X_MAPPED, CAMEL_MAIL_MAPPED);
    static final Map<String, Class<?>> MAIN = Map.ofEntries(Map.entry(POP3X, Pop3xClient.class),
            Map.entry(CAMEL_MAIL, CamelMailClient.class), Map.entry(ANGUS, AngusClient.class),
            Map.entry(RAW, RawPipelinedClient.class), Map.entry(POP3X_MAPPED, Pop3xClient.class),
            Map.entry(CAMEL_MAIL_MAPPED, CamelMailClient.class), Map.entry(POP3X_HEADERS, Pop3xClient.class),
            Map.entry(POP3X_DEFAULT, Pop3xClient.class), Map.entry(CAMEL_MAIL_DEFAULT, CamelMailClient.class),
            Map.entry(POP3X_SERIAL_DEFAULT, Pop3xClient.class), Map.entry(RAW_CAMEL_DEFAULT, RawCamelClient.class));

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** One workload: what is seeded, how the clients reach the server, what is measured. */
    record Workload(String id, String title, int count, int mailSize, List<String> clients, String xmx,
                    long delayMs, boolean idle, boolean big) {
    }

    /**
     * One child run. Idle workload: {@code floorBytes} is the raw client's UIDL answer alone, {@code listFloorBytes}
     * its UIDL and LIST answers (the floor before issue 12); -1 for the other clients.
     */
    record Sample(String client, int round, boolean ok, double ms, long hwmKb, long serverBytes, long floorBytes,
                  long listFloorBytes, String detail, String log, double cpuMs, double jitMs, double gcMs,
                  double allocatedMb, double halfMs) {
    }

    private final Map<String, String> opts = new LinkedHashMap<>();
    private final int rounds;
    private final boolean quick;
    private final Path out;
    private final Path chart;
    private final long timeoutSeconds;
    private Dovecot dovecot;
    private Path bigFile;
    private String bigSha;

    private Benchmark(String[] args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean q = a.remove("--quick");
        for (int i = 0; i + 1 < a.size(); i += 2) {
            opts.put(a.get(i).replaceFirst("^--", ""), a.get(i + 1));
        }
        quick = q;
        rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
        out = Path.of(opts.getOrDefault("out", "results"));
        chart = Path.of(opts.getOrDefault("chart", "../docs/performance.png"));
        timeoutSeconds = Long.parseLong(opts.getOrDefault("timeout", "900"));
    }

    List<Workload> workloads() {
        long delay = Long.parseLong(opts.getOrDefault("delay-ms", "10"));
        int sustained = Integer.parseInt(opts.getOrDefault("sustained-mails", quick ? "2000" : "20000"));
        int small = quick ? 200 : 2000;
        // --xmx 256m: another heap for every workload but the big mail (issue 12 reports the small drain's RSS at 256m)
        String heap = opts.getOrDefault("xmx", "512m");
        List<Workload> all = List.of(
                new Workload("small", small + " × 4 KB", small, 4096, concat(SMALL_CLIENTS, DEFAULT_ROUTE_CLIENTS),
                        heap, 0, false, false),
                new Workload("attach", (quick ? 20 : 200) + " × 200 KB with attachment", quick ? 20 : 200, 200 * 1024,
                        concat(ALL_CLIENTS, DEFAULT_ROUTE_CLIENTS), heap, 0, false, false),
                new Workload("big", "1 × " + (quick ? 10 : 100) + " MB at -Xmx64m", 1, (quick ? 10 : 100) << 20,
                        BIG_CLIENTS, "64m", 0, false, true),
                new Workload("idle", "idle poll, " + (quick ? 500 : 5000) + " kept mails (octets from server)",
                        quick ? 500 : 5000, 4096, List.of(POP3X, CAMEL_MAIL, RAW), heap, 0, true, false),
                new Workload("remote", (quick ? 100 : 2000) + " × 4 KB through a " + delay + " ms each way proxy",
                        quick ? 100 : 2000, 4096, ALL_CLIENTS, heap, delay, false, false),
                // issue 12: a drain long enough that JVM warm-up no longer dominates; only on request (seeding 20,000
                // files per child run takes a while)
                new Workload("sustained", sustained + " × 4 KB sustained", sustained, 4096,
                        List.of(POP3X_DEFAULT, RAW, POP3X_SERIAL_DEFAULT, RAW_CAMEL_DEFAULT), heap, 0, false, false));
        String wanted = opts.get("workloads");
        if (wanted == null) {
            return all.stream().filter(w -> !w.id().equals("sustained")).toList();
        }
        List<String> ids = List.of(wanted.split(","));
        return all.stream().filter(w -> ids.contains(w.id())).toList();
    }

    public static void main(String[] args) throws Exception {
        new Benchmark(args).run();
    }

    private void run() throws Exception {
        Files.createDirectories(out.resolve("logs"));
        List<Workload> workloads = workloads();
        Map<Workload, List<Sample>> results = new LinkedHashMap<>();
        long started = System.nanoTime();
        String mailboxesTable = null;
        try (Dovecot d = new Dovecot()) {
            dovecot = d;
            log("Dovecot on 127.0.0.1:" + d.port() + "; rounds=" + rounds + (quick ? " (quick)" : ""));
            if (List.of(opts.getOrDefault("workloads", "").split(",")).contains("mailboxes")) {
                mailboxesTable = new ManyMailboxes(d, opts, out, rounds, timeoutSeconds).run();
            }
            for (Workload w : workloads) {
                List<Sample> samples = new ArrayList<>();
                results.put(w, samples);
                for (int r = 0; r < rounds; r++) {
                    List<String> order = new ArrayList<>(w.clients());
                    if (opts.containsKey("clients")) { // e.g. --clients pop3x,raw while working on one of them
                        order.retainAll(List.of(opts.get("clients").split(",")));
                    }
                    java.util.Collections.rotate(order, -(r % order.size()));
                    for (String client : order) {
                        Sample s = runOnce(w, client, r + 1);
                        samples.add(s);
                        log(String.format(Locale.ROOT, "%-7s round %d %-10s %s %10.1f ms  peak RSS %6.1f MB%s%s",
                                w.id(), r + 1, client, s.ok() ? "ok  " : "FAIL", s.ms(), s.hwmKb() / 1024.0,
                                w.idle() ? "  server sent " + s.serverBytes() + " B" : "",
                                s.ok() ? "" : "  (" + s.detail() + ", log " + s.log() + ")"));
                    }
                }
            }
        } finally {
            if (bigFile != null) {
                Files.deleteIfExists(bigFile);
            }
        }
        if (mailboxesTable != null) {
            System.out.println();
            System.out.println(mailboxesTable);
            if (workloads.isEmpty()) {
                return; // only the mailboxes workload: no drain table, no chart
            }
        }
        double minutes = (System.nanoTime() - started) / 6e10;
        Report report = new Report(results, rounds, quick, machine(), minutes);
        String md = report.markdown(chart.getFileName().toString());
        Files.writeString(out.resolve("results.md"), md);
        report.chart(chart);
        System.out.println();
        System.out.println(md);
        log("wrote " + out.resolve("results.md") + " and " + chart);
    }

    /**
     * The bench's own classpath; with {@code BENCH_POP3X_JAR} set, that jar instead of the installed camel-pop3x, so
     * that two builds can run in alternate rounds of the same session (bench/tools/ab.sh).
     */
    static String childClasspath() {
        String classpath = System.getProperty("java.class.path");
        String jar = System.getenv("BENCH_POP3X_JAR");
        if (jar == null || jar.isBlank()) {
            return classpath;
        }
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalArgumentException("BENCH_POP3X_JAR: no such file " + jar);
        }
        List<String> entries = new ArrayList<>(List.of(classpath.split(java.io.File.pathSeparator)));
        boolean replaced = false;
        for (int i = 0; i < entries.size(); i++) {
            if (Path.of(entries.get(i)).getFileName().toString().matches("camel-pop3x-.*\\.jar")) {
                entries.set(i, jar);
                replaced = true;
            }
        }
        if (!replaced) {
            throw new IllegalStateException("no camel-pop3x jar on the bench's classpath to replace: " + classpath);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private Sample runOnce(Workload w, String client, int round) throws Exception {
        seed(w);
        Proxy proxy = w.idle() || w.delayMs() > 0 ? new Proxy(dovecot.port(), w.delayMs()) : null;
        Path logFile = out.resolve("logs").resolve(w.id() + "-" + client + "-r" + round + ".log");
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx" + w.xmx());
            if (w.big()) {
                cmd.add("-XX:+ExitOnOutOfMemoryError");
            }
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
            // e.g. a profiler for one client: BENCH_CHILD_JVM_ARGS="-XX:StartFlightRecording=filename=/tmp/{client}.jfr"
            // ({workload} and {round} are replaced too: one recording per child run)
            String extra = System.getenv("BENCH_CHILD_JVM_ARGS");
            if (extra != null && !extra.isBlank()) {
                cmd.addAll(List.of(extra.replace("{client}", client).replace("{workload}", w.id())
                        .replace("{round}", String.valueOf(round)).trim().split("\\s+")));
            }
            cmd.add("-Dbench.childTimeoutSeconds=" + timeoutSeconds);
            if (client.equals(POP3X_SERIAL_DEFAULT)) {
                cmd.add("-D" + Pop3xClient.EXTRA_OPTIONS + "=&downloadAhead=0");
            }
            cmd.add("-cp");
            cmd.add(childClasspath());
            cmd.add(MAIN.get(client).getName());
            cmd.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(proxy != null ? proxy.port() : dovecot.port()),
                    "--direct-port", String.valueOf(dovecot.port()), "--expect", String.valueOf(w.count()),
                    "--mode", w.idle() ? "idle" : "drain", "--map", String.valueOf(client.endsWith("-mapped")),
                    "--headers", String.valueOf(client.endsWith("-headers"))));
            if (client.endsWith("-default")) {
                // the default mapping and the route that reads body text, two headers and every attachment; the child
                // checks it read an attachment of the seeded size for every mail of the attach workload
                cmd.addAll(List.of("--map", "true", "--route", "default", "--attachments",
                        String.valueOf(w.id().equals("attach") ? w.count() : 0), "--attachment-bytes",
                        String.valueOf(w.id().equals("attach") ? (long) w.count() * Mails.attachmentSize(w.mailSize()) : 0)));
            }
            if (w.big() && (client.equals(POP3X) || client.equals(RAW))) {
                cmd.addAll(List.of("--sha256", bigSha));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            AtomicLong sampled = new AtomicLong(-1);
            Thread sampler = new Thread(() -> {
                Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
                while (p.isAlive()) {
                    try {
                        for (String line : Files.readAllLines(status)) {
                            if (line.startsWith("VmHWM:")) {
                                sampled.accumulateAndGet(Long.parseLong(line.replaceAll("[^0-9]", "")), Math::max);
                            }
                        }
                        Thread.sleep(20);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
            boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
                p.waitFor();
            }
            sampler.join(1000);
            String output = Files.readString(logFile, StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("RESULT ok=(\\S+) ms=(\\S+) count=(\\S+) bytes=(\\S+) left=(\\S+) hwm_kb=(\\S+) "
                                        + "sha256=(\\S+) detail=(\\S+)").matcher(output);
            Matcher idle = Pattern.compile("IDLE uidl_bytes=(\\d+) uidl_list_bytes=(\\d+)").matcher(output);
            boolean idleFloors = idle.find();
            long floor = idleFloors ? Long.parseLong(idle.group(1)) : -1;
            long listFloor = idleFloors ? Long.parseLong(idle.group(2)) : -1;
            long serverBytes = -1;
            if (proxy != null && w.idle()) {
                List<Proxy.Conn> conns = proxy.connections();
                // raw: its single session; the Camel clients: the second poll's session (the first one learns the mailbox)
                int index = client.equals(RAW) ? 0 : 1;
                serverBytes = conns.size() > index ? conns.get(index).serverToClient.get() : -1;
            }
            if (!m.find()) {
                String why = !exited ? "timeout after " + timeoutSeconds + " s"
                        : output.contains("OutOfMemoryError") ? "OutOfMemoryError (exit " + p.exitValue() + ")"
                        : "no RESULT line (exit " + p.exitValue() + ")";
                return new Sample(client, round, false, Double.NaN, sampled.get(), serverBytes, floor, listFloor, why,
                        logFile.toString(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            long hwm = Math.max(sampled.get(), Long.parseLong(m.group(6)));
            boolean ok = Boolean.parseBoolean(m.group(1)) && p.exitValue() == 0;
            String detail = m.group(8) + (output.contains("OutOfMemoryError") ? ";OutOfMemoryError_logged" : "");
            // the JVM's CPU and JIT time within the measured time (ChildSupport.startClock/stopClock)
            Matcher clock = Pattern.compile("CLOCK cpu_ms=(\\S+) jit_ms=(\\S+) gc_ms=(\\S+) alloc_mb=(\\S+) half_ms=(\\S+)").matcher(output);
            boolean clocked = clock.find();
            return new Sample(client, round, ok, Double.parseDouble(m.group(2)), hwm, serverBytes, floor, listFloor,
                    detail, logFile.toString(), clocked ? Double.parseDouble(clock.group(1)) : Double.NaN,
                    clocked ? Double.parseDouble(clock.group(2)) : Double.NaN,
                    clocked ? Double.parseDouble(clock.group(3)) : Double.NaN,
                    clocked ? Double.parseDouble(clock.group(4)) : Double.NaN,
                    clocked ? Double.parseDouble(clock.group(5)) : Double.NaN);
        } finally {
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    private void seed(Workload w) throws IOException {
        dovecot.clearMailbox();
        if (w.big()) {
            if (bigFile == null) {
                bigFile = Files.createTempFile("pop3x-bench-big-", ".eml");
                bigSha = Mails.big(bigFile, w.mailSize());
            }
            dovecot.deliver(bigFile);
        } else {
            for (int i = 1; i <= w.count(); i++) {
                dovecot.deliver(w.id().equals("attach") ? Mails.withAttachment(i, w.mailSize()) : Mails.text(i, w.mailSize()));
            }
        }
        dovecot.prime();
    }

    static Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replaceAll("\\.\\d+", ""));
        m.put("cpu", grep("/proc/cpuinfo", "model name").replaceFirst(".*:\\s*", "") + " × "
                     + Runtime.getRuntime().availableProcessors() + " (nproc)");
        m.put("memory", grep("/proc/meminfo", "MemTotal").replaceFirst(".*:\\s*", ""));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("dovecot", Dovecot.version());
        return m;
    }

    private static String grep(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    static void log(String s) {
        System.out.println("[bench] " + s);
        System.out.flush();
    }
}
