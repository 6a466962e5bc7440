package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import dev.pop3x.testsupport.SharedCorpus;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.Test;

import static dev.pop3x.mapping.DecodingTestSupport.body;
import static dev.pop3x.mapping.DecodingTestSupport.corpusFile;
import static dev.pop3x.mapping.DecodingTestSupport.decodeByteByByte;
import static dev.pop3x.mapping.DecodingTestSupport.decodeTrickling;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lenient transfer decoding: clean content decodes exactly (against java.util.Base64 and simple encoders), damaged
 * content gives what it holds and a reason, and buffer edges do not matter (sources that trickle, reads of one byte).
 */
class TransferDecodingTest {

    // --- base64

    @Test
    void base64RoundTripsWhateverTheLineLayout() throws IOException {
        Random random = new Random(7);
        List<Base64.Encoder> encoders = List.of(Base64.getMimeEncoder(), Base64.getEncoder(),
                Base64.getEncoder().withoutPadding(),
                Base64.getMimeEncoder(60, "\n".getBytes(StandardCharsets.US_ASCII)));
        for (int n = 0; n < 400; n++) {
            byte[] data = new byte[random.nextInt(n < 100 ? 20 : 20_000)];
            random.nextBytes(data);
            for (Base64.Encoder encoder : encoders) {
                byte[] encoded = encoder.encode(data);
                assertThat(decode(encoded, "base64")).isEqualTo(data);
                assertThat(TransferDecoding.damage(encoded, 0, encoded.length, "base64")).isNull();
            }
        }
    }

    @Test
    void base64SkipsCharactersOutsideTheAlphabetAndSaysHowMany() throws IOException {
        byte[] raw = ascii("QU*JD\r\n RE.VG\r\n");
        assertThat(decode(raw, "base64")).isEqualTo(ascii("ABCDEF"));
        assertThat(TransferDecoding.damage(raw, 0, raw.length, "base64"))
                .isEqualTo("base64: 2 characters outside the alphabet");
    }

    @Test
    void base64DecodesTheWholeBytesOfAShortTailAndDropsADanglingCharacter() throws IOException {
        assertThat(decode(ascii("QUJDRA"), "BASE64")).isEqualTo(ascii("ABCD")); // missing padding: no damage
        assertThat(TransferDecoding.damage(ascii("QUJDRA"), 0, 6, "base64")).isNull();
        assertThat(decode(ascii("QUJDREU"), "base64")).isEqualTo(ascii("ABCDE"));
        assertThat(decode(ascii("QUJDR"), "base64")).isEqualTo(ascii("ABC"));
        assertThat(TransferDecoding.damage(ascii("QUJDR"), 0, 5, "base64"))
                .isEqualTo("base64: 1 dangling character at the end");
    }

    @Test
    void base64PaddingInTheMiddleEndsAGroupAndDecodingGoesOn() throws IOException {
        byte[] concatenated = ascii("QQ==\r\nQkM=\r\nRA==\r\n");
        assertThat(decode(concatenated, "base64")).isEqualTo(ascii("ABCD"));
        assertThat(TransferDecoding.damage(concatenated, 0, concatenated.length, "base64"))
                .isEqualTo("base64: data after the padding");
        assertThat(TransferDecoding.damage(ascii("QUJD=\r\n"), 0, 7, "base64")).isEqualTo("base64: 1 misplaced '='");
        assertThat(decode(ascii("Q=QUJD"), "base64")).isEqualTo(ascii("ABC"));
    }

    @Test
    void base64DamageIsFoundWithinTheRangeOnly() {
        byte[] raw = ascii("**QUJD**");
        assertThat(TransferDecoding.damage(raw, 2, 6, "base64")).isNull();
        assertThat(TransferDecoding.damage(raw, 0, 6, "base64")).isEqualTo("base64: 2 characters outside the alphabet");
    }

    // --- quoted-printable

    @Test
    void quotedPrintableRoundTripsAgainstASimpleEncoder() throws IOException {
        Random random = new Random(11);
        for (int n = 0; n < 2_000; n++) {
            byte[] data = new byte[random.nextInt(n < 1_000 ? 40 : 3_000)];
            for (int i = 0; i < data.length; i++) {
                // mostly text, with spaces, tabs, line breaks, '=' and 8-bit bytes
                data[i] = (byte) "ab =\t\r\n\u00e9x".charAt(random.nextInt(9));
                if (random.nextInt(50) == 0) {
                    data[i] = (byte) random.nextInt(256);
                }
            }
            byte[] encoded = qpEncode(data, random);
            assertThat(decode(encoded, "quoted-printable")).as("%s", new String(encoded, StandardCharsets.ISO_8859_1))
                    .isEqualTo(data);
            assertThat(TransferDecoding.damage(encoded, 0, encoded.length, "quoted-printable")).isNull();
        }
    }

