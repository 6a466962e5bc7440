package dev.pop3x.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PollingConsumerPollStrategy;

import dev.pop3x.Pop3xComponent;

/**
 * Many mailboxes in one JVM (issue 13): one route per mailbox, made from one route template, every mailbox holding one
 * kept mail ({@code delete=false}), polled every {@code delay} ms. Measures the time until every mailbox delivered its
 * mail once (from the start of the routes), then one more whole round of polls: its wall time, the process CPU it
 * cost, and how many mails were delivered again in it (a kept mail must not be). Reports the peak thread count, the
 * threads alive at the end and the peak RSS.
 *
 * <p>Arguments: {@code --port P --mailboxes N --client pop3x|pop3x-shared|camel-mail --shared-threads T
 * --delay-ms D}. Users are {@code user1..userN}, password {@code secret}.
 */
public final class ManyMailboxesClient {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new ConcurrentHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int port = Integer.parseInt(a.get("port"));
        int mailboxes = Integer.parseInt(a.get("mailboxes"));
        String client = a.get("client");
        int sharedThreads = Integer.parseInt(a.getOrDefault("shared-threads", "8"));
        long delayMs = Long.parseLong(a.getOrDefault("delay-ms", "10000"));

        Map<String, AtomicLong> deliveries = new ConcurrentHashMap<>();
        CountDownLatch allDelivered = new CountDownLatch(mailboxes);
        AtomicReference<CountDownLatch> roundPolls = new AtomicReference<>();
        Map<Consumer, Long> pollStart = new ConcurrentHashMap<>();
        LongAdder roundPollNanos = new LongAdder();
        CamelContext ctx = new DefaultCamelContext();
        ctx.getRegistry().bind("polls", new PollingConsumerPollStrategy() {
            @Override
            public boolean begin(Consumer consumer, Endpoint endpoint) {
                pollStart.put(consumer, System.nanoTime());
                return true;
            }

            @Override
            public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
                countPoll(consumer);
            }

            private void countPoll(Consumer consumer) {
                CountDownLatch round = roundPolls.get();
                Long started = pollStart.remove(consumer);
                if (round != null && round.getCount() > 0) {
                    if (started != null) {
                        roundPollNanos.add(System.nanoTime() - started);
                    }
                    round.countDown();
                }
            }

            @Override
            public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
                countPoll(consumer);
                System.err.println("poll failed: " + cause);
                return false;
            }
        });
        if (client.equals("pop3x-shared")) {
            Pop3xComponent component = new Pop3xComponent();
            component.setSharedPollThreads(sharedThreads);
            ctx.addComponent("pop3x", component);
        }
        Path ledgers = Files.createTempDirectory("pop3x-bench-many-");
        String uri = client.startsWith("pop3x")
                ? "pop3x:127.0.0.1:" + port + "?security=none&username={{user}}&password=secret&delete=false"
                  + "&ledgerDirectory=" + ledgers + "&pollStrategy=#polls&initialDelay=0&delay=" + delayMs
                : "pop3://127.0.0.1:" + port + "?username={{user}}&password=secret&delete=false"
                  + "&pollStrategy=#polls&initialDelay=0&delay=" + delayMs + "&connectionTimeout=30000";
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // what a user writes for many mailboxes: one template, one route per mailbox
                routeTemplate("mailbox").templateParameter("user").from(uri)
                        .process(e -> deliveries.computeIfAbsent(e.getFromRouteId(), k -> {
                            allDelivered.countDown();
                            return new AtomicLong();
                        }).incrementAndGet());
            }
        });
        ctx.start();
        long t0 = System.nanoTime();
        for (int i = 1; i <= mailboxes; i++) {
            TemplatedRouteBuilder.builder(ctx, "mailbox").routeId("user" + i).parameter("user", "user" + i).add();
        }
        long timeout = Long.getLong("bench.childTimeoutSeconds", 900);
        boolean allOnce = allDelivered.await(timeout, TimeUnit.SECONDS);
        double firstRoundMs = (System.nanoTime() - t0) / 1e6;

        // one more whole round: as many polls as mailboxes after the first round
        long deliveredBefore = deliveries.values().stream().mapToLong(AtomicLong::get).sum();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long r0 = System.nanoTime();
        CountDownLatch round = new CountDownLatch(mailboxes);
        roundPolls.set(round);
        // not all delivered within the timeout: report at once what was
        boolean roundDone = allOnce && round.await(timeout, TimeUnit.SECONDS);
        double roundMs = (System.nanoTime() - r0) / 1e6;
        double roundCpuMs = (os.getProcessCpuTime() - cpuBefore) / 1e6;
        long again = deliveries.values().stream().mapToLong(AtomicLong::get).sum() - deliveredBefore;
        int peakThreads = ManagementFactory.getThreadMXBean().getPeakThreadCount();
        int liveThreads = ManagementFactory.getThreadMXBean().getThreadCount();
        long hwmKb = ChildSupport.vmHwmKb();
        System.out.println(String.format(Locale.ROOT,
                "MANY ok=%s mailboxes=%d delivered_once=%d first_round_ms=%.0f idle_round_ms=%.0f idle_round_cpu_ms=%.0f"
                + " idle_poll_mean_ms=%.1f redelivered_in_idle_round=%d peak_threads=%d live_threads=%d hwm_kb=%d",
                allOnce && roundDone, mailboxes, deliveries.size(), firstRoundMs, roundMs, roundCpuMs,
                roundPollNanos.sum() / 1e6 / mailboxes, again, peakThreads,
                liveThreads, hwmKb));
        ctx.getShutdownStrategy().setTimeout(30);
        ctx.stop();
        System.exit(0);
    }
}
