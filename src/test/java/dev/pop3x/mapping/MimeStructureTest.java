package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.Spool;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.StartedCamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** How the parts of a mail are found (boundaries, separators, missing pieces), seen as the route sees the mail. */
class MimeStructureTest {

    @RegisterExtension
    static StartedCamelContext camel = new StartedCamelContext();

    private static byte[] mail(String... lines) {
        return (String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Exchange map(byte[] raw) {
        return map(SpooledMessage.of(raw));
    }

    private static Exchange map(SpooledMessage raw) {
        return map(raw, false);
    }

    private static Exchange map(SpooledMessage raw, boolean attachedMessageParts) {
        Exchange exchange = camel.newExchange();
        Pop3xMessage in = new Pop3xMessage(exchange);
        exchange.setIn(in);
        new MailMapper(true, new Pop3xHeaderFilterStrategy(), attachedMessageParts).map(raw, in);
        return exchange;
    }

    /** Attachment name to its content as text. */
    private static Map<String, String> attachments(Exchange exchange) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Attachment> e : exchange.getIn(AttachmentMessage.class).getAttachmentObjects()
                .entrySet()) {
            try (InputStream in = e.getValue().getDataHandler().getInputStream()) {
                out.put(e.getKey(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static byte[] withBoundary(String boundary) {
        return mail("Subject: s", "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"", "",
                "preamble", "--" + boundary, "Content-Type: text/plain", "", "the text",
                "--" + boundary, "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=a.bin",
                "", "attached bytes", "--" + boundary + "--", "epilogue");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "simple", "'()+_,-./:=? with spaces inside",
            "=_Part_0_1234567890.1234567890123_a_very_long_boundary_over_seventy_characters_as_seen_in_the_wild_xx" })
    void anyBoundaryRfc2046AllowsAndLongerOnesSplitTheMultipart(String boundary) throws Exception {
        Exchange exchange = map(withBoundary(boundary));
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("the text");
        assertThat(attachments(exchange)).containsExactly(Map.entry("a.bin", "attached bytes"));
    }

    @Test
    void whatFollowsTheBoundaryOnADelimiterLineIsIgnored() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed; boundary=abc", "", "--abc   ",
                "Content-Type: text/plain", "", "first", "--abc this should be ignored", "", "second",
                "--abc-- and this too", "--abc", "after the close delimiter: epilogue"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("first");
        assertThat(exchange.getIn(AttachmentMessage.class).hasAttachments()).isFalse();
    }

    @Test
    void aMultipartWithoutPartsShowsTheTextBeforeItsDelimiter() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed; boundary=b", "", "no parts here", "",
                "--b--", "", "epilogue"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("no parts here\r\n");
    }

    @Test
    void withoutCloseDelimiterTheLastPartRunsToTheEnd() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed; boundary=b", "", "--b",
                "Content-Type: text/plain", "", "text", "--b", "Content-Disposition: attachment; filename=t.txt", "",
                "cut off"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("text");
        assertThat(attachments(exchange)).containsExactly(Map.entry("t.txt", "cut off\r\n"));
    }

    @Test
    void nestedMultipartsAndLfOnlyLineEnds() throws Exception {
        String text = String.join("\n", "Content-Type: multipart/mixed; boundary=outer", "", "--outer",
                "Content-Type: multipart/alternative; boundary=inner", "", "--inner",
                "Content-Type: text/plain; charset=utf-8", "", "caf\u00e9", "--inner", "Content-Type: text/html", "",
                "<p>x</p>", "--inner--", "--outer", "Content-Type: text/csv; name=r.csv", "", "a,b", "--outer--", "");
        Exchange exchange = map(text.getBytes(StandardCharsets.UTF_8));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("caf\u00e9");
        assertThat(attachments(exchange)).containsExactly(Map.entry("r.csv", "a,b"));
    }

    @Test
    void withoutABoundaryParameterTheFirstDashLineIsTheBoundary() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed", "", "--xyz", "Content-Type: text/plain", "",
                "found", "--xyz--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("found");
    }

