package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pop3x.testsupport.SharedCorpus;
import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParameterList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The plain reading of Content-Type and Content-Disposition gives what Jakarta Mail's full parser gives. */
class SimpleParametersTest {

    private static final Pattern FIELD = Pattern.compile(
            "(?im)^(content-type|content-disposition)[ \\t]*:[ \\t]*([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)");

    @Test
    void plainValuesAreReadAsJakartaMailReadsThem() {
        assertSame("text/plain; charset=\"utf-8\"", true);
        assertSame("Text/HTML;charset=ISO-8859-1; format=flowed", true);
        assertSame("multipart/mixed;\r\n\tboundary=\"----=_Part_1\"", true);
        assertSame("attachment; filename=\"a b.pdf\"; size=123", false);
    }

    @Test
    void aDoubledSemicolonWhichStrictParsingRejectsIsRead() {
        assertThat(render(SimpleParameters.parse("text/html;; charset=utf-8"))).isEqualTo("text/html [charset=utf-8]");
    }

    @Test
    void whatIsNotPlainIsLeftToTheFullParser() {
        assertThat(SimpleParameters.parse("text/plain; name*=utf-8''a%20b")).isNull();
        assertThat(SimpleParameters.parse("text/plain (comment); charset=us-ascii")).isNull();
        assertThat(SimpleParameters.parse("text/plain; name=\"a\\\"b\"")).isNull();
        assertThat(SimpleParameters.parse("text/plain; charset")).isNull();
        assertThat(SimpleParameters.parse("text/plain; name=\"unclosed")).isNull();
        assertThat(SimpleParameters.parse("text/plain charset=us-ascii")).isNull();
        assertThat(SimpleParameters.parse("attachment; filename=a b.pdf")).isNull();
    }

    @Test
    void everyPlainCorpusValueIsReadAsJakartaMailReadsIt() throws Exception {
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (Path file : SharedCorpus.mails()) {
            Matcher m = FIELD.matcher(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            while (m.find()) {
                String value = MailHeaders.unfold(m.group(2)).strip();
                if (SimpleParameters.parse(value) == null) {
                    continue;
                }
                String jakarta = jakarta(value, m.group(1).equalsIgnoreCase("content-type"));
                if (jakarta == null) {
                    continue; // Jakarta Mail rejects it; the lenient reading is compared by the oracle test
                }
                compared++;
                String ours = render(SimpleParameters.parse(value));
                if (!ours.equals(jakarta)) {
                    differences.add(file.getFileName() + ": " + value + " -> " + ours + " / " + jakarta);
                }
            }
        }
        assertThat(compared).isGreaterThan(500);
        assertThat(differences).isEmpty();
    }

    private static void assertSame(String header, boolean contentType) {
        String value = MailHeaders.unfold(header).strip();
        assertThat(render(SimpleParameters.parse(value))).isEqualTo(jakarta(value, contentType));
    }

    private static String render(SimpleParameters simple) {
        List<String> parts = new ArrayList<>();
        simple.parameters().forEach((k, v) -> parts.add(k + "=" + v));
        parts.sort(null);
        return simple.value() + " " + parts;
    }

    private static String jakarta(String value, boolean contentType) {
        try {
            String base;
            ParameterList list;
            if (contentType) {
                ContentType type = new ContentType(value);
                base = type.getBaseType();
                list = type.getParameterList();
            } else {
                ContentDisposition disposition = new ContentDisposition(value);
                base = disposition.getDisposition();
                list = disposition.getParameterList();
            }
            List<String> parts = new ArrayList<>();
            if (list != null) {
                for (var names = list.getNames(); names.hasMoreElements();) {
                    String name = names.nextElement();
                    parts.add(name.toLowerCase(Locale.ROOT) + "=" + list.get(name));
                }
            }
            parts.sort(null);
            return base.toLowerCase(Locale.ROOT) + " " + parts;
        } catch (Exception e) {
            return null;
        }
    }
}
