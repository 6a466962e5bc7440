package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.field.ContentDispositionField;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.dom.field.UnstructuredField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.message.MaximalBodyDescriptor;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.CharsetUtil;

/**
 * The oracle: the same route view built by Apache James mime4j (permissive, silent), with pop3x's documented
 * semantics on top of mime4j's parse: the body is depth-first the first text/plain that is not an attachment, else
 * the first text/html (a top-level text/* counts); message/* and non-text leaf parts are attachments, never walked
 * into; a part is named by its Content-Disposition filename, else its Content-Type name.
 * <p>
 * mime4j's stream parser is used rather than its DOM builder: the builder parses message/* parts into a nested
 * message (its only other mode, flat, splits no multipart at all), and their bytes could then only be had
 * re-serialised, not as they are in the mail.
 */
final class Mime4jRouteView {

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    /** One MIME entity as mime4j's parser reported it. */
    private static final class Entity {
        final List<Field> fields = new ArrayList<>();
        final List<Entity> children = new ArrayList<>();
        MaximalBodyDescriptor descriptor;
        boolean multipart;
        byte[] content = new byte[0];
    }

    private Mime4jRouteView() {
    }

    static RouteView of(byte[] raw) throws IOException, MimeException {
        Entity root = parse(raw);
        List<Entity> attachments = new ArrayList<>();
        Entity[] body = new Entity[2]; // the first text/plain, the first text/html
        walk(root, 0, body, attachments);
        Entity bodyPart = body[0] != null ? body[0] : body[1];
        Map<String, RouteView.Content> parts = namedParts(attachments);
        return new RouteView(subject(root), from(root), bodyPart == null ? "" : text(bodyPart), parts,
                parts.keySet());
    }

    private static Entity parse(byte[] raw) throws IOException, MimeException {
        MimeStreamParser parser = new MimeStreamParser(MimeConfig.PERMISSIVE, DecodeMonitor.SILENT,
                new DefaultBodyDescriptorBuilder(null, LenientFieldParser.getParser(), DecodeMonitor.SILENT));
        parser.setContentDecoding(true);
        parser.setNoRecurse();
        Entity root = new Entity();
        Deque<Entity> open = new ArrayDeque<>();
        parser.setContentHandler(new AbstractContentHandler() {
            @Override
            public void startMessage() {
                open.push(root);
            }

            @Override
            public void startBodyPart() {
                Entity part = new Entity();
                open.peek().children.add(part);
                open.push(part);
            }

            @Override
            public void endBodyPart() {
                open.pop();
            }

            @Override
            public void field(Field field) {
                open.peek().fields.add(field);
            }

            @Override
            public void startMultipart(BodyDescriptor descriptor) {
                open.peek().descriptor = (MaximalBodyDescriptor) descriptor;
                open.peek().multipart = true;
            }

            @Override
            public void preamble(InputStream in) throws IOException {
                // what a multipart without any part has: the text pop3x then takes as the body
                open.peek().content = in.readAllBytes();
            }

            @Override
            public void body(BodyDescriptor descriptor, InputStream in) throws IOException {
                open.peek().descriptor = (MaximalBodyDescriptor) descriptor;
                open.peek().content = in.readAllBytes();
            }
        });
        parser.parse(new ByteArrayInputStream(raw));
        return root;
    }

    private static void walk(Entity entity, int depth, Entity[] body, List<Entity> attachments) {
        String type = mimeType(entity);
        if (entity.multipart) {
            entity.children.forEach(child -> walk(child, depth + 1, body, attachments));
            if (entity.children.isEmpty() && body[0] == null) {
                body[0] = entity;
            }
            return;
        }
        if (type.startsWith("message/") || isAttachment(entity)) {
            attachments.add(entity);
        } else if (type.equals("text/plain") || depth == 0 && type.startsWith("text/")) {
            if (body[0] == null) {
                body[0] = entity;
            }
        } else if (type.equals("text/html")) {
            if (body[1] == null) {
                body[1] = entity;
            }
        } else if (!type.startsWith("text/")) {
            attachments.add(entity);
        }
    }

    private static String mimeType(Entity entity) {
        return entity.descriptor == null ? "text/plain" : entity.descriptor.getMimeType().toLowerCase(Locale.ROOT);
    }

    private static boolean isAttachment(Entity entity) {
        return entity.descriptor != null && "attachment".equalsIgnoreCase(
                entity.descriptor.getContentDispositionType())
               || fileName(entity) != null;
    }

