package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.StartedCamelContext;
import jakarta.mail.internet.ContentType;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Defects found reviewing the own MIME parser, each as the route sees it. */
class MappingReviewTest {

    private static final Path PROC_FDS = Path.of("/proc/self/fd");

    @RegisterExtension
    static StartedCamelContext camel = new StartedCamelContext();

    @Test
    void anUnnamedUuencodedAttachmentOfASpooledMailLeavesNoFileOpen() throws IOException {
        assumeTrue(Files.isDirectory(PROC_FDS), "needs /proc to see open files");
        SpooledMessage raw = spool(crlf("From: a@example.com", "Subject: uu",
                "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain", "", "see file",
                "--b", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: x-uuencode", "",
                "begin 644 file.txt", "#86)C", "`", "end", "--b--"));
        Message in = map(raw, true);

        assertThat(openHandles(raw.spoolFile().orElseThrow())).isZero();
        Attachment attachment = in.getExchange().getIn(AttachmentMessage.class).getAttachmentObject("file.txt");
        try (InputStream content = attachment.getDataHandler().getInputStream()) {
            assertThat(content.readAllBytes()).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(openHandles(raw.spoolFile().orElseThrow())).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = { "Subject: big\r\n", "Subject: big\r\n   \r\n", "" })
    void aMailLargerThanTheHeaderLimitWithoutAnEmptyLineKeepsHeaderAndText(String head) {
        byte[] mail = (head + "text line\r\n".repeat(30_000)).getBytes(StandardCharsets.US_ASCII);
        assertThat(mail.length).isGreaterThan(MailHeaders.MAX_HEADER_BLOCK_BYTES);

        Message mapped = map(SpooledMessage.of(mail), true);
        assertThat(mapped.getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(mapped.getBody(String.class)).startsWith("text line\r\ntext line\r\n");
        String subject = head.isEmpty() ? null : "big";
        assertThat(mapped.getHeader("Subject")).isEqualTo(subject);

        Message raw = map(SpooledMessage.of(mail), false);
        assertThat(raw.getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(raw.getHeader("Subject")).isEqualTo(subject);
    }

    @Test
    void aMailWithMorePartsThanTheLimitIsDeliveredRawInsteadOfFillingTheHeap() throws IOException {
        byte[] mail = crlf("Subject: parts", "Content-Type: multipart/mixed; boundary=b", "",
                "--b\r\nContent-Type: image/png\r\n\r\nx\r\n".repeat(MimeParser.MAX_PARTS + 1) + "--b--");

        Message in = map(spool(mail), true);
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).contains("MIME parts");
        assertThat(in.getHeader("Subject")).isEqualTo("parts");
        assertThat(HostileMappingTest.bodyBytes(in)).isEqualTo(mail);
        assertThat(in.getExchange().getIn(AttachmentMessage.class).hasAttachments()).isFalse();
    }

    @Test
    void partHeadersLargerThanTheirBudgetTogetherAreDeliveredRaw() throws IOException {
        String part = "--b\r\nContent-Type: image/png\r\nX-Pad: " + "p".repeat(200_000) + "\r\n\r\nx\r\n";
        int parts = (int) (MimeParser.MAX_PART_HEADER_BYTES / 200_000) + 1;
        byte[] mail = crlf("Subject: fat parts", "Content-Type: multipart/mixed; boundary=b", "",
                part.repeat(parts) + "--b--");

        Message in = map(spool(mail), true);
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).contains("MIME part headers");
        assertThat(in.getHeader("Subject")).isEqualTo("fat parts");
        assertThat(HostileMappingTest.bodyBytes(in)).isEqualTo(mail);
    }

    @Test
    void aSpoolFileThatCannotBeReadFailsTheMappingInsteadOfPassingForABadMail() throws IOException {
        SpooledMessage raw = spool(crlf("Subject: gone", "", "body"));
        Path file = raw.spoolFile().orElseThrow();
        Files.delete(file);
        Files.createDirectory(file); // opens, but every read fails: a disk error in the middle of the mail

        assertThatThrownBy(() -> map(raw, true)).isInstanceOf(UncheckedIOException.class);
        Files.delete(file);
    }

    @Test
    void anAttachmentWhoseTypeLacksItsSubtypeHasAContentTypeAReaderCanParse() throws Exception {
        Message in = map(SpooledMessage.of(crlf("Subject: s", "Content-Type: application; name=x.pdf", "", "PDF")),
                true);

        Attachment attachment = in.getExchange().getIn(AttachmentMessage.class).getAttachmentObject("x.pdf");
        String contentType = attachment.getDataHandler().getContentType();
        assertThat(contentType).isEqualTo("application/octet-stream; name=x.pdf");
        assertThat(new ContentType(contentType).getParameter("name")).isEqualTo("x.pdf");
    }

    @Test
    void anEmptyRepeatedAddressFieldAddsNoSeparator() {
        Message in = map(SpooledMessage.of(crlf("Subject: s", "To: a@example.com", "To:", "Cc:", "Cc: c@example.com",
                "", "body")), true);

        assertThat(in.getHeader("To")).isEqualTo("a@example.com");
        assertThat(in.getHeader("Cc")).isEqualTo("c@example.com");
    }

    private static Message map(SpooledMessage raw, boolean mapMailMessage) {
        Exchange exchange = camel.newExchange();
        new MailMapper(mapMailMessage, new Pop3xHeaderFilterStrategy()).map(raw, exchange.getIn());
        return exchange.getIn();
    }

    private static SpooledMessage spool(byte[] bytes) throws IOException {
        return HostileMappingTest.spool(bytes);
    }

    private static byte[] crlf(String... lines) {
        return (String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static long openHandles(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(PROC_FDS)) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
