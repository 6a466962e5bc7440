package dev.pop3x.bench;

import java.io.InputStream;

import dev.pop3x.ledger.InMemoryLedger;

/**
 * camel-pop3x: {@code pop3x:} route, raw mail as the body ({@code mapMailMessage=false}), read fully in the route;
 * with {@code --map true} the default mapping (text body, attachments as Camel attachments), all of it read fully.
 * The ledger is in memory (the default file ledger would add an fsync per mail; the benchmark measures the wire).
 */
public final class Pop3xClient extends CamelClient {

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        String uri = "pop3x:" + c.host + ":" + c.port + "?security=none&username=" + ChildSupport.USER
                     + "&password=" + ChildSupport.PASSWORD + "&delete=" + !c.idle()
                     + "&ledger=#memory&mapMailMessage=" + c.map + "&maxMessagesPerPoll=0&pollStrategy=#bench"
                     + "&initialDelay=0&delay=" + (c.idle() ? 200 : 10);
        new Pop3xClient().run(c, uri, c.map ? CamelClient::readMapped : (exchange, sink) -> {
            try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class)) {
                ChildSupport.drain(in, sink);
            }
        }, ctx -> ctx.getRegistry().bind("memory", new InMemoryLedger()));
    }
}
