package dev.pop3x.examples.etl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Builds the test's invoice mails (RFC 822, CRLF) and small PDF-looking attachments. */
final class InvoiceMails {

    private InvoiceMails() {
    }

    /** An attachment: file name, content type, bytes. */
    record Part(String fileName, String contentType, byte[] bytes) {
    }

    static Part pdf(String fileName, int seed) {
        return new Part(fileName, "application/pdf", pdfBytes(seed));
    }

    /**
     * A small file that starts and ends like a PDF, with a binary comment (as real PDFs have) and a body of
     * {@code seed}-dependent size, so every attachment has other bytes and another size.
     */
    static byte[] pdfBytes(int seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("%PDF-1.4\n%".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {(byte) 0xE2, (byte) 0xE3, (byte) 0xCF, (byte) 0xD3, '\n'});
        out.writeBytes(("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                + "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                + "3 0 obj << /Length " + (100 + seed * 37) + " >> stream\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 100 + seed * 37; i++) {
            out.write((i * 31 + seed) & 0xFF); // every byte value, CR and LF included
        }
        out.writeBytes("\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** A multipart/mixed mail (a text part, then the attachments); {@code from == null} leaves out the From header. */
    static byte[] mail(String from, String subject, String text, Part... attachments) {
        StringBuilder m = new StringBuilder();
        if (from != null) {
            m.append("From: ").append(from).append("\r\n");
        }
        m.append("To: invoices@example.com\r\n");
        m.append("Subject: ").append(subject).append("\r\n");
        m.append("Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n");
        m.append("Message-ID: <").append(Math.abs(subject.hashCode())).append(".etl-test@example.com>\r\n");
        m.append("MIME-Version: 1.0\r\n");
        String boundary = "=_etl_boundary_42";
        m.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=UTF-8\r\n\r\n").append(text).append("\r\n");
        for (Part a : attachments) {
            m.append("--").append(boundary).append("\r\n");
            m.append("Content-Type: ").append(a.contentType()).append("; name=\"").append(a.fileName()).append("\"\r\n");
            m.append("Content-Disposition: attachment; filename=\"").append(a.fileName()).append("\"\r\n");
            m.append("Content-Transfer-Encoding: base64\r\n\r\n");
            for (String line : base64Lines(a.bytes())) {
                m.append(line).append("\r\n");
            }
        }
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> base64Lines(byte[] bytes) {
        String all = Base64.getEncoder().encodeToString(bytes);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < all.length(); i += 76) {
            lines.add(all.substring(i, Math.min(all.length(), i + 76)));
        }
        return lines;
    }
}
