package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static dev.pop3x.mapping.DecodingTestSupport.body;
import static dev.pop3x.mapping.DecodingTestSupport.corpusFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Charset names as mail spells them, the UTF-8-else-windows-1252 fallback, and UTF-7. */
class CharsetsTest {

    @Test
    void namesAsMailSpellsThem() {
        assertThat(Charsets.lookup("\"UTF-8\"")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(Charsets.lookup("  Windows-1252 ;")).isEqualTo(Charset.forName("windows-1252"));
        assertThat(Charsets.lookup("utf8")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(Charsets.lookup("utf-8*en")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(Charsets.lookup("latin1")).isEqualTo(StandardCharsets.ISO_8859_1);
        assertThat(Charsets.lookup("cp1252")).isEqualTo(Charset.forName("windows-1252"));
        assertThat(Charsets.lookup("win-1251")).isEqualTo(Charset.forName("windows-1251"));
        assertThat(Charsets.lookup("iso8859-15")).isEqualTo(Charset.forName("ISO-8859-15"));
        assertThat(Charsets.lookup("ISO_8859_2")).isEqualTo(Charset.forName("ISO-8859-2"));
        assertThat(Charsets.lookup("ANSI_X3.4-1968")).isEqualTo(StandardCharsets.US_ASCII);
        assertThat(Charsets.lookup("us-ascii")).isEqualTo(StandardCharsets.US_ASCII);
        assertThat(Charsets.lookup("koi8-r")).isEqualTo(Charset.forName("KOI8-R"));
    }

    /** Names Java reads narrower than the mailers that write them mean. */
    @Test
    void supersetsForOutlooksAndBrowsersNames() {
        assertThat(Charsets.lookup("ks_c_5601-1987")).isEqualTo(Charset.forName("x-windows-949"));
        assertThat(Charsets.lookup("euc-kr")).isEqualTo(Charset.forName("x-windows-949"));
        assertThat(Charsets.lookup("gb2312")).isEqualTo(Charset.forName("GBK"));
        assertThat(Charsets.lookup("Shift_JIS")).isEqualTo(Charset.forName("windows-31j"));
        assertThat(Charsets.lookup("tis-620")).isEqualTo(Charset.forName("x-windows-874"));
    }

    @Test
    void unknownAndUndeclaredAreNull() {
        for (String name : new String[] {
                null, "", "  ", "x-unknown", "unknown-8bit", "X-UNKNOWN", "no-such-charset",
                "illegal name!", "\"\"" }) {
            assertThat(Charsets.lookup(name)).as(name).isNull();
        }
        assertThat(Charsets.isUndeclared("x-unknown")).isTrue();
        assertThat(Charsets.isUndeclared(null)).isTrue();
        assertThat(Charsets.isUndeclared("no-such-charset")).isFalse();
    }

    @Test
    void declaredCharsetIsUsed() {
        byte[] bytes = { (byte) 0xB1, (byte) 0xE6 }; // "±æ" in Latin-1, "ąć" in ISO-8859-2
        assertThat(Charsets.decode(bytes, 0, 2, "iso-8859-2")).isEqualTo("ąć");
        assertThat(Charsets.decode(bytes, 0, 2, "ISO-8859-1")).isEqualTo("±æ");
        assertThat(Charsets.decode(new byte[] { 'x', (byte) 0xB1, 'y' }, 1, 1, "iso-8859-2")).isEqualTo("ą");
    }

    /** Missing, US-ASCII or unknown: UTF-8 when the bytes are valid UTF-8, else windows-1252 (not ISO-8859-1). */
    @Test
    void fallbackIsUtf8ElseWindows1252() {
        byte[] utf8 = "café €".getBytes(StandardCharsets.UTF_8);
        byte[] windows = {
                'w', 'a', 'i', 't', (byte) 0x85, ' ', (byte) 0x93, 'q', (byte) 0x94, ' ', (byte) 0x80,
                (byte) 0x81, (byte) 0xE9 };
        for (String declared : new String[] { null, "us-ascii", "x-unknown", "no-such-charset" }) {
            assertThat(Charsets.decode(utf8, 0, utf8.length, declared)).isEqualTo("café €");
            assertThat(Charsets.decode(windows, 0, windows.length, declared)).isEqualTo("wait… “q” €\u0081é");
            assertThat(Charsets.decode(new byte[] { 'a', 'b' }, 0, 2, declared)).isEqualTo("ab");
            // 8-bit bytes outside the range read do not count
            assertThat(Charsets.decode(new byte[] { (byte) 0xE9, 'a', 'b', (byte) 0x85 }, 1, 2, declared))
                    .isEqualTo("ab");
            assertThat(Charsets.decode(windows, 4, 3, declared)).isEqualTo("… “");
        }
    }

    @Test
    void headerBytesReadAsUtf8ElseWindows1252() {
        assertThat(Charsets.headerBytes("caf\u00c3\u00a9")).isEqualTo("café");
        assertThat(Charsets.headerBytes("wait\u0085 \u0093q\u0094")).isEqualTo("wait… “q”");
        assertThat(Charsets.headerBytes("Fran\u00e7ois")).isEqualTo("François");
        String ascii = "plain";
        assertThat(Charsets.headerBytes(ascii)).isSameAs(ascii);
        String unicode = "already text: Jürgen ☯";
        assertThat(Charsets.headerBytes(unicode)).isSameAs(unicode);
    }

    /** The strict UTF-8 check agrees with the JDK's reporting decoder on random and on tricky bytes. */
    @Test
    void utf8CheckAgreesWithTheJdk() {
        byte[][] tricky = {
                { (byte) 0xC0, (byte) 0x80 }, { (byte) 0xED, (byte) 0xA0, (byte) 0x80 },
                { (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80 }, { (byte) 0xE2, (byte) 0x82 },
                { (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80 }, { (byte) 0xE0, (byte) 0x9F, (byte) 0xBF },
                { (byte) 0xC3 }, { (byte) 0xFF }, { (byte) 0xEF, (byte) 0xBF, (byte) 0xBF } };
        for (byte[] bytes : tricky) {
            assertThat(Charsets.isUtf8(bytes, 0, bytes.length)).isEqualTo(jdkUtf8(bytes));
        }
        Random random = new Random(1);
        for (int n = 0; n < 200_000; n++) {
            byte[] bytes = new byte[1 + random.nextInt(6)];
            random.nextBytes(bytes);
            if (random.nextBoolean()) {
                bytes[0] = (byte) (0xC0 | random.nextInt(0x40)); // a lead byte: valid sequences get a chance
                for (int i = 1; i < bytes.length; i++) {
                    bytes[i] = (byte) (0x80 | random.nextInt(0x40));
                }
            }
            assertThat(Charsets.isUtf8(bytes, 0, bytes.length)).as("%s", HexFormat.of().formatHex(bytes))
                    .isEqualTo(jdkUtf8(bytes));
        }
    }

    // --- UTF-7

    /** The examples of RFC 2152, and what careless encoders write. */
    @Test
    void utf7AsRfc2152SpellsIt() {
        assertThat(utf7("Hi Mom -+Jjo--!")).isEqualTo("Hi Mom -☺-!");
        assertThat(utf7("A+ImIDkQ.")).isEqualTo("A≢Α.");
        assertThat(utf7("+ZeVnLIqe-")).isEqualTo("日本語");
        assertThat(utf7("1 +- 1 = 2")).isEqualTo("1 + 1 = 2");
        assertThat(utf7("1 + 1")).isEqualTo("1 + 1");
        assertThat(utf7("ends with +")).isEqualTo("ends with +");
        assertThat(utf7("+2D3eAA-")).isEqualTo("\uD83D\uDE00"); // a surrogate pair across the run
        assertThat(utf7("caf\u00e9")).isEqualTo("caf\uFFFD"); // 8-bit bytes are not UTF-7
        assertThat(Charsets.lookup("unicode-1-1-utf-7")).isSameAs(Charsets.lookup("UTF-7"));
    }

    /** A reader over a UTF-7 stream with one-char reads meets every overflow of the decoder. */
    @Test
    void utf7ThroughAReaderOneCharAtATime() throws IOException {
        String text = "Die Hasen und die Fr+APY-sche +- mehr +ZeVnLIqe- und +2D3eAA-.";
        StringBuilder read = new StringBuilder();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)),
                Charsets.lookup("utf-7"))) {
            char[] one = new char[1];
            while (reader.read(one, 0, 1) > 0) {
                read.append(one[0]);
            }
        }
        assertThat(read.toString()).isEqualTo("Die Hasen und die Frösche + mehr 日本語 und \uD83D\uDE00.");
        assertThat(Charsets.lookup("utf-7").canEncode()).isFalse();
        assertThatThrownBy(() -> Charsets.lookup("utf-7").newEncoder())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /** A quoted-printable text body in UTF-7 (Hunnysoft sample m0006, Outlook 2000). */
    @Test
    void utf7BodyFromTheCorpus() throws IOException {
        byte[] body = body(corpusFile("zbateson-mail-mime-parser/m0006.eml"));
        byte[] decoded = TransferDecoding.decode(body, 0, body.length, "quoted-printable");
        String text = Charsets.decode(decoded, 0, decoded.length, "\"utf-7\"");
        assertThat(text).startsWith("Die Hasen und die Frösche")
                .contains("Die Hasen klagten einst über ihre mißliche Lage; \"wir leben\"")
                .doesNotContain("+A");
    }

    /** Outlook's Korean: ks_c_5601-1987 read as code page 949, no character lost. */
    @Test
    void koreanFromTheCorpus() throws IOException {
        byte[] body = body(corpusFile("mikel-mail/multi_charset/ks_c_5601-1987.eml"));
        String text = Charsets.decode(body, 0, body.length, "ks_c_5601-1987");
        assertThat(text).doesNotContain("\uFFFD").matches("(?s).*[\uAC00-\uD7A3].*");
    }

    private static String utf7(String ascii) {
        byte[] bytes = ascii.getBytes(StandardCharsets.ISO_8859_1);
        return Charsets.decode(bytes, 0, bytes.length, "utf-7");
    }

    private static boolean jdkUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
