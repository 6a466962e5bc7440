package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.mail.internet.ContentDisposition;

/**
 * A mail's body text and its named attachment parts, found by walking the MIME tree.
 *
 * @param damage what could not be decoded cleanly ("invoice.pdf: base64 ..."), one entry per damaged part
 */
record MimeContent(String body, List<NamedPart> attachments, List<String> damage) {

    record NamedPart(String name, MailPart part) {
    }

    /** What the walk collects: the body candidates and the attachment parts, in order. */
    private static final class Found {
        MailPart plain;
        MailPart html;
        final List<Attached> attachmentParts = new ArrayList<>();
    }

    /** An attachment part and its decoded file name (null when it has none), read once. */
    private record Attached(MailPart part, String fileName) {
    }

    /** Attached mails inside attached mails are opened this deep, no deeper. */
    private static final int MAX_ATTACHED_MESSAGE_DEPTH = 8;

    /**
     * @param attachedMessageParts also offer the attachments inside attached mails (message/rfc822), after the
     *                             attached mail itself
     */
    static MimeContent of(MailPart mail, MailBytes bytes, boolean attachedMessageParts) throws IOException {
        Found found = new Found();
        walk(mail, found, 0);
        List<Attached> attachmentParts = attachedMessageParts
                ? withAttachedMessageParts(found.attachmentParts, bytes, 0) : found.attachmentParts;
        MailPart bodyPart = found.plain != null ? found.plain : found.html;
        List<String> damage = new ArrayList<>();
        String body = "";
        if (bodyPart != null) {
            body = MailText.of(bodyPart, bytes);
            addDamage(damage, "body", bodyPart, bytes);
        }
        List<NamedPart> attachments = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Attached attached : attachmentParts) {
            MailPart part = attached.part();
            String name = attached.fileName();
            if (name == null && part.isMessage()) {
                name = defaultMessageName(part);
            }
            if (name == null) {
                name = AttachmentNames.fromContentId(part);
            }
            if (name == null && isUuencoded(part)) {
                name = uuencodeFileName(part, bytes);
            }
            if (name == null) {
                name = "attachment-" + (attachments.size() + 1) + AttachmentNames.extensionFor(part.mimeType());
            }
            name = AttachmentNames.unique(AttachmentNames.sanitize(name, attachments.size() + 1), used);
            attachments.add(new NamedPart(name, part));
            addDamage(damage, name, part, bytes);
        }
        return new MimeContent(body, attachments, damage);
    }

    private static List<Attached> withAttachedMessageParts(List<Attached> parts, MailBytes bytes, int depth) {
        List<Attached> all = new ArrayList<>();
        for (Attached attached : parts) {
            all.add(attached);
            if (depth < MAX_ATTACHED_MESSAGE_DEPTH && isWholeMessage(attached.part())) {
                Found inner = new Found();
                try {
                    walk(MimeParser.parseAttachedMessage(bytes, attached.part()), inner, 1);
                } catch (MalformedMailException e) {
                    continue; // the attached mail itself is still there, as it is
                }
                all.addAll(withAttachedMessageParts(inner.attachmentParts, bytes, depth + 1));
            }
        }
        return all;
    }

    /** An attached mail whose bytes are the mail itself (not base64 or quoted-printable encoded). */
    private static boolean isWholeMessage(MailPart part) {
        String type = part.mimeType();
        return (type.equals("message/rfc822") || type.equals("message/global"))
               && TransferDecoding.kind(part.transferEncoding()) == TransferDecoding.Kind.IDENTITY;
    }

    /** Depth-first: the first text/plain (else text/html) that is not an attachment is the body. */
    private static void walk(MailPart part, Found found, int depth) {
        String type = part.mimeType();
        if (part.isMultipart()) {
            for (MailPart child : part.children()) {
                walk(child, found, depth + 1);
            }
            if (part.children().isEmpty() && found.plain == null) {
                found.plain = part; // no parts (no start boundary): what text there is, is what a person reads
            }
            return;
        }
        String fileName = AttachmentNames.fileNameOf(part);
        if (part.isMessage() || fileName != null || "attachment".equals(dispositionOf(part))) {
            found.attachmentParts.add(new Attached(part, fileName));
        } else if (type.equals("text/plain") || depth == 0 && type.startsWith("text/")) {
            if (found.plain == null) {
                found.plain = part;
            }
        } else if (type.equals("text/html")) {
            if (found.html == null) {
                found.html = part;
            }
        } else if (!type.startsWith("text/")) {
            found.attachmentParts.add(new Attached(part, null)); // e.g. an inline image known only by its Content-ID: still the mail's
        }
    }

    /** Name for a message/* part that has none: message.eml for whole messages, else after the subtype. */
    private static String defaultMessageName(MailPart part) {
        String subtype = part.mimeType().substring("message/".length());
        switch (subtype) {
            case "rfc822", "global":
                return "message.eml";
            case "partial":
                return "message-partial.eml";
            default:
                return subtype + ".txt";
        }
    }

    private static String dispositionOf(MailPart part) {
        String header = part.header("Content-Disposition");
        if (header == null) {
            return null;
        }
        String value = MailHeaders.unfold(header);
        SimpleParameters simple = SimpleParameters.parse(value);
        if (simple != null) {
            return simple.value();
        }
        try {
            String disposition = new ContentDisposition(value).getDisposition();
            return disposition == null ? null : disposition.toLowerCase(Locale.ROOT);
        } catch (Exception e) {
            return value.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        }
    }

    private static boolean isUuencoded(MailPart part) {
        return TransferDecoding.kind(part.transferEncoding()) == TransferDecoding.Kind.UUENCODE;
    }

    private static String uuencodeFileName(MailPart part, MailBytes bytes) throws IOException {
        byte[] head;
        try (InputStream in = bytes.open(part.contentStart(),
                Math.min(part.contentEnd(), part.contentStart() + 4096))) {
            head = in.readAllBytes(); // closed: on a spool file the stream holds a file handle of its own
        }
        return TransferDecoding.uuencodeFileName(head, 0, head.length);
    }

    /** Damage is looked for in mails held in memory; a spooled mail's parts are decoded as leniently, unflagged. */
    private static void addDamage(List<String> damage, String what, MailPart part, MailBytes bytes) {
        byte[] array = bytes.heapArray();
        if (array == null || part.transferEncoding() == null) {
            return;
        }
        String problem = TransferDecoding.damage(array, (int) part.contentStart(), (int) part.contentEnd(),
                part.transferEncoding());
        if (problem != null) {
            damage.add(what + ": " + problem);
        }
    }
}
