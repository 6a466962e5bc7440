package dev.pop3x.mapping;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import jakarta.mail.internet.MimeUtility;

// INTERIM STUB (lead): replaced by the helper's class
final class Charsets {
    private Charsets() {
    }

    static Charset lookup(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        try {
            return Charset.forName(MimeUtility.javaCharset(name.trim()));
        } catch (Exception e) {
            return null;
        }
    }

    static String decode(byte[] b, int off, int len, String declared) {
        byte[] bytes = Arrays.copyOfRange(b, off, off + len);
        Charset charset = lookup(declared);
        if (charset == null || charset.equals(StandardCharsets.US_ASCII)) {
            String utf8 = MailText.strictUtf8(bytes);
            return utf8 != null ? utf8 : new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return new String(bytes, charset);
    }

    static String headerBytes(String latin1) {
        boolean high = false;
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c > 0xFF) {
                return latin1;
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return latin1;
        }
        String utf8 = MailText.strictUtf8(latin1.getBytes(StandardCharsets.ISO_8859_1));
        return utf8 != null ? utf8 : latin1;
    }
}
