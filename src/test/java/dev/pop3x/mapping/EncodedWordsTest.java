package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pop3x.testsupport.SharedCorpus;
import jakarta.mail.Header;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.Test;

import static dev.pop3x.mapping.DecodingTestSupport.corpusFile;
import static org.assertj.core.api.Assertions.assertThat;

/** RFC 2047 decoding as lenient as Thunderbird and mime4j, on hand-made values and the corpus's headers. */
class EncodedWordsTest {

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?[bBqQ]\\?[^?]*\\?=");

    @Test
    void aValueWithoutEncodedWordsComesBackAsItIs() {
        String value = "plain subject, 100% = fine?";
        assertThat(EncodedWords.decode(value)).isSameAs(value);
        assertThat(EncodedWords.decode(null)).isNull();
        assertThat(EncodedWords.decode("")).isEmpty();
    }

    @Test
    void bAndQInEitherCase() {
        assertThat(EncodedWords.decode("=?UTF-8?B?Y2Fmw6k=?=")).isEqualTo("café");
        assertThat(EncodedWords.decode("=?utf-8?b?Y2Fmw6k?=")).isEqualTo("café"); // padding left out
        assertThat(EncodedWords.decode("=?ISO-8859-1?Q?caf=E9_cr=e8me?=")).isEqualTo("café crème");
        assertThat(EncodedWords.decode("=?iso-8859-1?q?a_b?=")).isEqualTo("a b");
        assertThat(EncodedWords.decode("=?utf-8?Q??=")).isEmpty();
    }

    @Test
    void spaceBetweenEncodedWordsGoesSpaceAroundThemStays() {
        assertThat(EncodedWords.decode("=?utf-8?Q?a?= \t =?utf-8?Q?b?=")).isEqualTo("ab");
        assertThat(EncodedWords.decode("=?utf-8?Q?a?= =?iso-8859-1?Q?=E9?=")).isEqualTo("aé");
        assertThat(EncodedWords.decode("Re: =?utf-8?Q?a?= x =?utf-8?Q?b?= end")).isEqualTo("Re: a x b end");
        assertThat(EncodedWords.decode("=?utf-8?Q?a_?= =?utf-8?Q?_b?=")).isEqualTo("a  b");
    }

    @Test
    void encodedWordsWithoutSpaceAroundThem() {
        assertThat(EncodedWords.decode("foo=?utf-8?Q?bar?=baz")).isEqualTo("foobarbaz");
        assertThat(EncodedWords.decode("=?utf-8?Q?a?==?utf-8?Q?b?=")).isEqualTo("ab");
        assertThat(EncodedWords.decode("filename==?koi8-r?B?89DJ08/LLmRvYw==?=")).isEqualTo("filename=Список.doc");
    }

    /** A character whose bytes a mailer split across two words survives: the words are decoded together. */
    @Test
    void multibyteCharacterSplitAcrossWords() {
        assertThat(EncodedWords.decode("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=")).isEqualTo("café");
        assertThat(EncodedWords.decode("=?utf-8?B?w6nw?= =?UTF-8?B?n5iA?=")).isEqualTo("é\uD83D\uDE00");
        assertThat(EncodedWords.decode("=?shift_jis?B?k/o=?= =?shift_jis?B?lns=?=")).isEqualTo("日本");
    }

    @Test
    void encodedWordsInsideAQuotedDisplayName() {
        assertThat(EncodedWords.decode("\"=?windows-1251?B?wPLo6u7iYQ==?=\" <yusuf75thu@auracom.net>"))
                .isEqualTo("\"Атиковa\" <yusuf75thu@auracom.net>");
    }

    @Test
    void rfc2231LanguageIsIgnored() {
        assertThat(EncodedWords.decode("=?utf-8*en?Q?hello?= =?UTF-8*de?Q?_Welt?=")).isEqualTo("hello Welt");
    }