    @Test
    void quotedPrintableSoftLineBreaksInEveryForm() throws IOException {
        assertThat(decodeText("soft=\r\nbreak", "quoted-printable")).isEqualTo("softbreak");
        assertThat(decodeText("soft=\nbreak", "quoted-printable")).isEqualTo("softbreak");
        assertThat(decodeText("soft= \t \r\nbreak", "quoted-printable")).isEqualTo("softbreak");
        assertThat(decodeText("ends without a line break=", "quoted-printable")).isEqualTo("ends without a line break");
    }

    @Test
    void quotedPrintableEscapesInEitherCaseAndTrailingSpaceDropped() throws IOException {
        assertThat(decodeText("=3D=3d=C3=A9", "quoted-printable")).isEqualTo("==\u00c3\u00a9");
        assertThat(decodeText("trailing  \t\r\nline \nlast  ", "quoted-printable")).isEqualTo("trailing\r\nline\nlast");
        assertThat(decodeText("kept=20\r\ninner  space", "quoted-printable")).isEqualTo("kept \r\ninner  space");
    }

    @Test
    void quotedPrintableKeepsAnEqualsSignThatEscapesNothing() throws IOException {
        byte[] raw = ascii("a=zz b=4 c= d=\r\ne 1+1=2=");
        assertThat(new String(decode(raw, "quoted-printable"), StandardCharsets.ISO_8859_1))
                .isEqualTo("a=zz b=4 c= de 1+1=2");
        assertThat(TransferDecoding.damage(raw, 0, raw.length, "quoted-printable"))
                .isEqualTo("quoted-printable: 4 '=' not followed by hex digits");
    }

    /** mikel-mail's "quoted printable" (with a space) is read as quoted-printable. */
    @Test
    void quotedPrintableSpelledWithASpace() throws IOException {
        assertThat(TransferDecoding.kind("quoted printable")).isEqualTo(TransferDecoding.Kind.QUOTED_PRINTABLE);
        assertThat(TransferDecoding.kind("Quoted-Printable;")).isEqualTo(TransferDecoding.Kind.QUOTED_PRINTABLE);
        assertThat(TransferDecoding.kind(" \"BASE64\" ")).isEqualTo(TransferDecoding.Kind.BASE64);
        assertThat(TransferDecoding.kind("x-uue")).isEqualTo(TransferDecoding.Kind.UUENCODE);
        byte[] mail = corpusFile("mikel-mail/error_emails/content_transfer_encoding_qp_with_space.eml");
        assertThat(new String(mail, StandardCharsets.US_ASCII)).contains("Content-Transfer-Encoding: quoted printable");
    }

    // --- uuencode

    @Test
    void uuencodeRoundTripsAndNamesItsFile() throws IOException {
        Random random = new Random(3);
        for (int n = 0; n < 300; n++) {
            byte[] data = new byte[random.nextInt(n < 100 ? 100 : 10_000)];
            random.nextBytes(data);
            byte[] encoded = uuEncode("Here it is:\r\n\r\n", "report 2024.pdf", data);
            for (String encoding : List.of("x-uuencode", "uuencode", "x-uue")) {
                assertThat(decode(encoded, encoding)).isEqualTo(data);
            }
            assertThat(TransferDecoding.damage(encoded, 0, encoded.length, "x-uuencode")).isNull();
            assertThat(TransferDecoding.uuencodeFileName(encoded, 0, encoded.length)).isEqualTo("report 2024.pdf");
        }
    }

