package dev.pop3x.mapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.HostileMessages;
import dev.pop3x.testsupport.SharedCorpus;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random mutations of the corpus (or, outside CI, of the hostile set when there is no corpus) fed to the mapper: no
 * exception may escape, no mapping may hang, the heap must not grow. Seeded: every failure names the seed and the
 * iteration, and {@code -Dpop3x.fuzz.seed=N} replays the run. Bounded by {@code pop3x.fuzz.count} mutations (default
 * 2000) and {@code pop3x.fuzz.seconds} (default 60), whichever comes first.
 */
class MappingFuzzTest {

    private static final long PER_MAPPING_MILLIS = 5_000;
    /** Heap left in use after all mappings and a GC, above what was in use before: leaks would show as much more. */
    private static final long HEAP_GROWTH_BOUND = 64L * 1024 * 1024;
    private static final int MAX_INPUT_BYTES = 2 * 1024 * 1024;

    @Test
    void mutatedMailsNeverBreakTheMapper() throws Exception {
        long seed = Long.getLong("pop3x.fuzz.seed", System.nanoTime());
        int count = Integer.getInteger("pop3x.fuzz.count", 2000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("pop3x.fuzz.seconds", 60));
        List<byte[]> inputs = inputs();
        System.out.printf(
                "MappingFuzzTest: seed %d (replay with -Dpop3x.fuzz.seed=%d), %d inputs, up to %d mutations%n",
                seed, seed, inputs.size(), count);

        CamelContext context = new DefaultCamelContext();
        context.start();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-mapping");
            t.setDaemon(true); // a hung mapping must not keep the JVM alive
            return t;
        });
        long heapBefore = usedHeapAfterGc();
        List<String> failures = new ArrayList<>();
        int done = 0;
        try {
            for (int i = 0; i < count && System.nanoTime() < deadline && failures.size() < 10; i++, done++) {
                Random random = new Random(seed * 1_000_003L + i); // one iteration replays on its own
                byte[] original = inputs.get(random.nextInt(inputs.size()));
                Mutation mutation = Mutation.values()[random.nextInt(Mutation.values().length)];
                byte[] mutated = mutation.apply(original, random);
                boolean mapMail = random.nextInt(8) != 0;
                boolean spool = random.nextInt(8) == 0;
                String what = "iteration " + i + " (" + mutation + ", mapMailMessage=" + mapMail + ", spooled=" + spool
                              + ", seed " + seed + ")";
                String problem = mapOnce(pool, context, mutated, mapMail, spool);
                if (problem != null) {
                    failures.add(what + ": " + problem);
                    if (problem.startsWith("hung")) {
                        break; // the single mapping thread is stuck: nothing after this would run
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            context.stop();
        }
        long growth = usedHeapAfterGc() - heapBefore;
        System.out.printf("MappingFuzzTest: %d mutations mapped, heap growth after GC %d KiB%n", done, growth / 1024);
        failures.forEach(f -> System.out.println("  FAILED: " + f));
        assertThat(failures).isEmpty();
        assertThat(growth).isLessThan(HEAP_GROWTH_BOUND);
    }

    /** Null when the mapping behaved; else what went wrong. */
    private static String mapOnce(ExecutorService pool, CamelContext context, byte[] mail, boolean mapMail,
            boolean spool)
            throws InterruptedException {
        Exchange exchange = new DefaultExchange(context);
        Future<?> mapping = pool.submit(() -> {
            try (SpooledMessage raw = spool ? HostileMappingTest.spool(mail) : SpooledMessage.of(mail)) {
                new MailMapper(mapMail, new Pop3xHeaderFilterStrategy()).map(raw, exchange.getIn());
                // read the body while the spool file still exists, as a route would
                Object body = exchange.getIn().getBody();
                if (body == null) {
                    throw new AssertionError("null body");
                }
                if (exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR) != null || !mapMail) {
                    HostileMappingTest.bodyBytes(exchange.getIn());
                }
            }
            return null;
        });
        try {
            mapping.get(PER_MAPPING_MILLIS, TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException e) {
            mapping.cancel(true);
            return "hung: mapping took longer than " + PER_MAPPING_MILLIS + " ms";
        } catch (ExecutionException e) {
            return "escaped: " + e.getCause();
        }
    }

    private static List<byte[]> inputs() throws IOException {
        List<byte[]> inputs = new ArrayList<>();
        for (Path p : SharedCorpus.mailsIfPresent().orElse(List.of())) {
            if (Files.size(p) <= MAX_INPUT_BYTES) {
                inputs.add(Files.readAllBytes(p));
            }
        }
        if (inputs.isEmpty()) {
            HostileMessages.all().stream().map(HostileMessages.Hostile::bytes)
                    .filter(b -> b.length <= MAX_INPUT_BYTES).forEach(inputs::add);
        }
        return inputs;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20); // lets the collector finish; not waiting for the code under test
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The ways a mail gets damaged in transit, by broken software, or on purpose. */
    enum Mutation {
        FLIP_BYTES {
            byte[] apply(byte[] in, Random r) {
                byte[] out = in.clone();
                for (int n = 1 + r.nextInt(16); n > 0 && out.length > 0; n--) {
                    out[r.nextInt(out.length)] = (byte) r.nextInt(256);
                }
                return out;
            }
        },
        TRUNCATE {
            byte[] apply(byte[] in, Random r) {
                return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
            }
        },
        DUPLICATE_REGION {
            byte[] apply(byte[] in, Random r) {
                if (in.length == 0) {
                    return in;
                }
                int from = r.nextInt(in.length);
                int len = Math.min(in.length - from, 1 + r.nextInt(4096));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(in, 0, from + len);
                for (int n = 1 + r.nextInt(8); n > 0; n--) {
                    out.write(in, from, len);
                }
                out.write(in, from + len, in.length - from - len);
                return out.toByteArray();
            }
        },
        DAMAGE_BOUNDARY {
            byte[] apply(byte[] in, Random r) {
                String text = latin1(in);
                List<Integer> starts = lineStarts(text, "--");
                if (starts.isEmpty()) {
                    return FLIP_BYTES.apply(in, r);
                }
                int at = starts.get(r.nextInt(starts.size()));
                int end = text.indexOf('\n', at);
                end = end < 0 ? text.length() : end;
                String damaged = switch (r.nextInt(3)) {
                    case 0 -> ""; // boundary line gone
                    case 1 -> text.substring(at, end) + "--"; // an early closing boundary
                    default -> text.substring(at, Math.max(at + 2, end - 1 - r.nextInt(3))); // cut short
                };
                return bytes(text.substring(0, at) + damaged + text.substring(end));
            }
        },
        DAMAGE_HEADER {
            byte[] apply(byte[] in, Random r) {
                String text = latin1(in);
                int bodyStart = text.indexOf("\n\n");
                int crlfBody = text.indexOf("\r\n\r\n");
                int headerEnd = bodyStart < 0 ? crlfBody : crlfBody < 0 ? bodyStart : Math.min(bodyStart, crlfBody);
                headerEnd = headerEnd < 0 ? text.length() : headerEnd;
                int at = headerEnd == 0 ? 0 : r.nextInt(headerEnd);
                String insert = switch (r.nextInt(5)) {
                    case 0 -> "\r\nno colon on this line";
                    case 1 -> "\r\nContent-Type: multipart/mixed; boundary=";
                    case 2 -> "\r\nSubject: =?utf-8?B?" + "A".repeat(r.nextInt(200)) + "?=";
                    case 3 -> "\r\nCamelFileName: /etc/passwd\r\nDELETE: true";
                    default -> "\r\n\t" + "z".repeat(r.nextInt(100_000)); // a long folded continuation
                };
                return bytes(text.substring(0, at) + insert + text.substring(at));
            }
        },
        LINE_ENDINGS {
            byte[] apply(byte[] in, Random r) {
                String text = latin1(in);
                return bytes(switch (r.nextInt(3)) {
                    case 0 -> text.replace("\r\n", "\n");
                    case 1 -> text.replace("\r\n", "\r").replace("\n", "\r");
                    default -> text.replaceAll("\r?\n", "\r\n");
                });
            }
        },
        INSERT_NULS {
            byte[] apply(byte[] in, Random r) {
                byte[] out = in.clone();
                for (int n = 1 + r.nextInt(32); n > 0 && out.length > 0; n--) {
                    out[r.nextInt(out.length)] = 0;
                }
                return out;
            }
        };

        abstract byte[] apply(byte[] in, Random r);

        private static String latin1(byte[] in) {
            return new String(in, StandardCharsets.ISO_8859_1);
        }

        private static byte[] bytes(String latin1) {
            return latin1.getBytes(StandardCharsets.ISO_8859_1);
        }

        private static List<Integer> lineStarts(String text, String prefix) {
            List<Integer> starts = new ArrayList<>();
            for (int i = text.indexOf("\n" + prefix); i >= 0; i = text.indexOf("\n" + prefix, i + 1)) {
                starts.add(i + 1);
            }
            return starts;
        }
    }
}
