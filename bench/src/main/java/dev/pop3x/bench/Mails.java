package dev.pop3x.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

/** Deterministic test mails, CRLF line ends, no line starting with a dot. */
final class Mails {

    private Mails() {
    }

    private static String header(int i, String subject, String contentType) {
        return "Return-Path: <sender@example.org>\r\n"
               + "From: Sender <sender@example.org>\r\n"
               + "To: Alice <alice@example.org>\r\n"
               + "Subject: " + subject + " " + i + "\r\n"
               + "Date: Mon, 4 May 2026 10:00:00 +0000\r\n"
               + "Message-ID: <bench-" + i + "-" + subject.replace(' ', '-') + "@example.org>\r\n"
               + "MIME-Version: 1.0\r\n"
               + "Content-Type: " + contentType + "\r\n";
    }

    /** A plain text mail of exactly size octets (size must exceed the header, ~330 octets). */
    static byte[] text(int i, int size) {
        StringBuilder sb = new StringBuilder(size + 100);
        sb.append(header(i, "small mail", "text/plain; charset=us-ascii")).append("\r\n");
        Random r = new Random(i);
        while (sb.length() < size - 2) {
            int len = Math.min(72, size - 2 - sb.length());
            for (int k = 0; k < len; k++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            sb.append("\r\n");
        }
        // the loop above may end two octets short of size at most: pad the last line
        while (sb.length() < size) {
            sb.insert(sb.length() - 2, 'z');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A multipart/mixed mail of about size octets: a short text part and a base64 binary attachment. */
    static byte[] withAttachment(int i, int size) {
        byte[] data = new byte[attachmentSize(size)];
        new Random(i).nextBytes(data);
        String b64 = Base64.getMimeEncoder().encodeToString(data);
        String boundary = "=_bench_" + i;
        String mail = header(i, "report with attachment", "multipart/mixed; boundary=\"" + boundary + "\"") + "\r\n"
                      + "This is a multi-part message in MIME format.\r\n"
                      + "--" + boundary + "\r\n"
                      + "Content-Type: text/plain; charset=utf-8\r\n"
                      + "Content-Transfer-Encoding: 7bit\r\n\r\n"
                      + "Please find the report attached.\r\n\r\n"
                      + "--" + boundary + "\r\n"
                      + "Content-Type: application/octet-stream; name=\"report-" + i + ".bin\"\r\n"
                      + "Content-Transfer-Encoding: base64\r\n"
                      + "Content-Disposition: attachment; filename=\"report-" + i + ".bin\"\r\n\r\n"
                      + b64 + "\r\n"
                      + "--" + boundary + "--\r\n";
        return mail.getBytes(StandardCharsets.US_ASCII);
    }

    /** The decoded size of the attachment in {@link #withAttachment}'s mail of about size octets. */
    static int attachmentSize(int size) {
        int raw = (int) ((size - 1200) * 0.74);   // base64 with CRLF every 76 chars: 4/3 * 78/76
        return Math.max(raw, 1);
    }

    /**
     * Writes one big mail (multipart, base64 attachment) of about size octets to file, streaming; returns the SHA-256
     * (hex) of the file, which is what RETR serves for a CRLF file.
     */
    static String big(Path file, long size) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        String boundary = "=_bench_big";
        try (OutputStream out = new java.security.DigestOutputStream(
                new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), digest)) {
            String head = header(0, "big mail", "multipart/mixed; boundary=\"" + boundary + "\"") + "\r\n"
                          + "--" + boundary + "\r\n"
                          + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                          + "A big attachment follows.\r\n\r\n"
                          + "--" + boundary + "\r\n"
                          + "Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
                          + "Content-Transfer-Encoding: base64\r\n"
                          + "Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n";
            String tail = "--" + boundary + "--\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            long written = head.length();
            Random r = new Random(42);
            byte[] chunk = new byte[57];                   // 57 octets = one 76-char base64 line
            Base64.Encoder enc = Base64.getEncoder();
            while (written + 78 + tail.length() <= size) {
                r.nextBytes(chunk);
                out.write(enc.encode(chunk));
                out.write('\r');
                out.write('\n');
                written += 78;
            }
            out.write(tail.getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
