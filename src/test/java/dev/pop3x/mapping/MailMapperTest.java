package dev.pop3x.mapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.Spool;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.StartedCamelContext;
import dev.pop3x.testsupport.TestSpool;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class MailMapperTest {

    @RegisterExtension
    static StartedCamelContext camel = new StartedCamelContext();

    // ------------------------------------------------------------ helpers

    /** Joins lines with CRLF, as a POP3 server delivers them. */
    private static byte[] mail(String... lines) {
        return (String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Exchange map(byte[] raw) {
        return map(raw, true);
    }

    private static Exchange map(byte[] raw, boolean mapMailMessage) {
        return map(SpooledMessage.of(raw), mapMailMessage);
    }

    /** As the consumer maps: into a Pop3xMessage, whose headers are made on first use. */
    private static Exchange map(SpooledMessage raw, boolean mapMailMessage) {
        Exchange exchange = camel.newExchange();
        Pop3xMessage in = new Pop3xMessage(exchange);
        exchange.setIn(in);
        new MailMapper(mapMailMessage, new Pop3xHeaderFilterStrategy()).map(raw, in);
        return exchange;
    }

    private static Map<String, Attachment> attachments(Exchange exchange) {
        return exchange.getIn(AttachmentMessage.class).getAttachmentObjects();
    }

    private static byte[] content(Attachment attachment) throws IOException {
        try (InputStream in = attachment.getDataHandler().getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static String base64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bodyBytes(Message message) throws IOException {
        StreamCache cache = message.getBody(StreamCache.class);
        cache.reset();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            cache.writeTo(out);
            return out.toByteArray();
        }
    }

    // ------------------------------------------------------------ bodies

    @Test
    void plainTextMail() {
        Exchange exchange = map(mail(
                "From: Alice <alice@example.org>",
                "To: bob@example.org",
                "Subject: Hello",
                "Message-ID: <1@example.org>",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Grüße aus Köln"));
        Message in = exchange.getIn();
        assertThat(in.getBody()).isEqualTo("Grüße aus Köln\r\n");
        assertThat(in.getHeader("Subject")).isEqualTo("Hello");
        assertThat(in.getHeader("From")).isEqualTo("Alice <alice@example.org>");
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(in.getExchange().getIn(AttachmentMessage.class).hasAttachments()).isFalse();
    }

    @Test
    void alternativePicksPlainText() {
        Exchange exchange = map(mail(
                "Subject: alt",
                "MIME-Version: 1.0",
                "Content-Type: multipart/alternative; boundary=\"b1\"",
                "",
                "--b1",
                "Content-Type: text/html; charset=us-ascii",
                "",
                "<p>html</p>",
                "--b1",
                "Content-Type: text/plain; charset=us-ascii",
                "",
                "plain",
                "--b1--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("plain");
        assertThat(attachments(exchange)).isEmpty();
    }

    @Test
    void nestedMixedRelatedAlternativeFindsPlainDepthFirst() {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=outer",
                "",
                "--outer",
                "Content-Type: multipart/related; boundary=rel",
                "",
                "--rel",
                "Content-Type: multipart/alternative; boundary=alt",
                "",
                "--alt",
                "Content-Type: text/plain",
                "",
                "deep plain",
                "--alt",
                "Content-Type: text/html",
                "",
                "<b>deep html</b>",
                "--alt--",
                "--rel--",
                "--outer",
                "Content-Type: text/plain; name=notes.txt",
                "Content-Disposition: attachment",
                "",
                "not the body",
                "--outer--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("deep plain");
        assertThat(attachments(exchange)).containsOnlyKeys("notes.txt");
    }

    @Test
    void htmlOnly() {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=x",
                "",
                "--x",
                "Content-Type: text/html; charset=iso-8859-1",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "<p>caf=E9</p>",
                "--x--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("<p>café</p>");
    }

    @Test
    void noTextAtAllGivesEmptyBody() {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=x",
                "",
                "--x",
                "Content-Type: application/pdf; name=a.pdf",
                "Content-Transfer-Encoding: base64",
                "",
                base64("%PDF-1.4"),
                "--x--"));
        assertThat(exchange.getIn().getBody()).isEqualTo("");
        assertThat(attachments(exchange)).containsOnlyKeys("a.pdf");
    }

    @Test
    void unknownCharsetFallsBackWithoutError() {
        byte[] raw = concat(mail(
                "Subject: bad charset",
                "Content-Type: text/plain; charset=x-no-such-charset",
                "Content-Transfer-Encoding: 8bit",
                ""), "naïve".getBytes(StandardCharsets.UTF_8));
        Exchange exchange = map(raw);
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("naïve");
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
    }

    @Test
    void undeclaredLatin1TextFallsBackToIso88591() {
        byte[] raw = concat(mail("Content-Type: text/plain", ""), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(map(raw).getIn().getBody(String.class)).isEqualTo("café");
    }

    // ------------------------------------------------------------ attachments

    @Test
    void attachmentNamesRfc2047AndRfc2231AreDecoded() throws IOException {
        Exchange exchange = map(mail(
                "Subject: names",
                "Content-Type: multipart/mixed; boundary=\"sep\"",
                "",
                "--sep",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "see attached",
                "--sep",
                "Content-Type: application/octet-stream; name=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"",
                "Content-Disposition: attachment; filename=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"",
                "Content-Transfer-Encoding: base64",
                "",
                base64("first file"),
                "--sep",
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment;",
                " filename*=UTF-8''%E2%82%AC%20rates.csv",
                "Content-Transfer-Encoding: base64",
                "",
                base64("second file"),
                "--sep--"));
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("see attached");
        Map<String, Attachment> attachments = attachments(exchange);
        assertThat(attachments).containsOnlyKeys("äöü.txt", "€ rates.csv");
        assertThat(content(attachments.get("äöü.txt"))).isEqualTo("first file".getBytes(StandardCharsets.UTF_8));
        assertThat(content(attachments.get("€ rates.csv"))).isEqualTo("second file".getBytes(StandardCharsets.UTF_8));
        assertThat(attachments.get("€ rates.csv").getHeader("Content-Type")).isEqualTo("application/octet-stream");
    }

    @Test
    void sameNameTwiceKeepsBoth() throws IOException {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Type: application/pdf",
                "Content-Disposition: attachment; filename=a.pdf",
                "",
                "one",
                "--sep",
                "Content-Type: application/pdf",
                "Content-Disposition: attachment; filename=a.pdf",
                "",
                "two",
                "--sep--"));
        Map<String, Attachment> attachments = attachments(exchange);
        assertThat(attachments).containsOnlyKeys("a.pdf", "a (2).pdf");
        assertThat(new String(content(attachments.get("a.pdf")), StandardCharsets.US_ASCII)).isEqualTo("one");
        assertThat(new String(content(attachments.get("a (2).pdf")), StandardCharsets.US_ASCII)).isEqualTo("two");
    }

    @Test
    void pathTraversalNameIsSanitised() {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Type: text/plain",
                "Content-Disposition: attachment; filename=\"../../etc/passwd\"",
                "",
                "root:x:0:0",
                "--sep",
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=\"..\\\\..\\\\boot.ini\"",
                "",
                "x",
                "--sep",
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment",
                "",
                "no name",
                "--sep--"));
        assertThat(exchange.getIn().getBody()).isEqualTo("");
        Path dir = Path.of("/srv/inbox");
        assertThat(attachments(exchange)).hasSize(3);
        for (String name : attachments(exchange).keySet()) {
            assertThat(name).doesNotContain("/", "\\").doesNotStartWith("..").isNotBlank();
            assertThat(dir.resolve(name).normalize().getParent()).isEqualTo(dir);
        }
        assertThat(attachments(exchange)).containsKey("attachment-3");
    }

    @Test
    void nestedMessageBecomesEmlAttachment() throws IOException {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Type: text/plain",
                "",
                "forwarded below",
                "--sep",
                "Content-Type: message/rfc822",
                "",
                "Subject: inner",
                "",
                "inner body",
                "--sep--"));
        Map<String, Attachment> attachments = attachments(exchange);
        assertThat(attachments).containsOnlyKeys("message.eml");
        assertThat(new String(content(attachments.get("message.eml")), StandardCharsets.US_ASCII))
                .startsWith("Subject: inner");
        assertThat(exchange.getIn().getHeader("Subject")).isNull();
    }

    @Test
    void messagePartialFragmentIsKeptAsAttachment() throws IOException {
        Exchange exchange = map(mail(
                "Subject: part 1",
                "Content-Type: message/partial; id=\"abc@example.org\"; number=1; total=2",
                "",
                "Subject: whole",
                "Content-Type: text/plain",
                "",
                "first half"));
        assertThat(exchange.getIn().getBody()).isEqualTo("");
        Map<String, Attachment> attachments = attachments(exchange);
        assertThat(attachments).containsOnlyKeys("message-partial.eml");
        assertThat(new String(content(attachments.get("message-partial.eml")), StandardCharsets.US_ASCII))
                .startsWith("Subject: whole");
        assertThat(attachments.get("message-partial.eml").getHeader("Content-Type")).contains("number=1");
    }

    // ------------------------------------------------------------ headers

    @Test
    void forgedHeadersAreDroppedAndMailHeadersDecoded() {
        Exchange exchange = camel.newExchange();
        exchange.getIn().setHeader(Pop3xConstants.UID, "real-uid");
        byte[] raw = mail(
                "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000",
                "Received: from c by d; Mon, 1 Jan 2024 00:00:01 +0000",
                "From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>",
                "Subject: =?UTF-8?B?R3LDvMOfZQ==?= and a long",
                "\tfolded subject",
                "Message-ID: <42@example.org>",
                "CamelFoo: evil",
                "camelPop3xUid: forged",
                "DELETE: true",
                "copyTo: Trash",
                "MoveTo: Trash",
                "X-Mailer: test",
                "",
                "body");
        new MailMapper(true, new Pop3xHeaderFilterStrategy()).map(SpooledMessage.of(raw), exchange.getIn());
        Message in = exchange.getIn();
        assertThat(in.getHeader("CamelFoo")).isNull();
        assertThat(in.getHeader(Pop3xConstants.UID)).isEqualTo("real-uid");
        assertThat(in.getHeader("DELETE")).isNull();
        assertThat(in.getHeader("delete")).isNull();
        assertThat(in.getHeader("copyTo")).isNull();
        assertThat(in.getHeader("moveTo")).isNull();
        assertThat(in.getHeaders().keySet())
                .noneMatch(k -> k.toLowerCase().startsWith("camel") && !k.equals(Pop3xConstants.UID));
        assertThat(in.getHeader("Subject")).isEqualTo("Grüße and a long folded subject");
        assertThat(in.getHeader("From")).isEqualTo("Jörg <j@example.org>");
        assertThat(in.getHeader("Message-ID")).isEqualTo("<42@example.org>");
        assertThat(in.getHeader("X-Mailer")).isEqualTo("test");
        assertThat(in.getHeader("Received")).isInstanceOf(List.class);
        assertThat((List<?>) in.getHeader("Received")).hasSize(2)
                .first().asString().startsWith("from a by b");
    }

    @Test
    void forgedPop3xHeaderIsNotWrittenEvenWithoutFilter() {
        Exchange exchange = camel.newExchange();
        exchange.getIn().setHeader(Pop3xConstants.UID, "real-uid");
        new MailMapper(true, null).map(SpooledMessage.of(mail("CamelPop3xUid: forged", "", "x")), exchange.getIn());
        assertThat(exchange.getIn().getHeader(Pop3xConstants.UID)).isEqualTo("real-uid");
    }

    @Test
    void raw8bitUtf8HeaderIsReadAsUtf8() {
        byte[] raw = concat("Subject: Größe\r\n".getBytes(StandardCharsets.UTF_8), mail("", "x"));
        assertThat(map(raw).getIn().getHeader("Subject")).isEqualTo("Größe");
    }

    // ------------------------------------------------------------ raw mode and failures

    @Test
    void mapMailMessageFalseGivesExactRawBytes() throws IOException {
        byte[] raw = mail(
                "Subject: raw",
                "CamelFoo: evil",
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Disposition: attachment; filename=a.bin",
                "",
                "data",
                "--sep--");
        Exchange exchange = map(raw, false);
        assertThat(bodyBytes(exchange.getIn())).isEqualTo(raw);
        assertThat(bodyBytes(exchange.getIn())).as("re-readable").isEqualTo(raw);
        assertThat(exchange.getIn().getHeader("Subject")).isEqualTo("raw");
        assertThat(exchange.getIn().getHeader("CamelFoo")).isNull();
        assertThat(exchange.getIn(AttachmentMessage.class).hasAttachments()).isFalse();
    }

    @Test
    void garbageMultipartStillDelivers() throws IOException {
        byte[] raw = mail(
                "Subject: broken",
                "Content-Type: multipart/mixed; boundary=never-used",
                "",
                "this is not a multipart at all",
                "\u0001\u0002 garbage");
        Exchange[] holder = new Exchange[1];
        assertThatCode(() -> holder[0] = map(raw)).doesNotThrowAnyException();
        Message in = holder[0].getIn();
        assertThat(in.getBody()).isNotNull();
        assertThat(in.getHeader("Subject")).isEqualTo("broken");
        if (in.getHeader(Pop3xConstants.MAPPING_ERROR) != null) {
            assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).doesNotContain("\n");
            assertThat(bodyBytes(in)).isEqualTo(raw);
        }
    }

    @Test
    void missingEndBoundaryAndUnknownCharsetStillGiveText() {
        byte[] raw = mail(
                "Content-Type: multipart/alternative; boundary=b",
                "",
                "--b",
                "Content-Type: text/plain; charset=\"bogus-9\"",
                "",
                "still readable");
        Exchange exchange = map(raw);
        assertThat(exchange.getIn().getBody(String.class)).startsWith("still readable");
    }

    @Test
    void unquotedOutlookBoundaryIsAccepted() {
        Exchange exchange = map(mail(
                "Content-Type: multipart/alternative;;",
                "\tboundary=----=_NextPart_000_0093_01C81419.EB75E850",
                "",
                "------=_NextPart_000_0093_01C81419.EB75E850",
                "Content-Type: text/plain",
                "",
                "outlook text",
                "------=_NextPart_000_0093_01C81419.EB75E850--"));
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("outlook text");
    }

    @Test
    void unknownTransferEncodingGivesUndecodedContent() throws IOException {
        Exchange exchange = map(mail(
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: 8bits",
                "",
                "text as is",
                "--sep",
                "Content-Type: application/octet-stream; name=x.bin",
                "Content-Transfer-Encoding: x-weird",
                "",
                "bytes as is",
                "--sep--"));
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("text as is");
        assertThat(new String(content(attachments(exchange).get("x.bin")), StandardCharsets.US_ASCII))
                .isEqualTo("bytes as is");
    }

    @Test
    void brokenBase64TextIsDecodedLeniently() {
        byte[] raw = mail(
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
                "aGVsbG8g!!d29y*bGQ=");
        Exchange exchange = map(raw);
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(exchange.getIn().getBody(String.class)).isEqualTo("hello world");
    }

    @Test
    void deeplyNestedMultipartIsBounded() throws IOException {
        StringBuilder sb = new StringBuilder("Subject: deep\r\n");
        int depth = 200;
        for (int i = 0; i < depth; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        sb.append("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            sb.append("--b").append(i).append("--\r\n");
        }
        byte[] raw = sb.toString().getBytes(StandardCharsets.US_ASCII);
        Exchange exchange = map(raw);
        assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).contains("nested");
        assertThat(bodyBytes(exchange.getIn())).isEqualTo(raw);
        assertThat(exchange.getIn().getHeader("Subject")).isEqualTo("deep");
    }

    @Test
    void spooledFileMapsLikeInMemory() throws IOException {
        byte[] raw = mail(
                "Subject: =?UTF-8?Q?f=C3=BCr?= file",
                "Content-Type: multipart/mixed; boundary=sep",
                "",
                "--sep",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "Hall=C3=B6chen",
                "--sep",
                "Content-Type: application/octet-stream; name=\"data.bin\"",
                "Content-Transfer-Encoding: base64",
                "",
                base64("x".repeat(5000)),
                "--sep--");
        SpooledMessage.Sink sink = new Spool(16, TestSpool.folder()).sink(0);
        sink.write(raw, 0, raw.length);
        try (SpooledMessage onDisk = sink.finish()) {
            assertThat(onDisk.inMemory()).isFalse();
            Exchange fromFile = map(onDisk, true);
            Exchange fromHeap = map(raw);
            assertThat(fromFile.getIn().getBody(String.class)).isEqualTo("Hallöchen")
                    .isEqualTo(fromHeap.getIn().getBody());
            assertThat(fromFile.getIn().getHeader("Subject")).isEqualTo("für file");
            assertThat(content(attachments(fromFile).get("data.bin")))
                    .isEqualTo(content(attachments(fromHeap).get("data.bin")))
                    .hasSize(5000);
            Exchange rawFromFile = map(onDisk, false);
            assertThat(bodyBytes(rawFromFile.getIn())).isEqualTo(raw);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
