package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.Spool;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.HostileMessages;
import dev.pop3x.testsupport.HostileMessages.Hostile;
import dev.pop3x.testsupport.StartedCamelContext;
import dev.pop3x.testsupport.TestSpool;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every hostile mail of {@link HostileMessages}, mapped with mapMailMessage true and false, from heap and from a spool
 * file: in time, never throwing, never a null body, never a forged Camel header; and, for mapMailMessage=true, what a
 * person reading the mail would expect.
 */
class HostileMappingTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final String REAL_UID = "real-uid";

    @RegisterExtension
    static StartedCamelContext camel = new StartedCamelContext();

    static Stream<Arguments> everyWay() {
        List<Arguments> args = new ArrayList<>();
        for (Hostile hostile : HostileMessages.all()) {
            for (boolean mapMail : new boolean[] { true, false }) {
                for (boolean spooled : new boolean[] { false, true }) {
                    args.add(Arguments.of(hostile, mapMail, spooled));
                }
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} mapMailMessage={1} spooled={2}")
    @MethodSource("everyWay")
    void mapsInTimeWithoutForgedHeaders(Hostile hostile, boolean mapMailMessage, boolean spooled) throws IOException {
        Message in = map(hostile, mapMailMessage, spooled);
        assertThat(in.getBody()).isNotNull();
        assertNoForgedHeaders(in);
        String error = in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class);
        if (error != null || !mapMailMessage) {
            // raw delivery: the exact bytes, nothing lost
            assertThat(bodyBytes(in)).isEqualTo(hostile.bytes());
        }
        if (error != null) {
            assertThat(error).isNotBlank().doesNotContain("\r", "\n");
        }
    }

    // ------------------------------------------------------------ what a person would expect (mapMailMessage=true)

    @Test
    void mailsWithoutOrWithRepeatedMessageIdMapNormally() {
        assertThat(text("no-message-id")).isEqualTo("no id here");
        assertThat(map("no-message-id").getHeader("Message-ID")).isNull();
        assertThat(map("duplicate-message-id-a").getHeader("Message-ID")).isEqualTo("<same@example.com>");
        assertThat(text("duplicate-message-id-b")).isEqualTo("second of two");
        // a field RFC 5322 allows once reaches the route as the first value, as mail programs show it
        assertThat(map("message-id-twice").getHeader("Message-ID")).isEqualTo("<one@example.com>");
    }

    @Test
    void raw8bitHeadersAreReadAsUtf8ElseLatin1() {
        Message utf8 = map("raw-utf8-headers");
        assertThat(utf8.getHeader("Subject")).isEqualTo("hostile raw-utf8-headers \u20ac");
        assertThat(utf8.getHeader("From", String.class)).contains("J\u00fcrgen");
        assertThat(utf8.getBody(String.class).stripTrailing()).isEqualTo("gr\u00fc\u00dfe");
        Message latin1 = map("raw-latin1-headers");
        assertThat(latin1.getHeader("Subject")).isEqualTo("hostile raw-latin1-headers caf\u00e9");
        assertThat(latin1.getBody(String.class).stripTrailing()).isEqualTo("caf\u00e9");
    }

    @Test
    void brokenEncodingsStillGiveTheText() {
        assertThat(text("unknown-charset")).isEqualTo("plain words");
        assertThat(text("broken-base64")).startsWith("hello world");
        assertThat(text("broken-quoted-printable")).startsWith("caf\u00e9");
    }

    @Test
    void tenThousandDeepNestingIsRefusedQuicklyWithAReason() throws IOException {
        Message in = map("nested-10000-deep");
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class)).contains("nested");
        assertThat(in.getHeader("Subject")).isEqualTo("hostile nested-10000-deep");
    }

    @Test
    void emptyAndBoundarylessMultipartsGiveWhatIsThere() {
        assertThat(map("empty-multipart").getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(text("empty-multipart")).isBlank();
        assertThat(map("multipart-no-start-boundary").getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(text("multipart-no-start-boundary")).contains("just text, no parts at all");
    }

    @Test
    void missingClosingBoundaryKeepsTextAndAttachment() throws IOException {
        Message in = map("missing-closing-boundary");
        assertThat(in.getBody(String.class).stripTrailing()).isEqualTo("the text");
        assertThat(attachments(in)).containsOnlyKeys("cut.pdf");
        assertThat(content(attachments(in).get("cut.pdf"))).startsWith("%PDF-1.4");
    }

    @Test
    void bareLineEndingsAreLineEndings() throws IOException {
        assertThat(text("bare-lf")).contains("line one").contains("line two");
        assertThat(map("bare-lf").getHeader("Subject")).isEqualTo("hostile bare-lf");
        assertThat(text("bare-cr")).contains("line one").contains("line two");
        assertThat(map("bare-cr").getHeader("Subject")).isEqualTo("hostile bare-cr");
        Message multipart = map("multipart-bare-lf");
        assertThat(multipart.getBody(String.class).stripTrailing()).isEqualTo("lf text");
        assertThat(content(attachments(multipart).get("lf.txt"))).isEqualTo("lf file");
    }

    @Test
    void aOneMegabyteBodyLineIsText() {
        assertThat(text("one-mb-body-line").strip()).hasSize(HostileMessages.LONG_LINE);
    }

    @Test
    void aOneMegabyteHeaderLineExceedsTheHeaderLimitAndSaysSo() {
        for (boolean mapMail : new boolean[] { true, false }) {
            Message in = map(HostileMessages.named("one-mb-header-line"), mapMail, false);
            assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, String.class))
                    .contains("header").contains(String.valueOf(MailHeaders.MAX_HEADER_BLOCK_BYTES));
            assertThat(in.getHeader("Subject")).isEqualTo("hostile one-mb-header-line");
        }
    }

    @Test
    void nulAndControlCharactersNeverReachAHeaderValue() {
        Message nul = map("nul-bytes");
        assertThat(nul.getBody(String.class)).contains("before").contains("after");
        assertThat(nul.getHeader("X-Nul", String.class)).doesNotContain("\0").startsWith("a").endsWith("b");
        Message words = map("broken-encoded-words");
        assertThat(words.getHeader("Subject", String.class)).startsWith("hostile broken-encoded-words");
        // a decoded CR LF must not become a header line of its own downstream
        assertThat(words.getHeader("X-Injected", String.class)).doesNotContain("\r", "\n").contains("victim");
        assertThat(words.getBody(String.class).stripTrailing()).isEqualTo("body");
    }

    @Test
    void aHeaderLineWithoutColonIsSkipped() {
        Message in = map("header-without-colon");
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(in.getHeader("Subject")).isEqualTo("hostile header-without-colon");
        assertThat(in.getBody(String.class).stripTrailing()).isEqualTo("body after a bad header");
    }

    @Test
    void zeroLengthAndHeadersOnlyGiveAnEmptyBody() {
        Message empty = map("zero-length");
        assertThat(empty.getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
        assertThat(empty.getBody(String.class)).isEmpty();
        for (String name : List.of("headers-only", "headers-only-no-final-newline")) {
            Message in = map(name);
            assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR)).as(name).isNull();
            assertThat(in.getHeader("Subject")).isEqualTo("hostile " + name);
            assertThat(in.getBody(String.class)).isEmpty();
        }
    }

    @Test
    void attachmentNamesAreDecodedKeptApartAndSafe() throws IOException {
        Message in = map("attachment-names");
        assertThat(in.getBody(String.class).stripTrailing()).isEqualTo("four files");
        Map<String, Attachment> attachments = attachments(in);
        assertThat(attachments).hasSize(4).containsKeys("\u00e4\u00f6\u00fc.txt", "\u20ac rates.csv");
        Path dir = Path.of("/srv/inbox");
        for (String name : attachments.keySet()) {
            assertThat(name).doesNotContain("/", "\\").doesNotStartWith("..");
            assertThat(dir.resolve(name).normalize().getParent()).isEqualTo(dir);
        }
        assertThat(attachments.values().stream().map(HostileMappingTest::contentOrEmpty))
                .containsExactlyInAnyOrder("rfc2047", "rfc2231", "traversal", "traversal twice");
        assertThat(attachments.get("\u20ac rates.csv").getDataHandler().getContentType()).startsWith("text/csv");
    }

    @Test
    void inlinePartsAreAttachmentsNamedByFileNameContentIdOrNumber() throws IOException {
        Message in = map("inline-parts");
        assertThat(in.getBody(String.class).stripTrailing()).isEqualTo("plain version");
        Map<String, Attachment> attachments = attachments(in);
        assertThat(attachments).hasSize(3).containsKeys("photo.jpg", "logo.png");
        assertThat(content(attachments.get("photo.jpg"))).isEqualTo("JPEG photo");
        assertThat(attachments.get("photo.jpg").getDataHandler().getContentType()).isEqualTo("image/jpeg");
        assertThat(content(attachments.get("logo.png"))).isEqualTo("PNG logo");
        assertThat(attachments.get("logo.png").getHeader("Content-ID")).isEqualTo("<logo@example.com>");
        assertThat(attachments.get("logo.png").getDataHandler().getContentType()).isEqualTo("image/png");
        String generated = attachments.keySet().stream()
                .filter(n -> !n.equals("photo.jpg") && !n.equals("logo.png")).findFirst().orElseThrow();
        assertThat(generated).startsWith("attachment-").endsWith(".gif");
        assertThat(content(attachments.get(generated))).isEqualTo("GIF anonymous");
    }

    @Test
    void aForwardedMessageIsAnAttachmentAndItsHeadersStayInside() throws IOException {
        Message in = map("forwarded-message");
        assertThat(in.getBody(String.class).stripTrailing()).isEqualTo("see forwarded");
        assertThat(in.getHeader("Subject")).isEqualTo("hostile forwarded-message");
        assertThat(content(attachments(in).get("message.eml"))).startsWith("Subject: inner");
        assertThat(attachments(in).get("message.eml").getDataHandler().getContentType()).startsWith("message/rfc822");
    }

    // ------------------------------------------------------------ helpers

    private static Message map(String name) {
        return map(HostileMessages.named(name), true, false);
    }

    private static String text(String name) {
        Message in = map(name);
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR)).as(name).isNull();
        return in.getBody(String.class).stripTrailing(); // a single-part body keeps its final line end
    }

    /** Maps within the time bound, from heap or from a spool file; the consumer's own UID header is set first. */
    static Message map(Hostile hostile, boolean mapMailMessage, boolean spooled) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            Exchange exchange = camel.newExchange();
            exchange.getIn().setHeader(Pop3xConstants.UID, REAL_UID);
            SpooledMessage raw = spooled ? spool(hostile.bytes()) : SpooledMessage.of(hostile.bytes());
            new MailMapper(mapMailMessage, new Pop3xHeaderFilterStrategy()).map(raw, exchange.getIn());
            // the spool file stays until the test JVM ends: bodies and attachments read from it afterwards
            return exchange.getIn();
        }, () -> hostile.name() + " took longer than " + LIMIT);
    }

    static SpooledMessage spool(byte[] bytes) throws IOException {
        SpooledMessage.Sink sink = new Spool(0, TestSpool.folder()).sink(0);
        sink.write(bytes, 0, bytes.length);
        SpooledMessage spooled = sink.finish();
        assertThat(spooled.inMemory()).isEqualTo(bytes.length == 0);
        return spooled;
    }

    /** No header a mail could have forged: no Camel* besides the mapper's own ones, no steering header. */
    static void assertNoForgedHeaders(Message in) {
        assertThat(in.getHeader(Pop3xConstants.UID)).isEqualTo(REAL_UID);
        for (Map.Entry<String, Object> header : in.getHeaders().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            assertThat(name).isNotIn("delete", "copyto", "moveto");
            if (name.startsWith("camel")) {
                assertThat(header.getKey()).isIn(Pop3xConstants.UID, Pop3xConstants.MAPPING_ERROR,
                        Pop3xConstants.DECODING_DAMAGE);
            }
        }
        assertThat(in.getHeader(Pop3xConstants.MAPPING_ERROR, "", String.class)).doesNotStartWith("none");
        assertThat(in.getHeader(Pop3xConstants.DECODING_DAMAGE, "", String.class)).doesNotStartWith("none");
    }

    static byte[] bodyBytes(Message message) throws IOException {
        StreamCache cache = message.getBody(StreamCache.class);
        cache.reset();
        try (InputStream in = (InputStream) cache) {
            return in.readAllBytes();
        } finally {
            cache.reset();
        }
    }

    private static Map<String, Attachment> attachments(Message in) {
        return in.getExchange().getIn(AttachmentMessage.class).getAttachmentObjects();
    }

    private static String content(Attachment attachment) throws IOException {
        try (InputStream in = attachment.getDataHandler().getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String contentOrEmpty(Attachment attachment) {
        try {
            return content(attachment).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
