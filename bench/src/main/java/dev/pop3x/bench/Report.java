package dev.pop3x.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Medians, ratios, targets (Markdown) and the chart (XChart, PNG). */
final class Report {

    private final Map<Benchmark.Workload, List<Benchmark.Sample>> results;
    private final int rounds;
    private final boolean quick;
    private final Map<String, String> machine;
    private final double minutes;

    Report(Map<Benchmark.Workload, List<Benchmark.Sample>> results, int rounds, boolean quick,
           Map<String, String> machine, double minutes) {
        this.results = results;
        this.rounds = rounds;
        this.quick = quick;
        this.machine = machine;
        this.minutes = minutes;
    }

    /** Median of the successful runs of client in w by the given figure; NaN if none succeeded. */
    double median(Benchmark.Workload w, String client, ToDoubleFunction<Benchmark.Sample> f) {
        double[] v = ok(w, client).stream().mapToDouble(f).filter(x -> x >= 0 && !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private double min(Benchmark.Workload w, String client, ToDoubleFunction<Benchmark.Sample> f) {
        return ok(w, client).stream().mapToDouble(f).min().orElse(Double.NaN);
    }

    private double max(Benchmark.Workload w, String client, ToDoubleFunction<Benchmark.Sample> f) {
        return ok(w, client).stream().mapToDouble(f).max().orElse(Double.NaN);
    }

    private List<Benchmark.Sample> all(Benchmark.Workload w, String client) {
        return results.get(w).stream().filter(s -> s.client().equals(client)).toList();
    }

    private List<Benchmark.Sample> ok(Benchmark.Workload w, String client) {
        return all(w, client).stream().filter(Benchmark.Sample::ok).toList();
    }

    /** Seconds from the moment half the mails were through to the end; NaN when the client did not say. */
    private static double secondHalf(Benchmark.Sample s) {
        return s.halfMs() < 0 || Double.isNaN(s.halfMs()) ? Double.NaN : (s.ms() - s.halfMs()) / 1000.0;
    }

    /** The figure a workload is judged by: seconds, or octets sent by the server for the idle poll. */
    private static ToDoubleFunction<Benchmark.Sample> figure(Benchmark.Workload w) {
        return w.idle() ? s -> s.serverBytes() : s -> s.ms() / 1000.0;
    }

    /** The idle poll's floor: the UIDL answer alone, all a poll of known mails needs. */
    private double idleFloor(Benchmark.Workload w) {
        return median(w, Benchmark.RAW, s -> s.floorBytes());
    }

    /** The floor before issue 12: the UIDL and LIST answers. */
    private double idleListFloor(Benchmark.Workload w) {
        return median(w, Benchmark.RAW, s -> s.listFloorBytes());
    }

    String markdown(String chartFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Results").append(quick ? " (QUICK SMOKE RUN: small sizes, not the benchmark)" : "").append("\n\n");
        sb.append("Medians of ").append(rounds).append(" interleaved round").append(rounds == 1 ? "" : "s")
                .append(" (min–max in brackets); only successful runs count towards the figures. ")
                .append("÷ raw: how many times slower than the raw pipelined client (1.00 = as fast). ")
                .append("camel-mail ÷ this: how many times faster than camel-mail. ")
                .append("pop3x and camel-mail get the raw mail as the body (mapMailMessage=false) and read it whole; ")
                .append("the *-mapped* rows use their default mapping (text body, attachments), all read; ")
                .append("*pop3x-headers* also reads every mail header in the route (pop3x parses a mail's header only ")
                .append("when the route uses one; camel-mail with mapMailMessage=false maps no headers at all). ")
                .append("Peak RSS: VmHWM of the child JVM. The idle poll row shows octets sent by the server, ")
                .append("compared with the UIDL answer alone (and with the UIDL+LIST answers, the floor before issue 12). ")
                .append("The *-default* rows (issue 12) use the default options (mapMailMessage=true; pop3x with its ")
                .append("default file ledger) and a route that reads the body as a String, the Message-ID and ")
                .append("Subject headers and every attachment's bytes; their camel-mail ÷ this column is against ")
                .append("camel-mail-default. CPU: the client JVM's CPU time (all its threads, the JIT compiler's ")
                .append("and the GC's included) within the measured time, and within it the CPU of its JIT compiler ")
                .append("threads and of its GC threads (from /proc, 10 ms ticks); on this machine's cores it competes ")
                .append("with the server's. Allocated: heap allocated by the JVM's threads in the same time. 2nd half: ")
                .append("the time from the moment half of the mails had gone through the route (the raw client: had ")
                .append("been read) to the end, the pace once the JVM is warmer. Whole run: ")
                .append(String.format(Locale.ROOT, "%.1f min.", minutes)).append("\n\n");
        sb.append("| Workload | Client | OK | Median | Min–max | ÷ raw (lower is better) | camel-mail ÷ this (higher is better) | Peak RSS (MB) | CPU (s) | of it JIT (s) | of it GC (s) | Allocated (MB) | 2nd half (s) | 2nd half ÷ raw |\n");
        sb.append("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Benchmark.Workload w : results.keySet()) {
            ToDoubleFunction<Benchmark.Sample> f = figure(w);
            double raw = median(w, Benchmark.RAW, f);
            double camel = median(w, Benchmark.CAMEL_MAIL, f);
            for (String client : w.clients()) {
                double med = median(w, client, f);
                String okCount = ok(w, client).size() + "/" + all(w, client).size();
                String figureText = w.idle() ? bytes(med) : secs(med);
                String range = Double.isNaN(med) ? failures(w, client)
                        : w.idle() ? bytes(min(w, client, f)) + "–" + bytes(max(w, client, f))
                        : secs(min(w, client, f)) + "–" + secs(max(w, client, f));
                String vsRaw = w.idle() ? ratio(med / idleFloor(w)) + " of UIDL" : ratio(med / raw);
                // the default-route rows are compared with camel-mail running the same route with its default mapping
                double camelRef = client.endsWith("-default") && w.clients().contains(Benchmark.CAMEL_MAIL_DEFAULT)
                        ? median(w, Benchmark.CAMEL_MAIL_DEFAULT, f) : camel;
                String vsCamel = ratio(camelRef / med);
                double rss = median(w, client, s -> s.hwmKb() / 1024.0);
                if (Double.isNaN(rss)) {
                    rss = all(w, client).stream().mapToDouble(s -> s.hwmKb() / 1024.0).filter(x -> x > 0).max()
                            .orElse(Double.NaN);
                }
                sb.append("| ").append(w.title()).append(" | ").append(client).append(" | ").append(okCount)
                        .append(" | ").append(figureText).append(" | ").append(range).append(" | ").append(vsRaw)
                        .append(" | ").append(vsCamel).append(" | ").append(Double.isNaN(rss) ? "–" : fmt(rss, 0))
                        .append(" | ").append(fmt(median(w, client, s -> s.cpuMs() / 1000.0), 2))
                        .append(" | ").append(fmt(median(w, client, s -> s.jitMs() / 1000.0), 2))
                        .append(" | ").append(fmt(median(w, client, s -> s.gcMs() / 1000.0), 2))
                        .append(" | ").append(fmt(median(w, client, s -> s.allocatedMb()), 0))
                        .append(" | ").append(w.idle() ? "–" : secs(median(w, client, Report::secondHalf)))
                        .append(" | ").append(w.idle() ? "–" : ratio(median(w, client, Report::secondHalf)
                                / median(w, Benchmark.RAW, Report::secondHalf))).append(" |\n");
            }
            if (w.idle()) {
                sb.append("| ").append(w.title()).append(" | *UIDL answer* | | ").append(bytes(idleFloor(w)))
                        .append(" | | 1.00 | | | | | | | | |\n");
                sb.append("| ").append(w.title()).append(" | *UIDL+LIST answers* | | ").append(bytes(idleListFloor(w)))
                        .append(" | | ").append(ratio(idleListFloor(w) / idleFloor(w))).append(" of UIDL | | | | | | | | |\n");
            }
        }
        sb.append("\n### Targets (issue #6)\n\n| Target | Figure | Met |\n|---|---|---|\n");
        for (Benchmark.Workload w : results.keySet()) {
            ToDoubleFunction<Benchmark.Sample> f = figure(w);
            double p = median(w, Benchmark.POP3X, f);
            double raw = median(w, Benchmark.RAW, f);
            double camel = median(w, Benchmark.CAMEL_MAIL, f);
            switch (w.id()) {
                case "small" -> {
                    target(sb, w.title() + ": ≥ 5× faster than camel-mail", ratio(camel / p) + "×", camel / p >= 5);
                    target(sb, w.title() + ": ≤ 2× the raw client's time", ratio(p / raw) + "×", p / raw <= 2);
                }
                case "attach" -> target(sb, w.title() + ": ≤ 2× the raw client's time", ratio(p / raw) + "×", p / raw <= 2);
                case "remote" -> {
                    target(sb, w.title() + ": ≥ 20× faster than camel-mail", ratio(camel / p) + "×", camel / p >= 20);
                    target(sb, w.title() + ": ≤ 3× the raw client's time", ratio(p / raw) + "×", p / raw <= 3);
                }
                case "big" -> {
                    for (String client : List.of(Benchmark.POP3X, Benchmark.POP3X_MAPPED)) {
                        long passed = ok(w, client).size();
                        long runs = all(w, client).size();
                        target(sb, w.title() + ": " + client + " passes", passed + "/" + runs + " runs passed, peak RSS "
                                + fmt(median(w, client, s -> s.hwmKb() / 1024.0), 0) + " MB", runs > 0 && passed == runs);
                    }
                }
                case "idle" -> {
                    double floor = idleListFloor(w);
                    target(sb, w.title() + ": ≤ 1.2× the UIDL+LIST answers", bytes(p) + " vs " + bytes(floor) + " = "
                            + ratio(p / floor) + "×", p / floor <= 1.2);
                }
                default -> {
                }
            }
        }
        issue12Targets(sb);
        sb.append("\n![Benchmark results](").append(chartFile).append(")\n\n");
        sb.append("### Machine\n\n");
        machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v.replace("\n", "; ")).append('\n'));
        return sb.toString();
    }

