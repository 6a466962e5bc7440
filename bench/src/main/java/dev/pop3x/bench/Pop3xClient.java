package dev.pop3x.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.util.FileUtil;


/**
 * camel-pop3x: {@code pop3x:} route, raw mail as the body ({@code mapMailMessage=false}), read fully in the route;
 * with {@code --map true} the default mapping (text body, attachments as Camel attachments), all of it read fully;
 * with {@code --route default} (issue 12's {@code pop3x-default} row) the default mapping and the route of
 * {@link CamelClient#readDefault}: body as a String, Message-ID and Subject, every attachment's bytes.
 * It runs with the default file ledger, as a user would: every claim window, completion and confirmed QUIT is an
 * fsynced ledger write, and that cost is part of what is measured.
 */
public final class Pop3xClient extends CamelClient {

    /** System property: endpoint options appended to the URI (pop3x-serial-default's downloadAhead=0). */
    static final String EXTRA_OPTIONS = "bench.pop3xOptions";

    /** What the header-reading route read; kept so that the reading cannot be optimised away. */
    static volatile long headerChars;

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        Path ledgerDirectory = Files.createTempDirectory("pop3x-bench-ledger");
        // the ledger file goes with this run's JVM (System.exit runs the hook): one folder a run piled up in /tmp
        Runtime.getRuntime().addShutdownHook(new Thread(() -> FileUtil.removeDir(ledgerDirectory.toFile())));
        String uri = "pop3x:" + c.host + ":" + c.port + "?security=none&username=" + ChildSupport.USER
                     + "&password=" + ChildSupport.PASSWORD + "&delete=" + !c.idle()
                     + ("memory".equals(System.getenv("BENCH_LEDGER")) ? "&ledger=#memory" // to size the ledger's share
                        : "&ledgerDirectory=" + ledgerDirectory)
                     + "&mapMailMessage=" + c.map + "&maxMessagesPerPoll=0&pollStrategy=#bench"
                     + "&initialDelay=0&delay=" + (c.idle() ? 200 : 10)
                     + System.getProperty(EXTRA_OPTIONS, "")
                     + System.getenv().getOrDefault("BENCH_POP3X_OPTIONS", ""); // "&downloadAhead=0", say
        new Pop3xClient().run(c, uri, c.defaultRoute() ? CamelClient::readDefault : c.map ? CamelClient::readMapped : (exchange, sink) -> {
            if (c.headers) {
                // every header's value, as a route that routes on them would: Subject must be among them
                for (Object value : exchange.getIn().getHeaders().values()) {
                    headerChars += String.valueOf(value).length();
                }
                if (exchange.getIn().getHeader("Subject", String.class) == null) {
                    throw new IllegalStateException("no Subject header");
                }
            }
            try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class)) {
                ChildSupport.drain(in, sink);
            }
        }, ctx -> ctx.getRegistry().bind("memory", new dev.pop3x.ledger.InMemoryLedger()));
    }
}
