package dev.pop3x.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PollingConsumerPollStrategy;

/**
 * Runs one Camel polling consumer route until the mailbox is drained (or, in idle mode, until two polls are done),
 * timing it from the route start to the end of the poll that consumed the last mail. The end of a poll is taken from a
 * {@link PollingConsumerPollStrategy} ({@code pollStrategy=#bench}): its {@code commit} runs after {@code poll()}
 * returned, i.e. after QUIT, so the deletes are final on the server at that point.
 */
abstract class CamelClient {

    /** Reads the whole mail of the exchange into the sink. */
    interface BodyReader {
        void read(Exchange exchange, ChildSupport.Sink sink) throws Exception;
    }

    /**
     * Reads what a mapped exchange carries (mapMailMessage=true): the body, whatever its type, and every attachment's
     * content, fully.
     */
    static void readMapped(Exchange exchange, ChildSupport.Sink sink) throws Exception {
        // the text body (camel-mail's body of a multipart mail is the Multipart; as String it is its text part)
        Object body = exchange.getIn().getBody();
        readObject(body instanceof jakarta.mail.Multipart ? exchange.getIn().getBody(String.class) : body, sink);
        var am = exchange.getIn(org.apache.camel.attachment.AttachmentMessage.class);
        if (am != null && am.hasAttachments()) {
            for (var a : am.getAttachmentObjects().values()) {
                try (java.io.InputStream in = a.getDataHandler().getInputStream()) {
                    ChildSupport.drain(in, sink);
                }
            }
        }
    }

    /** What the default route (issue 12) read and found wrong; written under the sink's lock. */
    static final AtomicLong defaultMails = new AtomicLong();
    static final AtomicLong defaultAttachments = new AtomicLong();
    static final AtomicLong defaultAttachmentBytes = new AtomicLong();
    static final AtomicLong defaultBodyChars = new AtomicLong();
    static final AtomicLong defaultBad = new AtomicLong();
    static volatile String defaultFirstBad;

    /**
     * Issue 12's route, the same for pop3x and camel-mail with their default mapping: what a user's route reads. The
     * body as a String, the Message-ID and Subject headers (both must be there, the Message-ID the seeded one), every
     * attachment through {@code exchange.getMessage(AttachmentMessage.class).getAttachmentObjects()}, each
     * DataHandler's stream read to its end.
     */
    static void readDefault(Exchange exchange, ChildSupport.Sink sink) throws Exception {
        org.apache.camel.Message message = exchange.getMessage();
        String body = message.getBody(String.class);
        String messageId = message.getHeader("Message-ID", String.class);
        String subject = message.getHeader("Subject", String.class);
        defaultMails.incrementAndGet();
        if (body == null || body.isEmpty() || messageId == null || !messageId.startsWith("<bench-") || subject == null) {
            defaultBad.incrementAndGet();
            if (defaultFirstBad == null) {
                defaultFirstBad = "body " + (body == null ? "null" : body.length() + " chars") + ", Message-ID "
                                  + messageId + ", Subject " + subject;
            }
        }
        int chars = body == null ? 0 : body.length();
        defaultBodyChars.addAndGet(chars);
        sink.bytes += chars;
        var am = exchange.getMessage(org.apache.camel.attachment.AttachmentMessage.class);
        if (am != null && am.hasAttachments()) {
            for (var a : am.getAttachmentObjects().values()) {
                try (java.io.InputStream in = a.getDataHandler().getInputStream()) {
                    defaultAttachmentBytes.addAndGet(ChildSupport.drain(in, sink));
                }
                defaultAttachments.incrementAndGet();
            }
        }
    }

    /** The default route's own checks, for {@link ChildSupport#finish}: empty if all is well. */
    static String defaultProblems(ChildSupport c) {
        StringBuilder p = new StringBuilder();
        if (defaultBad.get() > 0) {
            p.append(defaultBad.get()).append(" mails without body text or headers (first: ").append(defaultFirstBad)
                    .append(");");
        }
        if (defaultAttachments.get() != c.attachments) {
            p.append("read ").append(defaultAttachments.get()).append(" attachments, expected ").append(c.attachments)
                    .append(';');
        }
        if (defaultAttachmentBytes.get() != c.attachmentBytes) {
            p.append("read ").append(defaultAttachmentBytes.get()).append(" attachment octets, expected ")
                    .append(c.attachmentBytes).append(';');
        }
        System.err.println("default route: " + defaultMails.get() + " mails, " + defaultBodyChars.get()
                           + " body chars, " + defaultAttachments.get() + " attachments, " + defaultAttachmentBytes.get()
                           + " attachment octets");
        return p.toString();
    }

