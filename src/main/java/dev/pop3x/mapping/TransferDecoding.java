package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Content-Transfer-Encoding, decoded leniently: damaged content gives what can be decoded, never an exception, and
 * {@link #damage} says in one pass whether there was anything to forgive. Values that are not a known encoding
 * ("7-bit", "8bits", "plain") mean the bytes as they are.
 */
final class TransferDecoding {

    enum Kind {
        BASE64, QUOTED_PRINTABLE, UUENCODE, IDENTITY
    }

    private TransferDecoding() {
    }

    /** A streaming decoder of raw; it throws only what raw throws. */
    static InputStream decode(InputStream raw, String contentTransferEncoding) {
        return switch (kind(contentTransferEncoding)) {
            case BASE64 -> new Base64Decoder(raw);
            case QUOTED_PRINTABLE -> new QuotedPrintableDecoder(raw);
            case UUENCODE -> new UuDecoder(raw);
            case IDENTITY -> raw;
        };
    }

    /** The decoded bytes of b[from, to) (the mapping decodes identity-encoded text from b itself, without this). */
    static byte[] decode(byte[] b, int from, int to, String contentTransferEncoding) {
        try (InputStream in = decode(new ByteArrayInputStream(b, from, to - from), contentTransferEncoding)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /**
     * Null when b[from, to) decodes cleanly, else a short reason for a human (e.g. "base64: 3 characters outside
     * the alphabet"). One pass, no allocation that grows with the content.
     */
    static String damage(byte[] b, int from, int to, String contentTransferEncoding) {
        return switch (kind(contentTransferEncoding)) {
            case BASE64 -> Base64Decoder.damage(b, from, to);
            case QUOTED_PRINTABLE -> QuotedPrintableDecoder.damage(b, from, to);
            case UUENCODE -> UuDecoder.damage(b, from, to);
            case IDENTITY -> null;
        };
    }

    /** The file name of the first {@code begin <mode> <name>} line of uuencoded content, or null. */
    static String uuencodeFileName(byte[] b, int from, int to) {
        return UuDecoder.fileName(b, from, to);
    }

    /**
     * The encoding a header value names: case, quotes, spaces, and anything after a ';' ignored, and so are the
     * punctuation mailers vary ("quoted printable", "base-64").
     */
    static Kind kind(String contentTransferEncoding) {
        if (contentTransferEncoding == null) {
            return Kind.IDENTITY;
        }
        StringBuilder token = new StringBuilder(16);
        for (int i = 0; i < contentTransferEncoding.length() && token.length() < 32; i++) {
            char c = contentTransferEncoding.charAt(i);
            if (c == ';' || c == '(') {
                break; // parameters or a comment
            }
            if (Character.isLetterOrDigit(c)) {
                token.append(Character.toLowerCase(c));
            }
        }
        return switch (token.toString()) {
            case "base64" -> Kind.BASE64;
            case "quotedprintable" -> Kind.QUOTED_PRINTABLE;
            case "uuencode", "xuuencode", "xuue", "uue" -> Kind.UUENCODE;
            default -> Kind.IDENTITY;
        };
    }
}
