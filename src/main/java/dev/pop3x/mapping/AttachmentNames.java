package dev.pop3x.mapping;

import java.io.ByteArrayOutputStream;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;

/** Attachment file names: decoded from the part, made safe to use as a file name, and unique within one mail. */
final class AttachmentNames {

    private static final int MAX_NAME_LENGTH = 255;
    private static final Pattern PARAM = Pattern.compile(
            "(?i)(?:^|;)\\s*(filename|name)(\\*)?\\s*=\\s*(\"([^\"]*)\"?|[^;]*)");

    private AttachmentNames() {
    }

    /**
     * The decoded file name: Content-Disposition's filename, else Content-Type's name (RFC 2231 through Jakarta Mail's
     * parameter parser, RFC 2047 and raw 8-bit here), or null.
     */
    static String fileNameOf(MailPart part) {
        String name;
        try {
            name = strictFileName(part);
        } catch (ParseException | RuntimeException e) {
            name = lenientFileName(part); // e.g. unquoted spaces, which strict parameter parsing rejects
        }
        if (name == null || name.isBlank()) {
            return null;
        }
        return EncodedWords.decode(Charsets.headerBytes(MailHeaders.unfold(name)));
    }

    private static String strictFileName(MailPart part) throws ParseException {
        String disposition = part.header("Content-Disposition");
        if (disposition != null) {
            String value = MailHeaders.unfold(disposition);
            SimpleParameters simple = SimpleParameters.parse(value);
            String name = simple != null ? simple.get("filename")
                    : new ContentDisposition(value).getParameter("filename");
            if (name != null) {
                return name;
            }
        }
        String type = part.header("Content-Type");
        if (type == null) {
            return null;
        }
        String value = MailHeaders.unfold(type);
        SimpleParameters simple = SimpleParameters.parse(value);
        return simple != null ? simple.get("name") : new ContentType(value).getParameter("name");
    }

    /** "logo.png" for an inline part known only as {@code Content-ID: <logo@example.com>}; null without one. */
    static String fromContentId(MailPart part) {
        String id = part.header("Content-ID");
        if (id == null) {
            return null;
        }
        id = MailHeaders.withoutControls(MailHeaders.unfold(id)).strip();
        if (id.startsWith("<")) {
            id = id.substring(1);
        }
        if (id.endsWith(">")) {
            id = id.substring(0, id.length() - 1);
        }
        int at = id.indexOf('@');
        String local = (at > 0 ? id.substring(0, at) : id).strip();
        if (local.isEmpty()) {
            return null;
        }
        return local.indexOf('.') > 0 ? local : local + extensionFor(part.mimeType());
    }

    /** ".png" for image/png, ".jpg" for image/jpeg, ".txt" for text/plain; "" when the subtype says nothing useful. */
    static String extensionFor(String mimeType) {
        int slash = mimeType.indexOf('/');
        String subtype = slash < 0 ? "" : mimeType.substring(slash + 1);
        switch (subtype) {
            case "jpeg":
                return ".jpg";
            case "plain":
                return ".txt";
            default:
                return subtype.matches("[a-z0-9]{1,5}") ? "." + subtype : "";
        }
    }

    private static String lenientFileName(MailPart part) {
        for (String headerName : new String[] { "Content-Disposition", "Content-Type" }) {
            String header = part.header(headerName);
            if (header == null) {
                continue;
            }
            Matcher m = PARAM.matcher(MailHeaders.unfold(header));
            while (m.find()) {
                String value = m.group(4) != null ? m.group(4) : m.group(3).trim();
                if (m.group(2) != null) {
                    value = decodeRfc2231(value);
                }
                if (!value.isEmpty()) {
                    return value;
                }
            }
        }
        return null;
    }

    /** charset'lang'percent-encoded, the fallback when Angus's own parameter parser gave up on the header. */
    private static String decodeRfc2231(String value) {
        int first = value.indexOf('\'');
        int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
        if (second < 0) {
            return value;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String encoded = value.substring(second + 1);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && isHex(encoded, i + 1) && isHex(encoded, i + 2)) {
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        byte[] decoded = bytes.toByteArray();
        return Charsets.decode(decoded, 0, decoded.length, value.substring(0, first));
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
    }

    /**
     * A name that is safe to use as a file name: no path separators or control characters, no leading "..",
     * not empty, not absurdly long.
     */
    static String sanitize(String name, int index) {
        if (name == null) {
            name = "";
        }
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c == '/' || c == '\\' || Character.isISOControl(c) ? '_' : c);
        }
        String safe = sb.toString().strip();
        int dots = 0;
        while (dots < safe.length() && safe.charAt(dots) == '.') {
            dots++;
        }
        if (dots >= 2 || dots == safe.length() && dots > 0) {
            safe = "_".repeat(dots) + safe.substring(dots);
        }
        if (safe.isEmpty()) {
            return "attachment-" + index;
        }
        return truncate(safe);
    }

    private static String truncate(String name) {
        if (name.length() <= MAX_NAME_LENGTH) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
        return name.substring(0, MAX_NAME_LENGTH - ext.length()) + ext;
    }

    /** "a.pdf", then "a (2).pdf", "a (3).pdf", ... */
    static String unique(String name, Set<String> used) {
        if (used.add(name)) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int i = 2;; i++) {
            String candidate = base + " (" + i + ")" + ext;
            if (used.add(candidate)) {
                return candidate;
            }
        }
    }
}