    /** Issue 12's targets (the default-route rows, the idle poll), for the workloads that were run. */
    private void issue12Targets(StringBuilder sb) {
        StringBuilder t = new StringBuilder();
        for (Benchmark.Workload w : results.keySet()) {
            if (w.idle()) {
                double p = median(w, Benchmark.POP3X, figure(w));
                double floor = idleFloor(w);
                target(t, w.title() + ", pop3x: ≤ 1.05× the UIDL answer alone", bytes(p) + " vs " + bytes(floor) + " = "
                        + ratio(p / floor) + "×", p / floor <= 1.05);
            }
            if (!w.clients().contains(Benchmark.POP3X_DEFAULT)) {
                continue;
            }
            ToDoubleFunction<Benchmark.Sample> f = figure(w);
            double p = median(w, Benchmark.POP3X_DEFAULT, f);
            double raw = median(w, Benchmark.RAW, f);
            double camel = median(w, Benchmark.CAMEL_MAIL_DEFAULT, f);
            switch (w.id()) {
                case "small" -> {
                    target(t, w.title() + ", pop3x-default: ≤ 2× the raw client's time", ratio(p / raw) + "×", p / raw <= 2);
                    target(t, w.title() + ", pop3x-default: ≥ 8× faster than camel-mail-default", ratio(camel / p) + "×",
                            camel / p >= 8);
                    double rss = median(w, Benchmark.POP3X_DEFAULT, s -> s.hwmKb() / 1024.0);
                    double rawRss = median(w, Benchmark.RAW, s -> s.hwmKb() / 1024.0);
                    target(t, w.title() + ", pop3x-default: peak RSS ≤ 2× the raw client's (issue: at -Xmx256m; this run: -Xmx"
                              + w.xmx() + ")", fmt(rss, 0) + " MB vs " + fmt(rawRss, 0) + " MB = " + ratio(rss / rawRss) + "×",
                            rss / rawRss <= 2);
                }
                case "attach" -> target(t, w.title() + ", pop3x-default: ≤ 2× the raw client's time", ratio(p / raw) + "×",
                        p / raw <= 2);
                case "sustained" -> target(t, w.title() + ", pop3x-default: ≤ 1.5× the raw client's time",
                        ratio(p / raw) + "×", p / raw <= 1.5);
                default -> {
                }
            }
        }
        if (t.length() > 0) {
            sb.append("\n### Targets (issue #12)\n\n| Target | Figure | Met |\n|---|---|---|\n").append(t);
        }
    }