    @Test
    void uuencodeSkipsDamagedLinesAndStopsAtEnd() throws IOException {
        byte[] clean = uuEncode("", "a.bin", ascii("0123456789".repeat(10)));
        String text = new String(clean, StandardCharsets.US_ASCII);
        String[] lines = text.split("\r\n");
        // line 1 (after begin) carries bytes 0-44: cut it short, and break a character of line 2 (bytes 45-89)
        lines[1] = lines[1].substring(0, 30);
        lines[2] = lines[2].substring(0, 10) + "\u007f" + lines[2].substring(11);
        byte[] damaged = (String.join("\r\n", lines) + "\r\ntrailing text after end\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new String(decode(damaged, "x-uuencode"), StandardCharsets.US_ASCII))
                .isEqualTo("0123456789".repeat(10).substring(90));
        assertThat(TransferDecoding.damage(damaged, 0, damaged.length, "x-uuencode"))
                .isEqualTo("uuencode: 2 damaged lines");
    }

    @Test
    void uuencodeWithoutBeginLineDecodesFromTheTop() throws IOException {
        byte[] clean = uuEncode("", "a.bin", ascii("hello uuencode"));
        String text = new String(clean, StandardCharsets.US_ASCII);
        byte[] headless = ascii(text.substring(text.indexOf("\r\n") + 2));
        assertThat(decode(headless, "x-uuencode")).isEqualTo(ascii("hello uuencode"));
        assertThat(TransferDecoding.damage(headless, 0, headless.length, "x-uuencode"))
                .isEqualTo("uuencode: no begin line");
        assertThat(TransferDecoding.uuencodeFileName(headless, 0, headless.length)).isNull();
        byte[] endless = ascii(text.substring(0, text.indexOf("`\r\nend")));
        assertThat(decode(endless, "x-uuencode")).isEqualTo(ascii("hello uuencode"));
        assertThat(TransferDecoding.damage(endless, 0, endless.length, "x-uuencode"))
                .isEqualTo("uuencode: no end line");
    }

    /** MIME-tools' sample: two uuencoded GIFs in a text body; the first one is the part's content. */
    @Test
    void uuencodedGifFromTheCorpus() throws IOException {
        byte[] body = body(corpusFile("james-mime4j/mimetools-testmsgs/uu-zeegee.eml"));
        assertThat(TransferDecoding.uuencodeFileName(body, 0, body.length)).isEqualTo("up.gif");
        byte[] gif = decode(body, "x-uuencode");
        assertThat(new String(gif, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF87a");
        assertThat(gif).hasSize(110); // 2 lines of 45 bytes and one of 20 ('4')
        assertThat(gif[gif.length - 1]).isEqualTo((byte) ';'); // a GIF's trailer
        assertThat(TransferDecoding.damage(body, 0, body.length, "x-uuencode")).isNull();
    }

    /** mikel-mail's x-uuencode attachment is empty: nothing to decode, nothing damaged. */
    @Test
    void emptyUuencodedAttachment() throws IOException {
        byte[] empty = ascii("\r\n");
        assertThat(decode(empty, "x-uuencode")).isEmpty();
        assertThat(TransferDecoding.damage(empty, 0, empty.length, "x-uuencode")).isNull();
    }

    // --- identity

    @Test
    void unknownAndIdentityEncodingsGiveTheBytesUnchanged() throws IOException {
        byte[] raw = ascii("=3D QUJD begin 644 x\r\n");
        for (String encoding : Arrays.asList(null, "7bit", "8bit", "binary", "7-bit", "8bits", "plain", "x-gzip64",
                "")) {
            InputStream in = new ByteArrayInputStream(raw);
            assertThat(TransferDecoding.decode(in, encoding)).isSameAs(in);
            assertThat(TransferDecoding.decode(raw, 0, raw.length, encoding)).isEqualTo(raw);
            assertThat(TransferDecoding.damage(raw, 0, raw.length, encoding)).isNull();
        }
    }

    // --- buffer edges

    @Test
    void trickledSourcesAndOneByteReadsDecodeAsOneBlockDoes() throws IOException {
        Random random = new Random(5);
        String[] alphabets = { "QUJD+/=\r\n *", "a=3D=\r\n \tF\r\n=", "M`!\"#$%&'()*+,-./0123456789:;<=>?@AB\r\n" };
        String[] encodings = { "base64", "quoted-printable", "x-uuencode" };
        for (int n = 0; n < 1_500; n++) {
            int k = n % 3;
            StringBuilder sb = new StringBuilder(k == 2 ? "begin 644 x\r\n" : "");
            int length = random.nextInt(300);
            for (int i = 0; i < length; i++) {
                sb.append(alphabets[k].charAt(random.nextInt(alphabets[k].length())));
            }
            byte[] raw = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] whole = decode(raw, encodings[k]);
            int chunk = 1 + random.nextInt(5);
            assertThat(decodeTrickling(raw, encodings[k], chunk)).as("%s in chunks of %d", sb, chunk).isEqualTo(whole);
            assertThat(decodeByteByByte(raw, encodings[k])).isEqualTo(whole);
        }
    }

    @Test
    void largeContentAcrossManyBlocks() throws IOException {
        Random random = new Random(9);
        byte[] data = new byte[300_000];
        random.nextBytes(data);
        byte[] base64 = Base64.getMimeEncoder().encode(data);
        assertThat(decodeTrickling(base64, "base64", 1000)).isEqualTo(data);
        byte[] qp = qpEncode(data, random);
        assertThat(decodeTrickling(qp, "quoted-printable", 777)).isEqualTo(data);
        byte[] uu = uuEncode("", "big", data);
        assertThat(decodeTrickling(uu, "x-uuencode", 333)).isEqualTo(data);
    }

    /**
     * Blanks are held back until it is known whether a line break follows; a run of them longer than half a block
     * (4 KiB) is decided early: kept inside a line, and possibly partly kept at a line's end. Nothing else is lost.
     */
    @Test
    void quotedPrintableBlankRunLongerThanABlock() throws IOException {
        String blanks = " ".repeat(20_000);
        assertThat(decodeText("a" + blanks + "b\r\n", "quoted-printable")).isEqualTo("a" + blanks + "b\r\n");
        assertThat(decodeText("a" + blanks + "\r\nb", "quoted-printable")).matches("a {0,20000}\r\nb");
    }

    // --- the corpus, against Angus

    /**
     * Every leaf part of every corpus mail: decoding never throws, and where the content is not damaged and Angus's
     * decoder can decode it, the bytes are Angus's.
     */
    @Test
    void corpusPartsDecodeAsAngusDecodesThem() throws Exception {
        Session session = Session.getInstance(new Properties());
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (Path file : SharedCorpus.mails()) {
            MimeMessage message;
            try (InputStream in = Files.newInputStream(file)) {
                message = new MimeMessage(session, in);
            }
            List<Part> leaves = new ArrayList<>();
            collectLeaves(message, leaves, 0);
            for (Part part : leaves) {
                String encoding;
                byte[] raw;
                try {
                    encoding = part instanceof MimeBodyPart p ? p.getEncoding() : ((MimeMessage) part).getEncoding();
                    raw = rawContent(part);
                } catch (Exception e) {
                    continue; // Angus cannot even read this part's header or content
                }
                byte[] ours = decode(raw, encoding);
                TransferDecoding.Kind kind = TransferDecoding.kind(encoding);
                if (kind != TransferDecoding.Kind.BASE64 && kind != TransferDecoding.Kind.QUOTED_PRINTABLE
                    || TransferDecoding.damage(raw, 0, raw.length, encoding) != null) {
                    continue;
                }
                byte[] angus;
                try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(raw), encoding)) {
                    angus = in.readAllBytes();
                } catch (Exception e) {
                    continue;
                }
                compared++;
                if (!Arrays.equals(ours, normalizeQp(angus, ours, kind))) {
                    differences.add(SharedCorpus.folder().relativize(file) + " " + encoding
                                    + ": first difference at byte " + Arrays.mismatch(ours, angus));
                }
            }
        }
        assertThat(differences).isEmpty();
        assertThat(compared).isGreaterThan(250);
    }

