package dev.pop3x;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.ServerSetup;
import dev.pop3x.ledger.InMemoryLedger;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a route sees of a mail, end to end through a POP3 server. GreenMail is enough here: nothing in this class is
 * about deletion semantics (GreenMail deletes on DELE, before QUIT, which real servers do not).
 */
class GreenMailMappingTest {

    @RegisterExtension
    static GreenMailExtension greenMail = new GreenMailExtension(
            new ServerSetup[] { new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3) });

    private final CamelContext context = new DefaultCamelContext();
    private final List<Exchange> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        context.stop();
    }

    private static final String MIXED = String.join("\r\n",
            "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>",
            "To: alice@example.com",
            "Subject: =?UTF-8?B?UmVjaG51bmcgTsKwIDQy?=",
            "Message-ID: <inv-42@example.com>",
            "CamelPop3xUid: forged",
            "CamelHttpUri: http://attacker.example/",
            "Delete: true",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "--b1",
            "Content-Type: text/plain; charset=UTF-8",
            "",
            "Invoice attached.",
            "--b1",
            "Content-Type: application/pdf; name=\"invoice.pdf\"",
            "Content-Disposition: attachment; filename=\"invoice.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            "JVBERi0xLjQK",
            "--b1--",
            "");

    private void deliver(String raw) throws Exception {
        GreenMailUser user = greenMail.setUser("alice@example.com", "alice", "secret");
        user.deliver(new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8))));
    }

    private void consume(String options) throws Exception {
        context.getRegistry().bind("ledger", new InMemoryLedger());
        String uri = "pop3x:127.0.0.1:" + greenMail.getPop3().getPort()
                     + "?security=none&username=alice&password=secret&ledger=#ledger&initialDelay=0&delay=50&"
                     + options;
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).process(received::add);
            }
        });
        context.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty());
    }

    @Test
    void textBodyAttachmentsAndDecodedHeaders() throws Exception {
        deliver(MIXED);
        consume("delete=true");

        Exchange e = received.get(0);
        assertThat(e.getIn().getBody(String.class)).isEqualTo("Invoice attached.");
        assertThat(e.getIn().getHeader("Subject")).isEqualTo("Rechnung N° 42");
        assertThat(e.getIn().getHeader("From", String.class)).contains("Jürgen");
        assertThat(e.getIn().getHeader("Message-ID")).isEqualTo("<inv-42@example.com>");
        AttachmentMessage am = e.getIn(AttachmentMessage.class);
        assertThat(am.getAttachmentNames()).containsExactly("invoice.pdf");
        assertThat(am.getAttachment("invoice.pdf").getInputStream().readAllBytes())
                .isEqualTo("%PDF-1.4\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(e.getIn().getHeader(Pop3xConstants.UID, String.class)).isNotEqualTo("forged").isNotBlank();
        assertThat(e.getIn().getHeader(Pop3xConstants.MESSAGE_NUMBER)).isEqualTo(1);
        assertThat(e.getIn().getHeader(Pop3xConstants.ATTEMPT)).isEqualTo(1);
        assertThat(e.getIn().getHeaders().keySet())
                .noneMatch(h -> h.equalsIgnoreCase("CamelHttpUri") || h.equalsIgnoreCase("delete"));
    }

    @Test
    void rawModeDeliversTheWholeMessage() throws Exception {
        deliver(MIXED);
        consume("mapMailMessage=false");

        Exchange e = received.get(0);
        String raw = e.getIn().getBody(String.class);
        assertThat(raw).contains("Message-ID: <inv-42@example.com>").contains("JVBERi0xLjQK");
        assertThat(e.getIn().getHeader("Message-ID")).isEqualTo("<inv-42@example.com>");
        assertThat(e.getIn(AttachmentMessage.class).hasAttachments()).isFalse();
    }
}
