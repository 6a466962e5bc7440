package dev.pop3x.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.pop3x.mapping.MailMapper;
import dev.pop3x.mapping.Pop3xHeaderFilterStrategy;
import dev.pop3x.session.SpooledMessage;
import jakarta.activation.DataHandler;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * The floor under any Camel POP3 consumer running issue 12's route ({@code raw-camel-default}): the raw pipelined
 * client's download ({@link RawPipelinedClient#session}), and for every mail the least a Camel consumer has to do for
 * {@link CamelClient#readDefault}: an Exchange made by a minimal {@link DefaultConsumer}, the body text as a String,
 * {@code Message-ID} and {@code Subject} found by a line scan, for a multipart mail each attachment decoded with the
 * JDK's MIME base64 decoder into a byte array, and the Exchange sent through the same route, on the thread that reads.
 *
 * <p>It has no ledger, no delivery guarantee (DELE is pipelined before the route ran), no header decoding and no MIME
 * parsing beyond what the benchmark's own mails need. What it measures is what Camel itself and a JVM that runs it
 * cost on top of the raw client: a Camel consumer cannot be faster than this on the same route.
 */
public final class RawCamelClient {

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        ChildSupport.Sink sink = new ChildSupport.Sink(false);
        AtomicLong consumed = new AtomicLong();
        CamelContext ctx = new DefaultCamelContext();
        FloorComponent component = new FloorComponent(c);
        ctx.addComponent("floor", component);
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("floor:inbox").routeId("bench").autoStartup(false).process(e -> {
                    synchronized (sink) {
                        CamelClient.readDefault(e, sink);
                    }
                    consumed.incrementAndGet();
                });
            }
        });
        ctx.start();
        ChildSupport.startClock();
        long t0 = System.nanoTime();
        ctx.getRouteController().startRoute("bench");
        boolean finished = component.done.await(Long.getLong("bench.childTimeoutSeconds", 1800), TimeUnit.SECONDS);
        double ms = (System.nanoTime() - t0) / 1e6;
        ChildSupport.stopClock();
        if (!finished || component.failure.get() != null) {
            ChildSupport.result(false, ms, consumed.get(), sink.bytes, c.stat(), null,
                    finished ? "failed: " + component.failure.get() : "timeout");
        } else {
            c.routeProblems = CamelClient.defaultProblems(c);
            c.finish(ms, consumed.get(), sink.bytes, null);
        }
        ctx.stop();
        System.exit(0);
    }

    /** {@code floor:}: one endpoint, whose consumer drains the mailbox once when started. */
    static final class FloorComponent extends DefaultComponent {
        final ChildSupport c;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicReference<Exception> failure = new AtomicReference<>();

        FloorComponent(ChildSupport c) {
            this.c = c;
        }

        @Override
        protected org.apache.camel.Endpoint createEndpoint(String uri, String remaining, java.util.Map<String, Object> p) {
            return new DefaultEndpoint(uri, this) {
                @Override
                public Producer createProducer() {
                    throw new UnsupportedOperationException("floor: consumer only");
                }

                @Override
                public Consumer createConsumer(Processor processor) {
                    return new FloorConsumer(this, processor, FloorComponent.this);
                }
            };
        }
    }

    /**
     * For sizing the parts of pop3x-default's time, not a row of the benchmark: {@code BENCH_FLOOR_MAPPING=pop3x} maps
     * every mail with pop3x's own {@link MailMapper} instead of the line scan (the floor plus pop3x's mapping, without
     * its consumer); {@code pop3x-prepare} runs only the mapper's parsing and decoding ({@link MailMapper#prepare}) and
     * then the line scan, which leaves out the copy into Camel's message.
     */
    private static final String FLOOR_MAPPING = System.getenv("BENCH_FLOOR_MAPPING");
    private static final MailMapper WITH_POP3X_MAPPING = FLOOR_MAPPING == null ? null
            : switch (FLOOR_MAPPING) {
                case "pop3x", "pop3x-prepare" -> new MailMapper(true, new Pop3xHeaderFilterStrategy());
                default -> throw new IllegalArgumentException(
                        "BENCH_FLOOR_MAPPING must be pop3x or pop3x-prepare, not " + FLOOR_MAPPING);
            };
    private static final boolean PREPARE_ONLY = "pop3x-prepare".equals(FLOOR_MAPPING);
    /** What {@link MailMapper#prepare} returned, kept so that it cannot be optimised away. */
    static volatile MailMapper.Prepared prepared;

    /** Reads the mailbox on a thread of its own and routes every mail as soon as it is read. */
    static final class FloorConsumer extends DefaultConsumer {
        private final FloorComponent component;

        FloorConsumer(DefaultEndpoint endpoint, Processor processor, FloorComponent component) {
            super(endpoint, processor);
            this.component = component;
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            Thread reader = new Thread(() -> {
                try {
                    RawPipelinedClient.session(component.c, null, this::route);
                    ChildSupport.stopClock(); // here: the heap this thread allocated ends with it
                } catch (Exception e) {
                    component.failure.set(e);
                } finally {
                    component.done.countDown();
                }
            }, "floor-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void route(byte[] mail, int len) throws Exception {
            Exchange exchange = createExchange(false);
            try {
                if (WITH_POP3X_MAPPING == null) {
                    map(mail, len, exchange.getMessage(AttachmentMessage.class));
                } else {
                    SpooledMessage raw = SpooledMessage.of(Arrays.copyOf(mail, len)); // pop3x keeps a mail's array too
                    if (PREPARE_ONLY) {
                        prepared = WITH_POP3X_MAPPING.prepare(raw);
                        map(mail, len, exchange.getMessage(AttachmentMessage.class));
                    } else {
                        WITH_POP3X_MAPPING.map(raw, exchange.getMessage());
                    }
                }
                getProcessor().process(exchange);
                if (exchange.getException() != null) {
                    throw exchange.getException();
                }
            } finally {
                releaseExchange(exchange, false);
            }
        }
    }

    /** The benchmark's mails only: single-part text, or multipart/mixed with a text part and base64 attachments. */
    static void map(byte[] mail, int len, AttachmentMessage message) {
        int bodyStart = headerEnd(mail, 0, len);
        String boundary = null;
        for (int line = 0; line < bodyStart;) {
            int end = lineEnd(mail, line, bodyStart);
            if (startsWith(mail, line, "Message-ID:")) {
                message.setHeader("Message-ID", value(mail, line, end, "Message-ID:".length()));
            } else if (startsWith(mail, line, "Subject:")) {
                message.setHeader("Subject", value(mail, line, end, "Subject:".length()));
            } else if (startsWith(mail, line, "Content-Type: multipart/")) {
                String v = value(mail, line, end, 0);
                int b = v.indexOf("boundary=\"");
                boundary = v.substring(b + 10, v.indexOf('"', b + 10));
            }
            line = end;
        }
        if (boundary == null) {
            message.setBody(new String(mail, bodyStart, len - bodyStart, StandardCharsets.UTF_8));
            return;
        }
        // parts: between "--boundary" lines; the first part without a filename is the body text
        String text = new String(mail, bodyStart, len - bodyStart, StandardCharsets.ISO_8859_1);
        String delimiter = "\r\n--" + boundary;
        int at = text.indexOf("--" + boundary);
        while (at >= 0) {
            int partStart = text.indexOf("\r\n", at) + 2;
            int next = text.indexOf(delimiter, partStart);
            if (next < 0 || text.startsWith("--", at + 2 + boundary.length())) {
                break;
            }
            int partBody = text.indexOf("\r\n\r\n", partStart) + 4;
            String partHeaders = text.substring(partStart, partBody);
            int name = partHeaders.indexOf("filename=\"");
            if (name < 0) {
                if (message.getBody() == null) {
                    message.setBody(new String(mail, bodyStart + partBody, next - partBody, StandardCharsets.UTF_8));
                }
            } else {
                String filename = partHeaders.substring(name + 10, partHeaders.indexOf('"', name + 10));
                byte[] data = Base64.getMimeDecoder()
                        .decode(Arrays.copyOfRange(mail, bodyStart + partBody, bodyStart + next));
                message.addAttachment(filename,
                        new DataHandler(new jakarta.mail.util.ByteArrayDataSource(data, "application/octet-stream")));
            }
            at = next + 2;
        }
    }

    private static int headerEnd(byte[] b, int from, int len) {
        for (int i = from; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i + 4;
            }
        }
        return len;
    }

    private static int lineEnd(byte[] b, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (b[i] == '\n') {
                return i + 1;
            }
        }
        return limit;
    }

    private static boolean startsWith(byte[] b, int at, String prefix) {
        if (at + prefix.length() > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase(b[at + i]) != Character.toLowerCase(prefix.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String value(byte[] b, int line, int end, int skip) {
        return new String(b, line + skip, end - line - skip, StandardCharsets.ISO_8859_1).strip();
    }
}
