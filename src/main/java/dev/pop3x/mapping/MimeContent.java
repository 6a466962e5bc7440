package dev.pop3x.mapping;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimePartDataSource;
import jakarta.mail.internet.ParseException;

/** A mail's body text and its named attachment parts, found by walking the MIME tree. */
record MimeContent(String body, List<NamedPart> attachments) {

    /** Deeper nesting than this is treated as a broken (or hostile) mail rather than recursed into. */
    static final int MAX_DEPTH = 64;

    record NamedPart(String name, Part part) {
    }

    /** What the walk collects: the body candidates and the attachment parts, in order. */
    private static final class Found {
        Part plain;
        Part html;
        final List<Part> attachmentParts = new ArrayList<>();
    }

    static MimeContent of(MimeMessage mime) throws MessagingException, IOException {
        Found found = new Found();
        walk(mime, found, 0);
        Part bodyPart = found.plain != null ? found.plain : found.html;
        String body = bodyPart == null ? "" : MailText.of(bodyPart);
        List<NamedPart> attachments = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Part part : found.attachmentParts) {
            String name = AttachmentNames.fileNameOf(part);
            if (name == null && isMessage(part)) {
                name = defaultMessageName(part);
            }
            if (name == null) {
                name = AttachmentNames.fromContentId(part, mimeType(part));
            }
            if (name == null) {
                name = "attachment-" + (attachments.size() + 1) + AttachmentNames.extensionFor(mimeType(part));
            }
            name = AttachmentNames.sanitize(name, attachments.size() + 1);
            attachments.add(new NamedPart(AttachmentNames.unique(name, used), part));
        }
        return new MimeContent(body, attachments);
    }

    /** Depth-first: the first text/plain (else text/html) that is not an attachment is the body. */
    private static void walk(Part part, Found found, int depth) throws MessagingException, IOException {
        if (depth > MAX_DEPTH) {
            throw new MessagingException("MIME parts nested deeper than " + MAX_DEPTH);
        }
        String type = mimeType(part);
        if (type.startsWith("multipart/")) {
            MimeMultipart multipart = multipartOf((MimePart) part, type);
            for (int i = 0; i < multipart.getCount(); i++) {
                walk(multipart.getBodyPart(i), found, depth + 1);
            }
            if (multipart.getCount() == 0 && found.plain == null) {
                found.plain = part; // no parts (no start boundary): what text there is, is what a person reads
            }
            return;
        }
        if (isMessage(part) || isAttachment(part)) {
            found.attachmentParts.add(part);
        } else if (type.equals("text/plain") || depth == 0 && type.startsWith("text/")) {
            if (found.plain == null) {
                found.plain = part;
            }
        } else if (type.equals("text/html")) {
            if (found.html == null) {
                found.html = part;
            }
        } else if (!type.startsWith("text/")) {
            found.attachmentParts.add(part); // e.g. an inline image known only by its Content-ID: still the mail's
        }
    }

    /**
     * Parses on the part's own data source, so parts stay on the shared buffer/file and no mailcap lookup is needed.
     * A Content-Type strict parsing rejects (Outlook's unquoted {@code boundary=----=_NextPart...}, doubled
     * semicolons) is retried with the boundary picked out leniently: what mail.mime.parameters.strict=false would
     * do, without changing a JVM-wide System property.
     */
    private static MimeMultipart multipartOf(MimePart part, String type) throws MessagingException {
        MimePartDataSource source = new MimePartDataSource(part);
        String header = part.getContentType();
        try {
            new ContentType(header);
            return new LenientMultipart(source);
        } catch (ParseException e) {
            String boundary = lenientParameter(header, "boundary");
            // without any boundary parameter the parser takes the first "--" line as the boundary
            String repaired = boundary == null ? type
                    : type + "; boundary=\"" + boundary.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            return new LenientMultipart(new RetypedDataSource(source, repaired));
        }
    }

    private static String lenientParameter(String header, String name) {
        Matcher m = Pattern.compile("(?i)(?:^|[;\\s])" + Pattern.quote(name) + "\\s*=\\s*(\"([^\"]*)\"?|[^;\\s]*)")
                .matcher(MailHeaders.unfold(header));
        if (!m.find()) {
            return null;
        }
        String value = m.group(2) != null ? m.group(2) : m.group(1);
        return value.isEmpty() ? null : value;
    }

    /** Every message/* part is kept as an attachment: forwarded mail, fragments (partial), bounce reports. */
    private static boolean isMessage(Part part) {
        return mimeType(part).startsWith("message/");
    }

    /** Name for a message/* part that has none: message.eml for whole messages, else after the subtype. */
    private static String defaultMessageName(Part part) {
        String subtype = mimeType(part).substring("message/".length());
        switch (subtype) {
            case "rfc822", "global":
                return "message.eml";
            case "partial":
                return "message-partial.eml";
            default:
                return subtype + ".txt";
        }
    }

    private static boolean isAttachment(Part part) {
        return "attachment".equals(dispositionOf(part)) || AttachmentNames.fileNameOf(part) != null;
    }

    /** Lower-case "type/subtype"; a header Jakarta Mail cannot parse is cut at the first ';' instead. */
    private static String mimeType(Part part) {
        String header;
        try {
            header = part.getContentType();
        } catch (MessagingException e) {
            return "text/plain";
        }
        if (header == null) {
            return "text/plain";
        }
        try {
            return new ContentType(header).getBaseType().toLowerCase(Locale.ROOT);
        } catch (Exception e) {
            String base = header.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return base.indexOf('/') > 0 ? base : "text/plain";
        }
    }

    private static String dispositionOf(Part part) {
        try {
            String disposition = part.getDisposition();
            return disposition == null ? null : disposition.toLowerCase(Locale.ROOT);
        } catch (Exception e) {
            String header = MailHeaders.firstHeader(part, "Content-Disposition");
            return header == null ? null : header.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        }
    }
}