    private static void readObject(Object body, ChildSupport.Sink sink) throws Exception {
        if (body == null) {
            return;
        }
        if (body instanceof java.io.InputStream in) {
            try (in) {
                ChildSupport.drain(in, sink);
            }
        } else if (body instanceof org.apache.camel.StreamCache sc) {
            sc.writeTo(sink);
        } else if (body instanceof String text) {
            sink.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else if (body instanceof jakarta.mail.Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                try (java.io.InputStream in = mp.getBodyPart(i).getInputStream()) {
                    ChildSupport.drain(in, sink);
                }
            }
        } else if (body instanceof byte[] bytes) {
            sink.write(bytes);
        } else {
            sink.write(String.valueOf(body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    void run(ChildSupport c, String uri, BodyReader reader, java.util.function.Consumer<CamelContext> binder)
            throws Exception {
        ChildSupport.Sink sink = new ChildSupport.Sink(c.sha256 != null);
        AtomicLong consumed = new AtomicLong();
        AtomicLong polls = new AtomicLong();
        AtomicLong pollStart = new AtomicLong();
        AtomicLong endNanos = new AtomicLong();
        AtomicLong lastPollNanos = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        int pollsWanted = c.idle() ? 2 : Integer.MAX_VALUE;
        PollingConsumerPollStrategy strategy = new PollingConsumerPollStrategy() {
            @Override
            public boolean begin(Consumer consumer, Endpoint endpoint) {
                pollStart.set(System.nanoTime());
                return true;
            }

            @Override
            public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
                long now = System.nanoTime();
                long n = polls.incrementAndGet();
                if (done.getCount() == 0) {
                    return;
                }
                boolean finished = c.idle() ? n >= pollsWanted : consumed.get() >= c.expect;
                if (finished) {
                    ChildSupport.stopClock();
                    endNanos.set(now);
                    lastPollNanos.set(now - pollStart.get());
                    done.countDown();
                }
            }

            @Override
            public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
                System.err.println("poll failed: " + cause);
                return false;
            }
        };
        CamelContext ctx = new DefaultCamelContext();
        ctx.getRegistry().bind("bench", strategy);
        // BENCH_TRACE=1: when the 1st, 10th, 50th, 100th and every 250th mail reached the route (where does the time go: warm-up or steady state)
        java.util.List<String> trace = System.getenv("BENCH_TRACE") == null ? null
                : java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        binder.accept(ctx);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("bench").autoStartup(false).process(e -> {
                    synchronized (sink) {
                        reader.read(e, sink);
                    }
                    long n = consumed.incrementAndGet();
                    if (n == c.expect / 2) {
                        ChildSupport.half();
                    }
                    if (trace != null && (n % 250 == 0 || n == 1 || n == 10 || n == 50 || n == 100)) {
                        trace.add(n + "@" + System.nanoTime());
                    }
                });
            }
        });
        ctx.start();
        ChildSupport.startClock();
        long t0 = System.nanoTime();
        ctx.getRouteController().startRoute("bench");
        boolean finished = done.await(Long.getLong("bench.childTimeoutSeconds", 1800), TimeUnit.SECONDS);
        ctx.getRouteController().stopRoute("bench", 10, TimeUnit.SECONDS);
        if (trace != null) {
            StringBuilder line = new StringBuilder("trace (ms after the route start):");
            trace.forEach(t -> line.append(' ').append(t, 0, t.indexOf('@')).append('=').append(String.format(
                    java.util.Locale.ROOT, "%.0f", (Long.parseLong(t.substring(t.indexOf('@') + 1)) - t0) / 1e6)));
            System.err.println(line);
        }
        double ms = finished
                ? (c.idle() ? lastPollNanos.get() : endNanos.get() - t0) / 1e6
                : (System.nanoTime() - t0) / 1e6;
        // idle mode: the mails consumed in the second (measured) poll are what counts
        long count = c.idle() ? consumed.get() - c.expect : consumed.get();
        if (c.idle()) {
            int left = c.stat();
            ChildSupport.result(finished && left == c.expect, ms, count, sink.bytes, left, null,
                    "second_poll_mails:" + count);
        } else if (!finished) {
            ChildSupport.result(false, ms, count, sink.bytes, c.stat(), null, "timeout");
        } else {
            if (c.defaultRoute()) {
                c.routeProblems = defaultProblems(c);
            }
            c.finish(ms, count, sink.bytes, c.sha256 == null ? null : sink.hex());
        }
        ctx.stop();
        System.exit(0);
    }
}