    @Test
    void anEmptyBoundaryParameterIsNoBoundary() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed; boundary=\"\"", "", "--real", "",
                "the text", "-- ", "signature", "--real--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("the text\r\n-- \r\nsignature");
    }

    @Test
    void aPartWithoutHeadersIsPlainText() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/mixed; boundary=b", "", "--b", "", "no headers here",
                "--b--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("no headers here");
    }

    @Test
    void aTypeWithoutSubtypeKeepsItsNamedPart() throws Exception {
        Exchange exchange = map(mail("Subject: s", "Content-Type: text; name=\"notes.txt\"", "", "the notes"));
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(attachments(exchange)).containsExactly(Map.entry("notes.txt", "the notes\r\n"));
    }

    @Test
    void aBlankLineWithSpacesEndsTheHeader() throws Exception {
        Exchange exchange = map(mail("Subject: s", "   ", "the body"));
        assertThat(exchange.getIn().getHeader("Subject")).isEqualTo("s");
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("the body\r\n");
    }

    @Test
    void aHeaderWithoutItsEmptyLineKeepsTheBody() throws Exception {
        Exchange exchange = map(mail("Subject: s", "Dear customer,", "your invoice."));
        assertThat(exchange.getIn().getHeader("Subject")).isEqualTo("s");
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("Dear customer,\r\nyour invoice.\r\n");
    }

    @Test
    void aMailWithoutAnyHeaderIsAllText() throws Exception {
        Exchange exchange = map(mail("Hello,", "this mail has no header."));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("Hello,\r\nthis mail has no header.\r\n");
    }

    @Test
    void aDigestsPartsAreMessagesByDefault() throws Exception {
        Exchange exchange = map(mail("Content-Type: multipart/digest; boundary=d", "", "--d", "",
                "Subject: first", "", "one", "--d", "", "Subject: second", "", "two", "--d--"));
        assertThat(attachments(exchange)).containsExactly(Map.entry("message.eml", "Subject: first\r\n\r\none"),
                Map.entry("message (2).eml", "Subject: second\r\n\r\ntwo"));
    }

    @Test
    void nestingDeeperThanTheLimitIsDeliveredRawWithTheReason() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i <= MimeParser.MAX_DEPTH + 1; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        Exchange exchange = map(sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).contains("nested");
        assertThat(exchange.getIn().getBody(String.class)).startsWith("Content-Type: multipart/mixed; boundary=b0");
    }

    @Test
    void aSpooledMailIsParsedInPlace(@TempDir Path dir) throws Exception {
        byte[] raw = withBoundary("spooled");
        SpooledMessage spooled;
        try (SpooledMessage.Sink sink = new Spool(16, dir).sink(raw.length)) {
            sink.write(raw);
            spooled = sink.finish();
        }
        assertThat(spooled.spoolFile()).isPresent();
        Exchange exchange = map(spooled);
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("the text");
        assertThat(attachments(exchange)).containsExactly(Map.entry("a.bin", "attached bytes"));
        assertThat(Files.size(spooled.spoolFile().get())).isEqualTo(raw.length);
    }

    private static final byte[] FORWARDED = mail("Subject: Fwd: invoice", "Content-Type: multipart/mixed; boundary=o",
            "", "--o", "Content-Type: text/plain", "", "see below", "--o", "Content-Type: message/rfc822", "",
            "Subject: invoice", "Content-Type: multipart/mixed; boundary=i", "", "--i", "Content-Type: text/plain", "",
            "inner text", "--i", "Content-Type: application/pdf; name=invoice.pdf",
            "Content-Transfer-Encoding: base64", "", "UERGIGJ5dGVz", "--i--", "--o--");

    @Test
    void anAttachedMailIsOneAttachmentByDefault() throws Exception {
        Exchange exchange = map(SpooledMessage.of(FORWARDED), false);
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("see below");
        assertThat(attachments(exchange)).containsOnlyKeys("message.eml");
        assertThat(attachments(exchange).get("message.eml")).startsWith("Subject: invoice").contains("UERGIGJ5dGVz");
    }

    @Test
    void withAttachedMessagePartsTheAttachmentsInsideAnAttachedMailComeToo() throws Exception {
        Exchange exchange = map(SpooledMessage.of(FORWARDED), true);
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("see below");
        assertThat(attachments(exchange)).containsOnlyKeys("message.eml", "invoice.pdf");
        assertThat(attachments(exchange).get("invoice.pdf")).isEqualTo("PDF bytes");
    }
}
