package dev.pop3x.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Generates the hostile mails of issue #5, each under a stable name. Every mail that has a header block carries
 * {@code Subject: hostile <name>} so a route test can tell them apart; some also carry forged Camel/steering headers.
 */
public final class HostileMessages {

    /** One hostile mail: its name and exact bytes. */
    public record Hostile(String name, byte[] bytes) {
        public String subject() {
            return "hostile " + name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Headers no mail may turn into Camel headers (or anything that steers the consumer). */
    public static final List<String> FORGED_HEADERS = List.of(
            "CamelFileName: /etc/passwd",
            "camelPop3xUid: x",
            "CAMELPOP3XMAPPINGERROR: none",
            "CamelPop3xDecodingDamage: none",
            "DELETE: true",
            "copyTo: Trash",
            "MoveTo: Trash");

    public static final int DEEP_NESTING = 10_000;
    public static final int LONG_LINE = 1024 * 1024;

    private HostileMessages() {
    }

    public static List<Hostile> all() {
        List<Hostile> all = new ArrayList<>();
        all.add(new Hostile("no-message-id", crlf(head("no-message-id", false), "", "no id here")));
        all.add(new Hostile("duplicate-message-id-a", crlf(head("duplicate-message-id-a", false),
                "Message-ID: <same@example.com>", "", "first of two")));
        all.add(new Hostile("duplicate-message-id-b", crlf(head("duplicate-message-id-b", false),
                "Message-ID: <same@example.com>", "", "second of two")));
        all.add(new Hostile("message-id-twice", crlf(head("message-id-twice", false),
                "Message-ID: <one@example.com>", "Message-ID: <two@example.com>", "", "two ids")));
        all.add(new Hostile("raw-utf8-headers", crlf(
                "From: J\u00fcrgen <juergen@example.com>", "Subject: hostile raw-utf8-headers \u20ac",
                "To: b\u00e9a@example.com", "Content-Type: text/plain; charset=utf-8", "", "gr\u00fc\u00dfe")));
        all.add(new Hostile("raw-latin1-headers", concat(
                "From: x@example.com\r\nSubject: hostile raw-latin1-headers ".getBytes(StandardCharsets.US_ASCII),
                "caf\u00e9\r\n\r\ncaf\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1))));
        all.add(new Hostile("unknown-charset", crlf(head("unknown-charset", true),
                "Content-Type: text/plain; charset=x-no-such-charset", "", "plain words")));
        all.add(new Hostile("broken-base64", crlf(head("broken-base64", false),
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
                "aGVsbG8g!!d29y*bGQ=", "###")));
        all.add(new Hostile("broken-quoted-printable", crlf(head("broken-quoted-printable", false),
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
                "caf=C3=A9 =ZZ broken =", "end=")));
        all.add(new Hostile("nested-10000-deep", nested(DEEP_NESTING)));
        all.add(new Hostile("empty-multipart", crlf(head("empty-multipart", false),
                "Content-Type: multipart/mixed; boundary=sep", "")));
        all.add(new Hostile("multipart-no-start-boundary", crlf(head("multipart-no-start-boundary", false),
                "Content-Type: multipart/mixed; boundary=sep", "", "just text, no parts at all")));
        all.add(new Hostile("missing-closing-boundary", crlf(head("missing-closing-boundary", false),
                "Content-Type: multipart/mixed; boundary=sep", "", "--sep", "Content-Type: text/plain", "",
                "the text", "--sep", "Content-Type: application/pdf",
                "Content-Disposition: attachment; filename=cut.pdf", "Content-Transfer-Encoding: base64", "",
                base64("%PDF-1.4 cut"))));
        all.add(new Hostile("bare-lf", bytes(String.join("\n", head("bare-lf", true), "Content-Type: text/plain",
                "", "line one", "line two") + "\n")));
        all.add(new Hostile("bare-cr", bytes(String.join("\r", head("bare-cr", false), "Content-Type: text/plain",
                "", "line one", "line two") + "\r")));
        all.add(new Hostile("multipart-bare-lf", bytes(String.join("\n", head("multipart-bare-lf", false),
                "Content-Type: multipart/mixed; boundary=sep", "", "--sep", "Content-Type: text/plain", "", "lf text",
                "--sep", "Content-Type: text/plain", "Content-Disposition: attachment; filename=lf.txt", "",
                "lf file", "--sep--") + "\n")));
        all.add(new Hostile("one-mb-body-line", crlf(head("one-mb-body-line", false), "Content-Type: text/plain",
                "", "x".repeat(LONG_LINE))));
        all.add(new Hostile("one-mb-header-line", crlf(head("one-mb-header-line", false),
                "X-Long: " + "y".repeat(LONG_LINE), "", "after the long header")));
        all.add(new Hostile("nul-bytes", crlf(head("nul-bytes", true), "X-Nul: a\0b",
                "Content-Type: text/plain", "", "before\0after")));
        all.add(new Hostile("header-without-colon", crlf(head("header-without-colon", true),
                "this line has no colon", "X-After: still read", "", "body after a bad header")));
        all.add(new Hostile("broken-encoded-words", crlf(
                "From: =?utf-8?B?not base64!?= <x@example.com>",
                "Subject: hostile broken-encoded-words =?x-unknown?Q?abc?= =?utf-8?Q?caf=C3=A9",
                "X-Injected: =?utf-8?Q?a=0D=0ABcc:_victim@example.com?=", "", "body")));
        all.add(new Hostile("zero-length", new byte[0]));
        all.add(new Hostile("headers-only", bytes(String.join("\r\n", head("headers-only", true), "X-Last: no body")
                                                  + "\r\n")));
        all.add(new Hostile("headers-only-no-final-newline", bytes(head("headers-only-no-final-newline", false))));
        all.add(new Hostile("attachment-names", attachmentNames()));
        all.add(new Hostile("inline-parts", inlineParts()));
        all.add(new Hostile("forwarded-message", crlf(head("forwarded-message", true),
                "Content-Type: multipart/mixed; boundary=sep", "", "--sep", "Content-Type: text/plain", "",
                "see forwarded", "--sep", "Content-Type: message/rfc822", "", "Subject: inner",
                "CamelFileName: inner-forged", "", "inner body", "--sep--")));
        return all;
    }

    /** The named hostile mail. */
    public static Hostile named(String name) {
        return all().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    /** From/To/Subject; with forged headers when asked. */
    private static String head(String name, boolean forged) {
        List<String> lines = new ArrayList<>(List.of("From: sender@example.com", "To: alice@example.com",
                "Subject: hostile " + name));
        if (forged) {
            lines.addAll(FORGED_HEADERS);
        }
        return String.join("\r\n", lines);
    }

    private static byte[] nested(int depth) {
        StringBuilder sb = new StringBuilder(head("nested-" + depth + "-deep", true)).append("\r\n");
        for (int i = 0; i < depth; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        sb.append("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            sb.append("--b").append(i).append("--\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] attachmentNames() {
        return crlf(head("attachment-names", true),
                "Content-Type: multipart/mixed; boundary=\"sep\"", "", "--sep",
                "Content-Type: text/plain; charset=utf-8", "", "four files", "--sep",
                "Content-Type: text/plain; name=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"",
                "Content-Disposition: attachment; filename=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"", "", "rfc2047", "--sep",
                "Content-Type: text/csv", "Content-Disposition: attachment;", " filename*=UTF-8''%E2%82%AC%20rates.csv",
                "", "rfc2231", "--sep",
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=\"../../etc/passwd\"",
                "", "traversal", "--sep",
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=\"../../etc/passwd\"",
                "", "traversal twice", "--sep--");
    }

    private static byte[] inlineParts() {
        return crlf(head("inline-parts", false),
                "Content-Type: multipart/related; boundary=rel", "", "--rel",
                "Content-Type: multipart/alternative; boundary=alt", "", "--alt",
                "Content-Type: text/plain; charset=utf-8", "", "plain version", "--alt",
                "Content-Type: text/html; charset=utf-8", "", "<p>html <img src=\"cid:logo@example.com\"></p>",
                "--alt--", "--rel",
                "Content-Type: image/png", "Content-ID: <logo@example.com>", "Content-Transfer-Encoding: base64", "",
                base64("PNG logo"), "--rel",
                "Content-Type: image/jpeg", "Content-Disposition: inline; filename=photo.jpg",
                "Content-Transfer-Encoding: base64", "", base64("JPEG photo"), "--rel",
                "Content-Type: image/gif", "Content-Transfer-Encoding: base64", "", base64("GIF anonymous"),
                "--rel--");
    }

    private static byte[] crlf(String... lines) {
        return bytes(String.join("\r\n", lines) + "\r\n");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static String base64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
