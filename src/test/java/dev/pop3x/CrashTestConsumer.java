package dev.pop3x;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

import dev.pop3x.testsupport.LedgerDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * The consumer JVM that {@link CrashSafetyIT} kills with {@code kill -9}: a delete=true route that records each
 * mail's UIDL in a file (fsynced, so what the route completed survives the kill) and takes a little while per mail,
 * the way real work does, so that the kill lands in the middle of a batch.
 *
 * <p>Arguments: POP3 port on 127.0.0.1, ledger directory, file of delivered UIDLs, milliseconds of work per mail, and
 * further endpoint options. With the system property {@value #JDBC_URL} a pooled data source on that database is
 * bound as {@code pg}.
 */
public final class CrashTestConsumer {

    /** System properties: a database for the ledger (a PostgreSQL JDBC URL, user, password). */
    static final String JDBC_URL = "pop3x.test.jdbcUrl";
    static final String JDBC_USER = "pop3x.test.jdbcUser";
    static final String JDBC_PASSWORD = "pop3x.test.jdbcPassword";

    private CrashTestConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path ledgerDir = Paths.get(args[1]);
        Path delivered = Paths.get(args[2]);
        long workMillis = Long.parseLong(args[3]);
        String options = args.length > 4 ? "&" + args[4] : "";
        try (FileChannel out = FileChannel.open(delivered, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            CamelContext context = new DefaultCamelContext();
            String jdbcUrl = System.getProperty(JDBC_URL);
            if (jdbcUrl != null) { // the ledger in that database: dataSource=#pg
                context.getRegistry().bind("pg", LedgerDatabase.pooled(jdbcUrl, System.getProperty(JDBC_USER),
                        System.getProperty(JDBC_PASSWORD)));
            }
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pop3x:127.0.0.1:" + port + "?security=none&username=alice&password=secret&delete=true"
                         + "&initialDelay=0&delay=50&ledgerDirectory=" + ledgerDir + options)
                            .process(e -> {
                                Thread.sleep(workMillis); // the route's work
                                String line = e.getIn().getHeader(Pop3xConstants.UID, String.class) + "\n";
                                synchronized (out) {
                                    out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
                                    out.force(false);
                                }
                            });
                }
            });
            context.start();
            System.out.println("consumer started");
            new CountDownLatch(1).await(); // until killed
        }
    }
}
