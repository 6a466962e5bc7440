package dev.pop3x.mapping;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.activation.DataHandler;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimePartDataSource;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.SpooledMessage;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.attachment.DefaultAttachment;
import org.apache.camel.attachment.DefaultAttachmentMessage;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a downloaded message into the Camel {@link Message}: mail headers (through the header filter), the body and
 * the attachments. A mail that cannot be mapped never makes this class throw: the raw message becomes the body and
 * {@link Pop3xConstants#MAPPING_ERROR} says why.
 */
public final class MailMapper {

    private static final Logger LOG = LoggerFactory.getLogger(MailMapper.class);

    /** Deeper nesting than this is treated as a broken (or hostile) mail rather than recursed into. */
    static final int MAX_DEPTH = 64;
    /** Headers alone never need more than this; it keeps a mail without a blank line from filling the heap. */
    private static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_REASON_LENGTH = 500;
    private static final String OWN_HEADER_PREFIX = "camelpop3x";
    private static final Set<String> KNOWN_ENCODINGS = Set.of(
            "7bit", "8bit", "binary", "base64", "quoted-printable", "uuencode", "x-uuencode", "x-uue");
    private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+|\\r?\\n|\\r");
    private static final Pattern PARAM = Pattern.compile(
            "(?i)(?:^|;)\\s*(filename|name)(\\*)?\\s*=\\s*(\"([^\"]*)\"?|[^;]*)");

    /*
     * Only Session properties are set: every other mail.mime.* switch is read by Jakarta Mail/Angus from System
     * properties once per JVM, so setting them here would change every other mail user in the process. Where the
     * defaults of those are strict, this class is lenient itself (file name decoding, parameter parsing, charsets,
     * broken base64 in the body text).
     */
    private static final Session SESSION = Session.getInstance(sessionProperties());

    private final boolean mapMailMessage;
    private final HeaderFilterStrategy headerFilter;

    public MailMapper(boolean mapMailMessage, HeaderFilterStrategy headerFilter) {
        this.mapMailMessage = mapMailMessage;
        this.headerFilter = headerFilter;
    }

    private static Properties sessionProperties() {
        Properties props = new Properties();
        // the only mail.mime.* parsing switch MimeMessage reads from its Session: accept sloppy address headers
        props.setProperty("mail.mime.address.strict", "false");
        return props;
    }

    /**
     * Sets body, mail headers (through the filter) and attachments on target. Never throws for a bad mail: if MIME
     * parsing or body extraction fails with mapMailMessage=true, the body becomes the raw message and header
     * {@link Pop3xConstants#MAPPING_ERROR} is set to a short reason. Headers are still copied when they could be read.
     *
     * @throws UncheckedIOException only when the spooled message itself cannot be read (local I/O, not the mail)
     */
    public void map(SpooledMessage raw, Message target) {
        if (!mapMailMessage) {
            copyHeaders(readHeadersOnly(raw), target);
            target.setBody(rawBody(raw));
            return;
        }
        MimeMessage mime;
        try {
            mime = new MimeMessage(SESSION, raw.openSharedStream());
        } catch (Exception | StackOverflowError e) {
            // MimeMessage could not even read the header: give the plain header parser a chance, then go raw
            copyHeaders(readHeadersOnly(raw), target);
            mappingFailed(raw, target, e);
            return;
        }
        copyHeaders(headersOf(mime), target);
        Extracted extracted;
        try {
            extracted = extract(mime);
        } catch (Exception | StackOverflowError e) {
            mappingFailed(raw, target, e);
            return;
        }
        target.setBody(extracted.body);
        addAttachments(extracted.attachments, target);
    }

    // ---------------------------------------------------------------- headers

    private List<Header> readHeadersOnly(SpooledMessage raw) {
        try (InputStream in = new BoundedInputStream(raw.openStream(), MAX_HEADER_BYTES)) {
            return Collections.list(new InternetHeaders(in).getAllHeaders());
        } catch (Exception | StackOverflowError e) {
            LOG.debug("Could not read the mail's header", e);
            return List.of();
        }
    }

    private static List<Header> headersOf(MimeMessage mime) {
        try {
            return Collections.list(mime.getAllHeaders());
        } catch (Exception e) {
            return List.of();
        }
    }

    private void copyHeaders(List<Header> headers, Message target) {
        // group case-insensitively: "Received" and "received" are one header, kept in order of appearance
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        Map<String, String> spelling = new LinkedHashMap<>();
        for (Header header : headers) {
            String name = header.getName() == null ? "" : header.getName().trim();
            if (!isFieldName(name) || header.getValue() == null) {
                continue; // e.g. an mbox "From " line or a line without a colon
            }
            String key = name.toLowerCase(Locale.ROOT);
            spelling.putIfAbsent(key, name);
            grouped.computeIfAbsent(key, k -> new ArrayList<>()).add(decodeHeaderValue(header.getValue()));
        }
        Exchange exchange = target.getExchange();
        for (Map.Entry<String, List<String>> entry : grouped.entrySet()) {
            String name = spelling.get(entry.getKey());
            List<String> values = entry.getValue();
            Object value = values.size() == 1 ? values.get(0) : List.copyOf(values);
            if (entry.getKey().startsWith(OWN_HEADER_PREFIX) && target.getHeader(name) != null) {
                continue; // the consumer's own headers win over anything a mail claims, whatever the filter
            }
            if (headerFilter != null && headerFilter.applyFilterToExternalHeaders(name, value, exchange)) {
                continue;
            }
            target.setHeader(name, value);
        }
    }

    /** RFC 5322 field name: printable US-ASCII except colon. */
    private static boolean isFieldName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    static String decodeHeaderValue(String value) {
        String text = recover8bit(unfold(value)).strip();
        try {
            return MimeUtility.decodeText(text);
        } catch (Exception e) {
            return text; // unknown charset or broken encoded word: the raw text is still useful
        }
    }

    static String unfold(String value) {
        return FOLD.matcher(value).replaceAll(" ");
    }

    /**
     * Jakarta Mail reads header bytes as ISO-8859-1. Raw 8-bit headers are nowadays mostly UTF-8 (RFC 6532), so when
     * the bytes form valid UTF-8 they are read as such; anything else stays Latin-1.
     */
    static String recover8bit(String latin1) {
        boolean high = false;
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c > 0xFF) {
                return latin1; // not a byte-per-char string: nothing to recover
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return latin1;
        }
        String utf8 = strictUtf8(latin1.getBytes(StandardCharsets.ISO_8859_1));
        return utf8 != null ? utf8 : latin1;
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- body and attachments

    private static final class Extracted {
        Part plain;
        Part html;
        final List<Part> attachmentParts = new ArrayList<>();
        String body;
        final List<NamedPart> attachments = new ArrayList<>();
    }

    private record NamedPart(String name, Part part) {
    }

    private static Extracted extract(MimeMessage mime) throws MessagingException, IOException {
        Extracted x = new Extracted();
        walk(mime, x, 0);
        Part bodyPart = x.plain != null ? x.plain : x.html;
        x.body = bodyPart == null ? "" : text(bodyPart);
        Set<String> used = new HashSet<>();
        for (Part part : x.attachmentParts) {
            String name = fileNameOf(part);
            if (name == null && isMessage(part)) {
                name = defaultMessageName(part);
            }
            name = sanitize(name, x.attachments.size() + 1);
            x.attachments.add(new NamedPart(unique(name, used), part));
        }
        return x;
    }

    /** Depth-first: the first text/plain (else text/html) that is not an attachment is the body. */
    private static void walk(Part part, Extracted x, int depth) throws MessagingException, IOException {
        if (depth > MAX_DEPTH) {
            throw new MessagingException("MIME parts nested deeper than " + MAX_DEPTH);
        }
        String type = mimeType(part);
        if (type.startsWith("multipart/")) {
            MimeMultipart multipart = multipartOf((MimePart) part, type);
            for (int i = 0; i < multipart.getCount(); i++) {
                walk(multipart.getBodyPart(i), x, depth + 1);
            }
            return;
        }
        if (isMessage(part) || isAttachment(part)) {
            x.attachmentParts.add(part);
        } else if (type.equals("text/plain") || depth == 0 && type.startsWith("text/")) {
            if (x.plain == null) {
                x.plain = part;
            }
        } else if (type.equals("text/html")) {
            if (x.html == null) {
                x.html = part;
            }
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
            return new MimeMultipart(source);
        } catch (ParseException e) {
            String boundary = lenientParameter(header, "boundary");
            if (boundary == null) {
                throw e;
            }
            String repaired = type + "; boundary=\"" + boundary.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            return new MimeMultipart(new RetypedDataSource(source, repaired));
        }
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
        return "attachment".equals(dispositionOf(part)) || fileNameOf(part) != null;
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
            String header = firstHeader(part, "Content-Disposition");
            return header == null ? null : header.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        }
    }

    /** The decoded file name (RFC 2231 through Angus, RFC 2047 here), or null. */
    private static String fileNameOf(Part part) {
        String name;
        try {
            name = part.getFileName();
        } catch (Exception e) {
            name = lenientFileName(part); // e.g. unquoted spaces, which strict parameter parsing rejects
        }
        if (name == null || name.isBlank()) {
            return null;
        }
        name = recover8bit(unfold(name));
        if (name.contains("=?")) {
            try {
                name = MimeUtility.decodeText(name);
            } catch (Exception e) {
                // keep the encoded form: still a usable, unique name
            }
        }
        return name;
    }

    private static String lenientFileName(Part part) {
        for (String headerName : new String[] { "Content-Disposition", "Content-Type" }) {
            String header = firstHeader(part, headerName);
            if (header == null) {
                continue;
            }
            Matcher m = PARAM.matcher(unfold(header));
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

    private static String lenientParameter(String header, String name) {
        Matcher m = Pattern.compile("(?i)(?:^|[;\\s])" + Pattern.quote(name) + "\\s*=\\s*(\"([^\"]*)\"?|[^;\\s]*)")
                .matcher(unfold(header));
        if (!m.find()) {
            return null;
        }
        String value = m.group(2) != null ? m.group(2) : m.group(1);
        return value.isEmpty() ? null : value;
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
        return decodeText(bytes.toByteArray(), value.substring(0, first));
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
    }

    private static String firstHeader(Part part, String name) {
        try {
            String[] values = part.getHeader(name);
            return values == null || values.length == 0 ? null : values[0];
        } catch (Exception e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- text

    private static String text(Part part) throws MessagingException, IOException {
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
        String value = firstHeader(part, "Content-Transfer-Encoding");
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
            String header = firstHeader(part, "Content-Type");
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

    // ---------------------------------------------------------------- attachments

    private static void addAttachments(List<NamedPart> attachments, Message target) {
        if (attachments.isEmpty()) {
            return;
        }
        AttachmentMessage message = attachmentMessage(target);
        for (NamedPart named : attachments) {
            DefaultAttachment attachment = attachmentOf(named.part());
            String name = named.name();
            if (message.getAttachmentObject(name) != null) {
                Set<String> used = new HashSet<>(message.getAttachmentNames());
                name = unique(name, used);
            }
            message.addAttachmentObject(name, attachment);
        }
    }

    private static AttachmentMessage attachmentMessage(Message target) {
        if (target instanceof AttachmentMessage message) {
            return message;
        }
        Exchange exchange = target.getExchange();
        if (exchange != null && exchange.getIn() == target) {
            return exchange.getIn(AttachmentMessage.class);
        }
        // attachments are stored on the wrapped message itself, so wrapping here loses nothing
        return new DefaultAttachmentMessage(target);
    }

    private static DefaultAttachment attachmentOf(Part part) {
        DataHandler handler;
        if (hasUnknownEncoding(part)) {
            // Angus would throw on every read: hand out the bytes as they are in the mail instead
            handler = new DataHandler(new RawPartDataSource((MimePart) part));
        } else {
            try {
                // the part's data source decodes from the shared buffer/file on every read: no copy into a byte[]
                handler = part.getDataHandler();
            } catch (MessagingException e) {
                handler = new DataHandler(new MimePartDataSource((MimePart) part));
            }
        }
        DefaultAttachment attachment = new DefaultAttachment(handler);
        try {
            for (Enumeration<Header> e = part.getAllHeaders(); e.hasMoreElements();) {
                Header header = e.nextElement();
                if (header.getName() != null && header.getValue() != null) {
                    attachment.addHeader(header.getName().trim(), recover8bit(unfold(header.getValue())).strip());
                }
            }
        } catch (MessagingException e) {
            LOG.debug("Could not copy an attachment's headers", e);
        }
        return attachment;
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

    // ---------------------------------------------------------------- failures

    private static Object rawBody(SpooledMessage raw) {
        try {
            return raw.toStreamCache();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the spooled message", e);
        }
    }

    private static void mappingFailed(SpooledMessage raw, Message target, Throwable cause) {
        LOG.debug("Mail could not be mapped, delivering it raw", cause);
        target.setBody(rawBody(raw));
        target.setHeader(Pop3xConstants.MAPPING_ERROR, reason(cause));
    }

    static String reason(Throwable cause) {
        String message = cause instanceof StackOverflowError
                ? "MIME structure nested too deeply"
                : cause.getMessage();
        String reason = cause.getClass().getName() + (message == null ? "" : ": " + message);
        reason = reason.replaceAll("[\\r\\n\\t]+", " ").strip();
        return reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
    }

    /** Stops reading after a limit, so the header parser cannot be fed a whole huge message. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
