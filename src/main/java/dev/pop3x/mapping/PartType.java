package dev.pop3x.mapping;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;

/**
 * What a part's Content-Type says, read leniently: a header strict parsing rejects (Outlook's unquoted
 * {@code boundary=----=_NextPart...}, doubled semicolons, unquoted spaces) still gives its type and parameters, and a
 * type without a subtype gets the one a mail program would assume.
 *
 * @param mimeType lower-case "type/subtype"
 * @param charset  the charset parameter, or null
 * @param boundary the boundary parameter, or null
 * @param name     the name parameter (RFC 2231 decoded, RFC 2047 not yet), or null
 */
record PartType(String mimeType, String charset, String boundary, String name) {

    static final PartType TEXT_PLAIN = new PartType("text/plain", null, null, null);
    static final PartType MESSAGE_RFC822 = new PartType("message/rfc822", null, null, null);

    /** The type a Content-Type header value gives; the default when there is none or it names no type at all. */
    static PartType of(String header, PartType defaultType) {
        if (header == null) {
            return defaultType;
        }
        String value = MailHeaders.unfold(header).strip();
        SimpleParameters simple = SimpleParameters.parse(value);
        if (simple != null) {
            return new PartType(mimeType(simple.value(), simple.get("boundary"), defaultType), simple.get("charset"),
                    simple.get("boundary"), simple.get("name"));
        }
        try {
            ContentType parsed = new ContentType(value);
            return new PartType(parsed.getBaseType().toLowerCase(Locale.ROOT), parsed.getParameter("charset"),
                    parsed.getParameter("boundary"), parsed.getParameter("name"));
        } catch (ParseException | RuntimeException e) {
            String boundary = parameter(value, "boundary");
            String base = value.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            return new PartType(mimeType(base, boundary, defaultType), parameter(value, "charset"), boundary,
                    parameter(value, "name"));
        }
    }

    /** "type/subtype" as given, or with the subtype a mail program would assume when it is missing. */
    private static String mimeType(String base, String boundary, PartType defaultType) {
        int slash = base.indexOf('/');
        if (slash > 0 && slash < base.length() - 1 && base.indexOf(' ') < 0) {
            return base;
        }
        String type = slash > 0 ? base.substring(0, slash) : base;
        return switch (type) {
            case "text" -> "text/plain";
            case "multipart" -> boundary != null ? "multipart/mixed" : defaultType.mimeType();
            case "message" -> "message/rfc822";
            case "application", "image", "audio", "video", "font", "model" -> type + "/octet-stream";
            default -> defaultType.mimeType();
        };
    }

    /** A parameter picked out of a header that strict parsing rejected; null when absent or empty. */
    static String parameter(String header, String name) {
        Matcher m = Pattern.compile("(?i)(?:^|[;\\s])" + Pattern.quote(name) + "\\s*=\\s*(\"([^\"]*)\"?|[^;\\s]*)")
                .matcher(header);
        if (!m.find()) {
            return null;
        }
        String value = m.group(2) != null ? m.group(2) : m.group(1);
        return value.isEmpty() ? null : value;
    }
}