    @Test
    void unknownCharsetsAndBrokenWordsStayRaw() {
        for (String raw : List.of("=?x-no-such?Q?a?=", "=?utf-8?X?a?=", "=?utf-8?Q?unclosed", "=??Q?a?=",
                "=?utf 8?Q?a?=", "1+1=?", "=?", "=?utf-8?", "=?utf-8?Q", "=?utf-8?Q?")) {
            assertThat(EncodedWords.decode(raw)).as(raw).isEqualTo(raw);
        }
        assertThat(EncodedWords.decode("=?x-no-such?Q?a?= =?utf-8?Q?b?=")).isEqualTo("=?x-no-such?Q?a?= b");
        assertThat(EncodedWords.decode("=?utf-8?Q?caf=C3=A9?= =?x-no-such?Q?a?=")).isEqualTo("café =?x-no-such?Q?a?=");
    }

    /** A word that says its charset is unknown is read as header bytes are: UTF-8 if valid, else windows-1252. */
    @Test
    void undeclaredCharsetGuessed() {
        assertThat(EncodedWords.decode("=?x-unknown?Q?caf=C3=A9?=")).isEqualTo("café");
        assertThat(EncodedWords.decode("=?unknown-8bit?Q?wait=85_=93quoted=94?=")).isEqualTo("wait… “quoted”");
        assertThat(EncodedWords.decode("=?us-ascii?Q?=80?=")).isEqualTo("€");
    }

    /** Outlook's UTF-7 in a Subject and in a display name (Hunnysoft samples). */
    @Test
    void utf7WordsFromTheCorpus() throws Exception {
        String m0006 = new String(corpusFile("zbateson-mail-mime-parser/m0006.eml"), StandardCharsets.US_ASCII);
        assertThat(m0006).contains("Subject: =?utf-7?Q?Die_Hasen_und_die_Fr+APY-sche_=28Microsoft_Outlook_00=29?=");
        assertThat(EncodedWords.decode("=?utf-7?Q?Die_Hasen_und_die_Fr+APY-sche_=28Microsoft_Outlook_00=29?="))
                .isEqualTo("Die Hasen und die Frösche (Microsoft Outlook 00)");
        assertThat(EncodedWords.decode("=?utf-7?B?SitBUHctcmdlbiBTY2htK0FQdy1yZ2Vu?= <schmuergen@example.com>"))
                .isEqualTo("Jürgen Schmürgen <schmuergen@example.com>");
    }

    /** A hostile value of many unclosed words is still read in one pass, and stays as it is. */
    @Test
    void manyUnclosedWords() {
        String hostile = "=?utf-8?Q?x".repeat(100_000);
        assertThat(EncodedWords.decode(hostile)).isEqualTo(hostile);
        String charsets = "=?" + "a".repeat(200_000);
        assertThat(EncodedWords.decode(charsets)).isEqualTo(charsets);
    }

    /**
     * Every corpus header with an encoded word: where Jakarta Mail decodes the value, the result is the same; where
     * it leaves words encoded (inside quotes, next to other text, UTF-7), no word of a known charset is left.
     */
    @Test
    void corpusHeadersAsJakartaMailDecodesThemAndMore() throws Exception {
        List<String> differences = new ArrayList<>();
        int values = 0;
        for (Path file : SharedCorpus.mails()) {
            byte[] mail = Files.readAllBytes(file);
            for (Header header : MimeParser.headers(MailBytes.of(mail), 0, mail.length, mail.length, true).headers()) {
                String value = header.getValue();
                if (value == null || !value.contains("=?")) {
                    continue;
                }
                values++;
                String unfolded = MailHeaders.unfold(value).strip();
                String ours = EncodedWords.decode(Charsets.headerBytes(unfolded));
                String jakarta;
                try {
                    jakarta = MimeUtility.decodeText(Charsets.headerBytes(unfolded));
                } catch (Exception e) {
                    jakarta = unfolded;
                }
                String where = SharedCorpus.folder().relativize(file) + " " + header.getName() + ": " + unfolded;
                if (!jakarta.equals(unfolded) && !jakarta.equals(ours)) {
                    differences.add(where + " -> " + ours + " / Jakarta Mail: " + jakarta);
                }
                Matcher left = ENCODED_WORD.matcher(ours);
                while (left.find()) {
                    if (Charsets.lookup(left.group(1).replaceAll("\\*.*", "")) != null) {
                        differences.add(where + " -> " + ours + " still holds " + left.group());
                    }
                }
            }
        }
        assertThat(differences).isEmpty();
        assertThat(values).isGreaterThan(100);
    }
}
