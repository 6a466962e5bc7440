package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import jakarta.mail.Header;
import jakarta.mail.internet.InternetHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MailHeaders reads header blocks and unfolds values by hand, for speed; these tests hold it to what Jakarta Mail's
 * own parser and the plain regex would give, on the awkward inputs and on random ones.
 */
class MailHeadersTest {

    private static final String[] AWKWARD = {
            "Subject: plain\r\nFrom: a@example.org\r\n\r\nbody",
            "Subject: lf only\nTo: b@example.org\n\nbody",
            "Subject: bare cr\rTo: c@example.org\r\rbody",
            "Subject: cr cr lf\r\r\nTo: d@example.org\r\n\r\nbody",
            "Subject: cr cr then text\r\rX: y\r\n\r\n",
            "Subject: folded\r\n  over\r\n\tthree lines\r\nX-A: 1\r\n\r\n",
            " leading continuation\r\nSubject: s\r\n\r\n",
            "Subject: no end of header",
            "Subject: no body\r\n",
            "Subject: 8-bit \u00e9\u00e8 bytes\r\n\r\n",
            "no colon line\r\nSubject: after it\r\n\r\n",
            "\r\nbody only",
            " \r\n xA: 1\r\nSubject: s\r\n\r\n",
            "",
    };

    @Test
    void headerBlocksReadAsJakartaMailReadsThem() throws Exception {
        for (String text : AWKWARD) {
            assertSameHeaders(text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void randomHeaderBlocksReadAsJakartaMailReadsThem() throws Exception {
        Random random = new Random(42);
        String alphabet = "ab: \t\r\n\r\n=?\u00e9";
        for (int n = 0; n < 5_000; n++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(60);
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertSameHeaders(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void unfoldingMatchesTheRegexItReplaces() {
        Random random = new Random(7);
        String alphabet = "x \t\r\n";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(20);
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String value = sb.toString();
            assertThat(MailHeaders.unfold(value)).as("unfold of %s", value.replace("\r", "\\r").replace("\n", "\\n")
                    .replace("\t", "\\t")).isEqualTo(value.replaceAll("\\r?\\n[ \\t]+|\\r?\\n|\\r", " "));
        }
    }

    @Test
    void plainValuesAreOnlyStrippedAndTheRestDecoded() {
        assertThat(MailHeaders.decodeHeaderValue("  Invoice 42  ")).isEqualTo("Invoice 42");
        assertThat(MailHeaders.decodeHeaderValue("=?UTF-8?Q?Caf=C3=A9?=")).isEqualTo("Café");
        assertThat(MailHeaders.decodeHeaderValue("a\r\n\tb")).isEqualTo("a b");
        assertThat(MailHeaders.decodeHeaderValue("tab\there")).isEqualTo("tab here");
        assertThat(MailHeaders.decodeHeaderValue("Caf\u00c3\u00a9")).isEqualTo("Café"); // raw UTF-8 read as Latin-1
    }

    private static void assertSameHeaders(byte[] bytes) throws Exception {
        List<String> actual = render(Collections.list(MailHeaders.parse(bytes, bytes.length).getAllHeaders()));
        List<String> expected;
        try {
            expected = render(Collections.list(new InternetHeaders(new ByteArrayInputStream(bytes)).getAllHeaders()));
        } catch (IndexOutOfBoundsException e) {
            // Jakarta Mail fails on continuation lines after a blank first one: they continue no header, and are dropped
            assertThat(actual).as("headers of %s", new String(bytes, StandardCharsets.ISO_8859_1)).noneMatch(
                    h -> h.startsWith("Status=") || h.startsWith("Return-Path="));
            return;
        }
        assertThat(actual).as("headers of %s", new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "\\r")
                .replace("\n", "\\n").replace("\t", "\\t")).isEqualTo(expected);
    }

    private static List<String> render(List<Header> headers) {
        List<String> out = new ArrayList<>();
        headers.forEach(h -> out.add(h.getName() + "=" + h.getValue()));
        return out;
    }
}
