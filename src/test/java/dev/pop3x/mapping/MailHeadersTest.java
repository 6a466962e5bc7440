package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import jakarta.mail.Header;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Header blocks as the parser reads them, on the awkward inputs real mail has; unfolding and decoding of values. */
class MailHeadersTest {

    /** Input, then the fields read ("name=value", "|" between them), then where the body starts. */
    private static final String[][] AWKWARD = {
            { "Subject: plain\r\nFrom: a@example.org\r\n\r\nbody", "Subject=plain|From=a@example.org", "body" },
            { "Subject: lf only\nTo: b@example.org\n\nbody", "Subject=lf only|To=b@example.org", "body" },
            { "Subject: bare cr\rTo: c@example.org\r\rbody", "Subject=bare cr|To=c@example.org", "body" },
            { "Subject: cr cr lf\r\r\nTo: d@example.org\r\n\r\nbody", "Subject=cr cr lf|To=d@example.org", "body" },
            { "Subject: cr cr then text\r\rX: y\r\n\r\n", "Subject=cr cr then text", "X: y\r\n\r\n" },
            {
                    "Subject: folded\r\n  over\r\n\tthree lines\r\nX-A: 1\r\n\r\n",
                    "Subject=folded\r\n  over\r\n\tthree lines|X-A=1", "" },
            { " leading continuation\r\nSubject: s\r\n\r\n", "Subject=s", "" },
            { "Subject: no end of header", "Subject=no end of header", "" },
            { "Subject: no body\r\n", "Subject=no body", "" },
            { "Subject: 8-bit \u00e9\u00e8 bytes\r\n\r\n", "Subject=8-bit \u00e9\u00e8 bytes", "" },
            { "Obsolete : spaced colon\r\n\r\nb", "Obsolete=spaced colon", "b" },
            // a line of only spaces ends the header block, as an empty line does
            { "Subject: s\r\n  \r\nbody", "Subject=s", "body" },
            // ... but spaces before the first field are junk (a mail that starts with a line of spaces)
            { " \r\n xA: 1\r\nSubject: s\r\n\r\n", "Subject=s", "" },
            // a line that is not a field starts the body: its text is not lost
            { "Subject: s\r\nHello, no blank line before me\r\n", "Subject=s", "Hello, no blank line before me\r\n" },
            { "Subject: s\r\nHello\r\nsecond line\r\n", "Subject=s", "Hello\r\nsecond line\r\n" },
            { "no header at all\r\njust text\r\n", "", "no header at all\r\njust text\r\n" },
            // ... but a stray line between two fields is skipped
            { "no colon line\r\nSubject: after it\r\n\r\n", "Subject=after it", "" },
            { "A: 1\r\nstray\r\nB: 2\r\n\r\nb", "A=1|B=2", "b" },
            { "\r\nbody only", "", "body only" },
            // an mbox separator line before the header is skipped
            { "From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: s\n\nb", "Subject=s", "b" },
            { "", "", "" },
    };

    @Test
    void headerBlocksEndAtAnEmptyOrBlankLineOrAtTheFirstLineThatIsNotAField() {
        for (String[] c : AWKWARD) {
            byte[] bytes = c[0].getBytes(StandardCharsets.ISO_8859_1);
            MimeParser.Fields fields = MimeParser.headers(MailBytes.of(bytes), 0, bytes.length, 1024, true);
            String shown = c[0].replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
            assertThat(String.join("|", render(fields.headers()))).as("fields of %s", shown).isEqualTo(c[1]);
            assertThat(new String(bytes, (int) fields.end(), bytes.length - (int) fields.end(),
                    StandardCharsets.ISO_8859_1)).as("body of %s", shown).isEqualTo(c[2]);
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

    private static List<String> render(List<Header> headers) {
        List<String> out = new ArrayList<>();
        headers.forEach(h -> out.add(h.getName() + "=" + h.getValue()));
        return out;
    }
}