    /** Angus keeps quoted-printable's trailing blanks at the very end; RFC 2045 drops them as on any line. */
    private static byte[] normalizeQp(byte[] angus, byte[] ours, TransferDecoding.Kind kind) {
        if (kind != TransferDecoding.Kind.QUOTED_PRINTABLE || angus.length <= ours.length) {
            return angus;
        }
        for (int i = ours.length; i < angus.length; i++) {
            if (angus[i] != ' ' && angus[i] != '\t') {
                return angus;
            }
        }
        return Arrays.copyOf(angus, ours.length);
    }

    private static void collectLeaves(Part part, List<Part> leaves, int depth) throws Exception {
        Object content = null;
        if (depth < 20 && part.isMimeType("multipart/*")) {
            try {
                content = part.getContent();
            } catch (Exception e) {
                content = null;
            }
        }
        if (content instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                collectLeaves(multipart.getBodyPart(i), leaves, depth + 1);
            }
        } else {
            leaves.add(part);
        }
    }

    private static byte[] rawContent(Part part) throws Exception {
        try (InputStream in = part instanceof MimeBodyPart p ? p.getRawInputStream()
                : ((MimeMessage) part).getRawInputStream()) {
            return in.readAllBytes();
        }
    }

    /** Content Angus's decoder gives up on (it throws on the first read): what it holds, and why it is damaged. */
    @Test
    void corpusContentAngusCannotDecode() throws IOException {
        byte[] mail = corpusFile("mimekit/partial/rfc2046.eml");
        byte[] body = body(mail);
        assertThat(decode(body, "base64")).isNotEmpty();
        assertThat(TransferDecoding.damage(body, 0, body.length, "base64"))
                .isEqualTo("base64: 12 characters outside the alphabet");
    }

    /** HTML labelled quoted-printable but not encoded ({@code <meta name=Generator}): the '=' stay, and are reported. */
    @Test
    void corpusQuotedPrintableWithBareEqualsSigns() throws IOException {
        byte[] mail = corpusFile("mikel-mail/error_emails/content_transfer_encoding_with_semi_colon.eml");
        String text = new String(mail, StandardCharsets.ISO_8859_1);
        int start = text.indexOf("\r\n\r\n", text.indexOf("Content-Transfer-Encoding: quoted-printable;")) + 4;
        int end = text.indexOf("------26473166335893217", start);
        byte[] part = Arrays.copyOfRange(mail, start, end);
        assertThat(new String(decode(part, "quoted-printable;"), StandardCharsets.ISO_8859_1))
                .contains("<meta name=Generator content=\"Microsoft Word 11 (filtered medium)\">");
        assertThat(TransferDecoding.damage(part, 0, part.length, "quoted-printable;"))
                .startsWith("quoted-printable: ").endsWith(" '=' not followed by hex digits");
    }

    // --- helpers

    private static byte[] decode(byte[] raw, String encoding) {
        return TransferDecoding.decode(raw, 0, raw.length, encoding);
    }

    private static String decodeText(String raw, String encoding) {
        return new String(decode(raw.getBytes(StandardCharsets.ISO_8859_1), encoding), StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Quoted-printable as mailers write it, with random choices where they differ: hex case, CRLF or LF soft line
     * breaks, blanks after the soft break's '=', line breaks in the data written as line breaks or as =0D=0A.
     */
    private static byte[] qpEncode(byte[] data, Random random) {
        String lineBreak = random.nextBoolean() ? "\r\n" : "\n";
        boolean literalBreaks = lineBreak.equals("\r\n") && random.nextBoolean();
        String hex = random.nextBoolean() ? "0123456789ABCDEF" : "0123456789abcdef";
        StringBuilder sb = new StringBuilder();
        int column = 0;
        for (int i = 0; i < data.length; i++) {
            int b = data[i] & 0xFF;
            if (literalBreaks && b == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                sb.append("\r\n");
                column = 0;
                i++;
                continue;
            }
            boolean blank = b == ' ' || b == '\t';
            boolean beforeBreak = i + 1 == data.length
                                  || literalBreaks && i + 2 < data.length + 1 && data[i + 1] == '\r'
                                     && i + 2 < data.length && data[i + 2] == '\n';
            String piece = b >= 33 && b <= 126 && b != '=' || blank && !beforeBreak
                    ? String.valueOf((char) b)
                    : "=" + hex.charAt(b >> 4) + hex.charAt(b & 15);
            if (column + piece.length() > 75) {
                sb.append('=').append(random.nextInt(5) == 0 ? " \t" : "").append(lineBreak);
                column = 0;
            }
            sb.append(piece);
            column += piece.length();
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** uuencode with backquotes for zero (as current encoders write it), CRLF line breaks. */
    private static byte[] uuEncode(String preamble, String name, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii(preamble + "begin 644 " + name + "\r\n"));
        for (int start = 0; start < data.length; start += 45) {
            int n = Math.min(45, data.length - start);
            out.write(uuChar(n));
            for (int i = start; i < start + n; i += 3) {
                int group = (data[i] & 0xFF) << 16 | (i + 1 < start + n ? (data[i + 1] & 0xFF) << 8 : 0)
                            | (i + 2 < start + n ? data[i + 2] & 0xFF : 0);
                for (int shift = 18; shift >= 0; shift -= 6) {
                    out.write(uuChar(group >> shift & 0x3F));
                }
            }
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("`\r\nend\r\n"));
        return out.toByteArray();
    }

    private static int uuChar(int sixBits) {
        return sixBits == 0 ? '`' : sixBits + 0x20;
    }
}
