package dev.pop3x.examples.quickstart;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.pop3x.ledger.InMemoryLedger;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;

/**
 * Starts an embedded POP3 server on a free loopback port, puts a few sample mails into alice's mailbox, and runs a
 * {@code pop3x:} route that logs each mail and deletes it from the server once the route is done with it. Exits by
 * itself when the sample mails are consumed (or on Ctrl-C).
 */
public final class Quickstart {

    private static final String[][] SAMPLES = {
            { "Invoice 2026-0042", "Please find the invoice for November attached." },
            { "Daily report", "All 14 jobs finished; 0 failures." },
            { "ALERT disk 91% on db-2", "Threshold 90% exceeded at 03:12 UTC." },
    };

    private Quickstart() {
    }

    public static void main(String[] args) throws Exception {
        ServerSetup smtp = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        ServerSetup pop3 = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3);
        GreenMail server = new GreenMail(new ServerSetup[] { smtp, pop3 });
        server.start();
        server.setUser("alice@example.com", "alice", "secret");
        for (String[] sample : SAMPLES) {
            GreenMailUtil.sendTextEmail("alice@example.com", "reports@example.com", sample[0], sample[1], server.getSmtp().getServerSetup());
        }
        int port = server.getPop3().getPort();

        Main main = new Main();
        main.bind("ledger", new InMemoryLedger());
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                // security=none is allowed here because the server is on the loopback address
                from("pop3x:127.0.0.1:" + port + "?security=none&username=alice&password=secret"
                     + "&delete=true&ledger=#ledger&initialDelay=0&delay=1000")
                        .routeId("quickstart")
                        .process(e -> e.getIn().setBody(e.getIn().getBody(String.class).trim()))
                        .log(LoggingLevel.INFO, "quickstart", "Mail ${header.CamelPop3xUid} from ${header.From}: \"${header.Subject}\" -> ${body}");
            }
        });
        main.configure().setDurationMaxMessages(SAMPLES.length);
        main.configure().setDurationMaxSeconds(60);
        try {
            main.run();
        } finally {
            System.out.println("Mails left on the server: " + server.getReceivedMessages().length);
            server.stop();
        }
    }
}