    private static void target(StringBuilder sb, String what, String figure, boolean met) {
        sb.append("| ").append(what).append(" | ").append(figure).append(" | ")
                .append(met ? "yes" : "**no**").append(" |\n");
    }

    private String failures(Benchmark.Workload w, String client) {
        return "failed: " + all(w, client).stream().map(Benchmark.Sample::detail).distinct()
                .reduce((a, b) -> a + "; " + b).orElse("no runs");
    }

    private static String secs(double s) {
        return Double.isNaN(s) ? "–" : s < 10 ? fmt(s, 3) + " s" : fmt(s, 1) + " s";
    }

    private static String bytes(double b) {
        return Double.isNaN(b) || b < 0 ? "–" : String.format(Locale.ROOT, "%,.0f B", b);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? "–" : fmt(r, 2);
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    // ------------------------------------------------------------------ chart

    void chart(Path file) throws IOException {
        List<BufferedImage> panels = new ArrayList<>();
        for (Benchmark.Workload w : results.keySet()) {
            if (w.idle()) {
                panels.add(panel(w, "Idle poll: octets sent by the server", "KB",
                        s -> s.serverBytes() / 1024.0, idleFloor(w) / 1024.0));
            } else {
                panels.add(panel(w, w.title() + ": drain time (median)", "seconds", s -> s.ms() / 1000.0, Double.NaN));
            }
            if (w.big()) {
                panels.add(panel(w, w.title() + ": peak RSS (median)", "MB", s -> s.hwmKb() / 1024.0, Double.NaN));
            }
        }
        int cols = Math.min(3, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        int pw = panels.get(0).getWidth();
        int ph = panels.get(0).getHeight();
        BufferedImage all = new BufferedImage(cols * pw, rows * ph + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(panels.get(i), (i % cols) * pw, (i / cols) * ph, null);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("camel-pop3x benchmark" + (quick ? " (QUICK SMOKE RUN)" : "") + " — " + machine.get("cpu") + ", "
                     + machine.get("date") + "; a bar at 0 marked 'failed' did not pass", 10, rows * ph + 20);
        g.dispose();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(all, "png", file.toFile());
    }

    private BufferedImage panel(Benchmark.Workload w, String title, String unit,
                                ToDoubleFunction<Benchmark.Sample> f, double floor) {
        // the legend beside the bars: below them, nine clients' names left the bars a strip a few pixels high
        CategoryChart c = new CategoryChartBuilder().width(660).height(380).title(title).yAxisTitle(unit).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(Color.BLACK);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setDecimalPattern("#,##0.###");
        Color[] colors = {new Color(0x2a9d8f), new Color(0xe76f51), new Color(0xe9c46a), new Color(0x264653),
                          new Color(0x8ecae6), new Color(0xf4a261), new Color(0x8d99ae), new Color(0x9b5de5)};
        List<String> order = new ArrayList<>(Benchmark.BIG_CLIENTS);
        order.add(Benchmark.POP3X_HEADERS);
        order.addAll(Benchmark.DEFAULT_ROUTE_CLIENTS);
        List<Color> used = new ArrayList<>();
        for (String client : order) {
            if (!w.clients().contains(client)) {
                continue;
            }
            double v = median(w, client, f);
            String name = Double.isNaN(v) ? client + " (failed)" : client;
            c.addSeries(name, List.of(" "), List.of(Double.isNaN(v) ? 0.0 : v));
            used.add(client.equals(Benchmark.POP3X_HEADERS) ? colors[7]
                    : client.equals(Benchmark.POP3X_DEFAULT) ? new Color(0x1d3557)
                    : client.equals(Benchmark.CAMEL_MAIL_DEFAULT) ? new Color(0xc1121f)
                    : client.equals(Benchmark.POP3X_SERIAL_DEFAULT) ? new Color(0x457b9d)
                    : client.equals(Benchmark.RAW_CAMEL_DEFAULT) ? new Color(0x6a994e)
                    : colors[Benchmark.BIG_CLIENTS.indexOf(client)]);
        }
        if (!Double.isNaN(floor)) {
            c.addSeries("UIDL alone", List.of(" "), List.of(floor));
            used.add(colors[6]);
        }
        c.getStyler().setSeriesColors(used.toArray(new Color[0]));
        return BitmapEncoder.getBufferedImage(c);
    }
}