    /** mime4j's Content-Disposition filename, else its Content-Type name; RFC 2047 decoded as pop3x documents. */
    private static String fileName(Entity entity) {
        String name = null;
        if (parsed(entity, "Content-Disposition") instanceof ContentDispositionField disposition) {
            name = disposition.getFilename();
        }
        if ((name == null || name.isBlank())
            && parsed(entity, "Content-Type") instanceof ContentTypeField contentType) {
            name = contentType.getParameter("name");
        }
        if (name == null || name.isBlank()) {
            return null;
        }
        return DecoderUtil.decodeEncodedWords(name, DecodeMonitor.SILENT);
    }

    /**
     * The text in mime4j's reading of the declared charset. Where none is declared, it is US-ASCII or one Java does not
     * know, mime4j turns every 8-bit byte into U+FFFD; the oracle reads them as it reads raw 8-bit headers instead.
     */
    private static String text(Entity entity) throws IOException {
        String charset = entity.descriptor == null ? null : entity.descriptor.getCharset();
        Charset known = charset == null ? null : CharsetUtil.lookup(charset);
        if (known == null || known.equals(StandardCharsets.US_ASCII)) {
            return eightBit(entity.content);
        }
        try (Reader reader = BasicBodyFactory.INSTANCE.textBody(new ByteArrayInputStream(entity.content), charset)
                .getReader()) {
            StringWriter text = new StringWriter();
            reader.transferTo(text);
            return text.toString();
        }
    }

    private static String subject(Entity root) {
        ParsedField parsed = parsed(root, "Subject");
        if (parsed == null) {
            return null;
        }
        return parsed instanceof UnstructuredField unstructured ? unstructured.getValue() : parsed.getBody();
    }

    /** From as text, its encoded words decoded wherever they are (also in a quoted display name). */
    private static String from(Entity root) {
        Field field = first(root, "From");
        return field == null ? null : DecoderUtil.decodeEncodedWords(rawBody(field), DecodeMonitor.SILENT);
    }

    /** The entity's first field of that name, parsed by mime4j from its raw bytes as {@link #rawBody} reads them. */
    private static ParsedField parsed(Entity entity, String name) {
        Field field = first(entity, name);
        if (field == null) {
            return null;
        }
        return LenientFieldParser.getParser().parse(new RawField(field.getName(), rawBody(field)),
                DecodeMonitor.SILENT);
    }

    /**
     * A field's body from its raw bytes, unfolded. mime4j reads raw 8-bit header bytes as UTF-8, each byte that is not
     * part of a UTF-8 sequence becoming U+FFFD; the oracle reads those bytes as windows-1252 instead, the fallback the
     * issue asks of pop3x (what senders that are not UTF-8 mean by far most often).
     */
    private static String rawBody(Field field) {
        ByteSequence raw = field.getRaw();
        if (raw == null) {
            return field.getBody();
        }
        byte[] bytes = raw.toByteArray();
        int colon = 0;
        while (colon < bytes.length && bytes[colon] != ':') {
            colon++;
        }
        String body = eightBit(Arrays.copyOfRange(bytes, Math.min(colon + 1, bytes.length), bytes.length));
        return body.replaceAll("\\r\\n|\\r|\\n", "").strip(); // unfolding: the line breaks go, the blanks stay
    }

    /** UTF-8 where the bytes are UTF-8, windows-1252 for each byte that is not part of a UTF-8 sequence. */
    private static String eightBit(byte[] bytes) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result;
        while ((result = utf8.decode(in, out, true)).isError()) {
            for (int i = 0; i < result.length(); i++) {
                out.put(new String(new byte[] { in.get() }, WINDOWS_1252));
            }
        }
        utf8.flush(out);
        return out.flip().toString();
    }

    private static Field first(Entity entity, String name) {
        return entity.fields.stream().filter(f -> f.getName().equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    /** The named attachments under the names pop3x gives them: made safe as a file name, unique within the mail. */
    private static Map<String, RouteView.Content> namedParts(List<Entity> attachments) {
        Map<String, RouteView.Content> parts = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (Entity entity : attachments) {
            String name = fileName(entity);
            if (name != null) {
                // pop3x's own naming policy (not parsing, which is what is compared)
                parts.put(AttachmentNames.unique(AttachmentNames.sanitize(name, used.size() + 1), used),
                        RouteView.Content.of(entity.content));
            }
        }
        return parts;
    }
}
