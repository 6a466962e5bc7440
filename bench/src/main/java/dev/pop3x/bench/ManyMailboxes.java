package dev.pop3x.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code mailboxes} workload (issue 13): {@code --mailboxes N} users of the benchmark's Dovecot (default 1,000),
 * one kept mail each, and one child JVM per client and round that runs one route per mailbox (see
 * {@link ManyMailboxesClient}). Clients: {@code pop3x} (defaults: a scheduler thread per consumer, as Camel makes
 * them), {@code pop3x-shared} (the component's {@code sharedPollThreads}, {@code --shared-threads}, default 8),
 * {@code camel-mail}. Writes {@code mailboxes.md} beside results.md and prints it.
 */
final class ManyMailboxes {

    static final List<String> CLIENTS = List.of("pop3x", "pop3x-shared", "camel-mail");
    private static final Pattern MANY = Pattern.compile("MANY (.*)");

    private final Dovecot dovecot;
    private final Map<String, String> opts;
    private final Path out;
    private final int rounds;
    private final long timeoutSeconds;

    ManyMailboxes(Dovecot dovecot, Map<String, String> opts, Path out, int rounds, long timeoutSeconds) {
        this.dovecot = dovecot;
        this.opts = opts;
        this.out = out;
        this.rounds = rounds;
        this.timeoutSeconds = timeoutSeconds;
    }

    String run() throws Exception {
        int mailboxes = Integer.parseInt(opts.getOrDefault("mailboxes", "1000"));
        String sharedThreads = opts.getOrDefault("shared-threads", "8");
        String delayMs = opts.getOrDefault("mailbox-delay-ms", "10000");
        String xmx = opts.getOrDefault("xmx", "512m");
        Benchmark.log("mailboxes: adding " + mailboxes + " users with one mail each");
        dovecot.addUsers(mailboxes, Mails.text(1, 4096));
        dovecot.primeUsers(mailboxes);
        Map<String, List<Map<String, String>>> results = new LinkedHashMap<>();
        List<String> clients = new ArrayList<>(CLIENTS);
        if (opts.containsKey("clients")) {
            clients.retainAll(List.of(opts.get("clients").split(",")));
        }
        for (int r = 0; r < rounds; r++) {
            List<String> order = new ArrayList<>(clients);
            Collections.rotate(order, -(r % order.size()));
            for (String client : order) {
                Path log = out.resolve("logs").resolve("mailboxes-" + client + "-r" + (r + 1) + ".log");
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xmx" + xmx, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-Dbench.childTimeoutSeconds=" + timeoutSeconds, "-cp", System.getProperty("java.class.path"),
                        ManyMailboxesClient.class.getName(), "--port", String.valueOf(dovecot.port()), "--mailboxes",
                        String.valueOf(mailboxes), "--client", client, "--shared-threads", sharedThreads,
                        "--delay-ms", delayMs));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeoutSeconds + 60, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
                Matcher m = MANY.matcher(Files.readString(log, StandardCharsets.UTF_8));
                Map<String, String> fields = new LinkedHashMap<>();
                if (m.find()) {
                    for (String kv : m.group(1).trim().split(" ")) {
                        fields.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                    }
                } else {
                    fields.put("ok", "false");
                }
                results.computeIfAbsent(client, k -> new ArrayList<>()).add(fields);
                Benchmark.log("mailboxes round " + (r + 1) + " " + client + " " + fields);
            }
        }
        String md = markdown(mailboxes, sharedThreads, delayMs, xmx, results);
        Files.writeString(out.resolve("mailboxes.md"), md);
        return md;
    }

    private String markdown(int mailboxes, String sharedThreads, String delayMs, String xmx,
            Map<String, List<Map<String, String>>> results) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%,d mailboxes of one Dovecot, one kept 4 KB mail each, one route per"
                                             + " mailbox from one route template, delay=%s ms, -Xmx%s; medians of %d"
                                             + " round(s) (min–max). pop3x-shared: sharedPollThreads=%s.%n%n",
                mailboxes, delayMs, xmx, rounds, sharedThreads));
        md.append("| Client | OK | Peak threads | Threads at the end | Peak RSS (MB) | All polled once (s) |"
                  + " Idle round: wall (s) | Idle round: CPU (ms) | CPU per idle poll (ms) | Delivered again in the"
                  + " idle round | Mean idle poll (ms) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var e : results.entrySet()) {
            List<Map<String, String>> ok = e.getValue().stream().filter(f -> "true".equals(f.get("ok"))).toList();
            md.append("| ").append(e.getKey()).append(" | ").append(ok.size()).append('/').append(e.getValue().size());
            md.append(" | ").append(median(ok, "peak_threads", 1)).append(" | ").append(median(ok, "live_threads", 1));
            md.append(" | ").append(median(ok, "hwm_kb", 1024)).append(" | ").append(median(ok, "first_round_ms", 1000));
            md.append(" | ").append(median(ok, "idle_round_ms", 1000)).append(" | ")
                    .append(median(ok, "idle_round_cpu_ms", 1));
            md.append(" | ").append(perPoll(ok, mailboxes)).append(" | ")
                    .append(median(ok, "redelivered_in_idle_round", 1)).append(" | ")
                    .append(median(ok, "idle_poll_mean_ms", 1)).append(" |\n");
        }
        return md.toString();
    }

    private static String median(List<Map<String, String>> runs, String key, double divisor) {
        List<Double> v = runs.stream().map(f -> Double.parseDouble(f.getOrDefault(key, "NaN")) / divisor).sorted()
                .toList();
        if (v.isEmpty()) {
            return "–";
        }
        String fmt = divisor == 1 ? "%.0f" : "%.1f";
        String med = String.format(Locale.ROOT, fmt, v.get(v.size() / 2));
        return v.size() == 1 ? med
                : med + " (" + String.format(Locale.ROOT, fmt, v.get(0)) + "–"
                  + String.format(Locale.ROOT, fmt, v.get(v.size() - 1)) + ")";
    }

    private static String perPoll(List<Map<String, String>> runs, int mailboxes) {
        List<Double> v = runs.stream().map(f -> Double.parseDouble(f.get("idle_round_cpu_ms")) / mailboxes).sorted()
                .toList();
        return v.isEmpty() ? "–" : String.format(Locale.ROOT, "%.2f", v.get(v.size() / 2));
    }
}
