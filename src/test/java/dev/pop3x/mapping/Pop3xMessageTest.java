package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.SharedCorpus;
import dev.pop3x.testsupport.StartedCamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Headers made on first use must be exactly the headers an eager copy gives, wherever the first use comes from. */
class Pop3xMessageTest {

    private static final byte[] MAIL = ("Subject: =?UTF-8?Q?Rechnung_f=C3=BCr?= Mai\r\n"
                                        + "From: billing@example.org\r\n"
                                        + "Received: one\r\n"
                                        + "Received: two\r\n"
                                        + "CamelPop3xUid: forged\r\n"
                                        + "CamelFileName: dropped by the filter\r\n"
                                        + "\r\nbody\r\n")
            .getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    static StartedCamelContext camel = new StartedCamelContext();

    private static Pop3xMessage lazilyMapped(byte[] raw) {
        return lazilyMapped(raw, false);
    }

    private static Pop3xMessage lazilyMapped(byte[] raw, boolean mapMailMessage) {
        Exchange exchange = camel.newExchange();
        Pop3xMessage in = new Pop3xMessage(exchange);
        exchange.setIn(in);
        in.addHeaders(map -> map.put("CamelPop3xUid", "uid-1"));
        new MailMapper(mapMailMessage, new Pop3xHeaderFilterStrategy()).map(SpooledMessage.of(raw), in);
        return in;
    }

    private static Message eagerlyMapped(byte[] raw) {
        return eagerlyMapped(raw, false);
    }

    /** Into a plain message, which has no lazy headers: the mapper copies them at once. */
    private static Message eagerlyMapped(byte[] raw, boolean mapMailMessage) {
        Exchange exchange = camel.newExchange();
        exchange.getIn().setHeader("CamelPop3xUid", "uid-1");
        new MailMapper(mapMailMessage, new Pop3xHeaderFilterStrategy()).map(SpooledMessage.of(raw),
                exchange.getIn());
        return exchange.getIn();
    }

    @Test
    void headersAreNotParsedUntilARouteUsesThem() {
        Pop3xMessage in = lazilyMapped(MAIL);
        assertThat(in.headersMade()).isFalse();
        assertThat(in.getBody()).isNotNull();

        assertThat(in.getHeader("subject")).isEqualTo("Rechnung für Mai");
        assertThat(in.headersMade()).isTrue();
    }

    @Test
    void lazyHeadersAreTheEagerOnes() {
        Message lazy = lazilyMapped(MAIL);
        Message eager = eagerlyMapped(MAIL);
        assertThat(lazy.getHeaders()).isEqualTo(eager.getHeaders());
        assertThat(lazy.getHeader("CamelPop3xUid")).isEqualTo("uid-1"); // the mail cannot forge the consumer's header
        assertThat(lazy.getHeader("Received")).isEqualTo(List.of("one", "two"));
        assertThat(lazy.getHeaders()).doesNotContainKey("CamelFileName");
    }

    /** Over the whole corpus and both mapping paths: the consumer's message ends with the eager copy's headers. */
    @Test
    void everyCorpusMailHasTheEagerHeadersInTheConsumersMessage() throws Exception {
        List<Path> mails = SharedCorpus.mails();
        assertThat(mails).isNotEmpty();
        int headers = 0;
        for (Path mail : mails) {
            byte[] raw = Files.readAllBytes(mail);
            for (boolean mapMailMessage : new boolean[] { false, true }) {
                Message eager = eagerlyMapped(raw, mapMailMessage);
                Pop3xMessage lazy = lazilyMapped(raw, mapMailMessage);
                assertThat(lazy.getHeader("SUBJECT")).as("%s, mapMailMessage=%s", mail, mapMailMessage)
                        .isEqualTo(eager.getHeader("subject"));
                assertThat(lazy.getHeaders()).as("%s, mapMailMessage=%s", mail, mapMailMessage)
                        .isEqualTo(eager.getHeaders());
                headers += eager.getHeaders().size();
            }
        }
        assertThat(headers).isGreaterThan(mails.size() * 2 * 4);
    }

    @Test
    void aHeaderSetBeforeAnyIsReadKeepsTheMailsHeadersAndWinsOverThem() {
        Pop3xMessage in = lazilyMapped(MAIL);
        in.setHeader("Subject", "set by the route");
        assertThat(in.getHeader("Subject")).isEqualTo("set by the route");
        assertThat(in.getHeader("From")).isEqualTo("billing@example.org");
    }

    @Test
    void copiesCarryTheHeadersEvenIfNoneWasReadBefore() {
        Pop3xMessage in = lazilyMapped(MAIL);
        Message copy = in.copy();
        assertThat(copy.getHeader("From")).isEqualTo("billing@example.org");
        assertThat(copy.getHeader("CamelPop3xUid")).isEqualTo("uid-1");

        Exchange exchangeCopy = in.getExchange().copy();
        assertThat(exchangeCopy.getIn().getHeader("Subject")).isEqualTo("Rechnung für Mai");
    }

    @Test
    void aCustomFilterThatReadsTheMessageSeesTheConsumersHeaders() {
        // keeps Subject only for mails the consumer has identified: it reads the message while filtering
        HeaderFilterStrategy needsUid = new Pop3xHeaderFilterStrategy() {
            @Override
            public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
                return "Subject".equals(name) && exchange.getIn().getHeader("CamelPop3xUid") == null
                       || super.applyFilterToExternalHeaders(name, value, exchange);
            }
        };
        Exchange exchange = camel.newExchange();
        Pop3xMessage in = new Pop3xMessage(exchange);
        exchange.setIn(in);
        in.addHeaders(map -> map.put("CamelPop3xUid", "uid-1"));
        new MailMapper(false, needsUid).map(SpooledMessage.of(MAIL), in);

        assertThat(in.getHeader("Subject")).isEqualTo("Rechnung für Mai");
        assertThat(in.getHeader("From")).isEqualTo("billing@example.org");
    }
}
