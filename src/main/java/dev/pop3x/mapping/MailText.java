package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;

/**
 * Turns a text part's bytes into a String leniently: a missing or unknown charset, an unknown transfer encoding or
 * broken base64 still gives the best text there is instead of an error.
 */
final class MailText {

    private static final Set<String> KNOWN_ENCODINGS = Set.of(
            "7bit", "8bit", "binary", "base64", "quoted-printable", "uuencode", "x-uuencode", "x-uue");

    private MailText() {
    }

    static String of(Part part) throws MessagingException, IOException {
        return decodeText(contentBytes(part), charsetOf(part));
    }

    private static byte[] contentBytes(Part part) throws MessagingException, IOException {
        if (hasUnknownEncoding(part)) {
            return rawBytes(part); // e.g. "7-bit", "8bits", "plain": the undecoded text beats no text
        }
        InputStream decoded;
        try {
            decoded = part.getInputStream();
        } catch (MessagingException e) {
            return rawBytes(part); // unknown Content-Transfer-Encoding: the undecoded text beats no text
        }
        try (InputStream in = decoded) {
            return in.readAllBytes();
        } catch (IOException e) {
            if (!"base64".equalsIgnoreCase(transferEncoding(part))) {
                throw e;
            }
            return lenientBase64(rawBytes(part)); // Angus stops at the first bad base64 character
        }
    }

    private static byte[] rawBytes(Part part) throws MessagingException, IOException {
        InputStream raw;
        if (part instanceof MimeBodyPart bodyPart) {
            raw = bodyPart.getRawInputStream();
        } else if (part instanceof MimeMessage message) {
            raw = message.getRawInputStream();
        } else {
            throw new MessagingException("no raw content for " + part.getClass().getName());
        }
        try (InputStream in = raw) {
            return in.readAllBytes();
        }
    }

    /** A Content-Transfer-Encoding Angus cannot decode: it would fail on the first read. */
    static boolean hasUnknownEncoding(Part part) {
        String encoding;
        try {
            encoding = part instanceof MimePart mimePart ? mimePart.getEncoding() : null;
        } catch (Exception e) {
            return false;
        }
        return encoding != null && !KNOWN_ENCODINGS.contains(encoding.trim().toLowerCase(Locale.ROOT));
    }

    private static String transferEncoding(Part part) {
        String value = MailHeaders.firstHeader(part, "Content-Transfer-Encoding");
        return value == null ? null : value.trim();
    }

    /** Decodes what can be decoded: characters outside the alphabet are skipped, a dangling tail dropped. */
    private static byte[] lenientBase64(byte[] raw) {
        StringBuilder clean = new StringBuilder(raw.length);
        for (byte b : raw) {
            char c = (char) (b & 0xFF);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
                clean.append(c);
            }
        }
        if (clean.length() % 4 == 1) {
            clean.setLength(clean.length() - 1); // one leftover character carries no whole byte
        }
        while (clean.length() % 4 != 0) {
            clean.append('=');
        }
        return Base64.getDecoder().decode(clean.toString());
    }

    private static String charsetOf(Part part) {
        try {
            String header = part.getContentType();
            return header == null ? null : new ContentType(header).getParameter("charset");
        } catch (Exception e) {
            String header = MailHeaders.firstHeader(part, "Content-Type");
            if (header == null) {
                return null;
            }
            Matcher m = Pattern.compile("(?i)charset\\s*=\\s*\"?([^\";\\s]+)").matcher(header);
            return m.find() ? m.group(1) : null;
        }
    }

    /**
     * Decodes with the declared charset; when it is missing, US-ASCII or unknown to Java, as UTF-8 if the bytes are
     * valid UTF-8, else ISO-8859-1. Never throws for a charset.
     */
    static String decodeText(byte[] bytes, String charsetName) {
        Charset charset = lookup(charsetName);
        if (charset == null || charset.equals(StandardCharsets.US_ASCII)) {
            String utf8 = strictUtf8(bytes);
            return utf8 != null ? utf8 : new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return new String(bytes, charset); // malformed input becomes U+FFFD
    }

    private static Charset lookup(String charsetName) {
        if (charsetName == null || charsetName.isBlank()) {
            return null;
        }
        try {
            return Charset.forName(MimeUtility.javaCharset(charsetName.trim()));
        } catch (Exception e) {
            return null;
        }
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8. */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
