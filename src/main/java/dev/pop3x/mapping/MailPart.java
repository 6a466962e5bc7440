package dev.pop3x.mapping;

import java.util.List;
import java.util.Locale;

import jakarta.mail.Header;

/**
 * One MIME entity of a mail, as {@link MimeParser} found it: its header fields (values as read, byte per char, with
 * their folding) and where its content lies in the mail's bytes. Nothing is decoded here.
 *
 * @param headers      the entity's header fields in order
 * @param contentStart the first byte of the content
 * @param contentEnd   the end (exclusive) of the content; for a part of a multipart, the line break before the next
 *                     boundary is not content (RFC 2046 §5.1.1)
 * @param type         the lower-case media type "type/subtype", defaulted as RFC 2045/2046 say
 * @param children     the parts of a multipart, in order; empty otherwise
 */
record MailPart(List<Header> headers, long contentStart, long contentEnd, PartType type, List<MailPart> children) {

    /** The first value of a header field (case-insensitive name), or null. */
    String header(String name) {
        for (Header header : headers) {
            if (header.getName().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    String mimeType() {
        return type.mimeType();
    }

    boolean isMultipart() {
        return type.mimeType().startsWith("multipart/");
    }

    boolean isMessage() {
        return type.mimeType().startsWith("message/");
    }

    /** The Content-Transfer-Encoding, lower case and trimmed, or null. */
    String transferEncoding() {
        String value = header("Content-Transfer-Encoding");
        return value == null ? null : MailHeaders.unfold(value).strip().toLowerCase(Locale.ROOT);
    }
}
