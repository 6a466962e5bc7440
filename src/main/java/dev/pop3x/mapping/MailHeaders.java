package dev.pop3x.mapping;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

import dev.pop3x.session.SpooledMessage;
import jakarta.mail.Header;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a mail's header block, decodes the values (unfolding, RFC 2047, raw 8-bit) and copies them through the
 * header filter onto the Camel message.
 */
final class MailHeaders {

    // logs under MailMapper, the category to switch on when a mail maps oddly
    private static final Logger LOG = LoggerFactory.getLogger(MailHeaders.class);

    /**
     * The largest header block a mail may have. Real mail stays far below (a long Received chain, DKIM and ARC
     * signatures come to a few tens of KiB; Postfix's header_size_limit default is 100 KiB); anything bigger is
     * broken or hostile, and without a bound a mail without an empty line would be parsed whole as headers, in heap.
     */
    static final int MAX_HEADER_BLOCK_BYTES = 256 * 1024;
    private static final String OWN_HEADER_PREFIX = "camelpop3x";
    /** RFC 5322 §3.6: fields a message has at most once. */
    private static final Set<String> ONCE_ONLY = Set.of("date", "from", "sender", "message-id", "in-reply-to",
            "references", "subject");
    private static final Set<String> ADDRESS_LISTS = Set.of("to", "cc", "bcc", "reply-to");

    private MailHeaders() {
    }

    /** The header block alone, without MIME parsing; empty when even that cannot be read. */
    static List<Header> readHeadersOnly(SpooledMessage raw) {
        try {
            SpooledMessage.Head head = raw.head(MAX_HEADER_BLOCK_BYTES);
            return MimeParser.headers(MailBytes.of(head.bytes()), 0, head.length(), MAX_HEADER_BLOCK_BYTES, true)
                    .headers();
        } catch (Exception e) {
            LOG.debug("Could not read the mail's header", e);
            return List.of();
        }
    }

    /** True when the header block, as the parser ends it, goes on beyond limit bytes. */
    static boolean blockLongerThan(SpooledMessage raw, int limit) throws IOException {
        if (raw.size() <= limit) {
            return false;
        }
        try (MailBytes bytes = MailBytes.of(raw)) {
            return MimeParser.headers(bytes, 0, bytes.size(), limit, true).cut();
        }
    }

    /** The headers within the size limit of a header block that is longer than that: the last one, cut, is dropped. */
    static List<Header> readHeadersWithinLimit(SpooledMessage raw) {
        List<Header> headers = readHeadersOnly(raw);
        return headers.isEmpty() ? headers : headers.subList(0, headers.size() - 1);
    }

    static void copy(List<Header> headers, Message target, HeaderFilterStrategy headerFilter) {
        decode(headers).copyTo(target.getHeaders(), headerFilter, target.getExchange());
    }

    /** Copies into a Camel headers map (case-insensitive, as Camel makes them). */
    static void copy(List<Header> headers, Map<String, Object> target, HeaderFilterStrategy headerFilter,
            Exchange exchange) {
        decode(headers).copyTo(target, headerFilter, exchange);
    }

    /**
     * Groups and decodes the fields; nothing here needs the Exchange, so it may run on the thread that downloaded the
     * mail.
     */
    static Decoded decode(List<Header> headers) {
        // group case-insensitively: "Received" and "received" are one header, kept in order of appearance
        Map<String, Field> fields = new LinkedHashMap<>(headers.size() * 2);
        for (Header header : headers) {
            String name = header.getName() == null ? "" : header.getName().trim();
            if (!isFieldName(name) || header.getValue() == null) {
                continue; // e.g. an mbox "From " line or a line without a colon
            }
            String key = name.toLowerCase(Locale.ROOT);
            Field field = fields.get(key);
            if (field == null) {
                fields.put(key, new Field(name, decodeHeaderValue(header.getValue())));
            } else {
                field.add(decodeHeaderValue(header.getValue()));
            }
        }
        return new Decoded(fields);
    }

    /** A mail's header fields, grouped and decoded, ready to go through the header filter. */
    static final class Decoded {
        private final Map<String, Field> fields;

        private Decoded(Map<String, Field> fields) {
            this.fields = fields;
        }

        void copyTo(Map<String, Object> target, HeaderFilterStrategy headerFilter, Exchange exchange) {
            for (Map.Entry<String, Field> entry : fields.entrySet()) {
                Field field = entry.getValue();
                Object value = valueOf(entry.getKey(), field);
                if (entry.getKey().startsWith(OWN_HEADER_PREFIX) && target.get(field.name) != null) {
                    continue; // the consumer's own headers win over anything a mail claims, whatever the filter
                }
                if (headerFilter != null && headerFilter.applyFilterToExternalHeaders(field.name, value, exchange)) {
                    continue;
                }
                target.put(field.name, value);
            }
        }
    }

    /** A header field's first spelling and its values in order (most fields have one: no list for those). */
    private static final class Field {
        final String name;
        final String first;
        List<String> more;

        Field(String name, String first) {
            this.name = name;
            this.first = first;
        }

        void add(String value) {
            if (more == null) {
                more = new ArrayList<>(2);
            }
            more.add(value);
        }

        List<String> all() {
            List<String> all = new ArrayList<>(1 + more.size());
            all.add(first);
            all.addAll(more);
            return all;
        }
    }

    /**
     * One value for a field RFC 5322 allows once (a route reads Subject or From as text, not as a list): the first,
     * as mail programs show it; repeated address lists are joined, so no recipient is lost. Other repeated fields
     * (Received, ...) are a list in order.
     */
    private static Object valueOf(String lowerCaseName, Field field) {
        if (field.more == null || ONCE_ONLY.contains(lowerCaseName)) {
            return field.first;
        }
        return ADDRESS_LISTS.contains(lowerCaseName) ? joinAddresses(field.all()) : List.copyOf(field.all());
    }

    /** An empty repeat ("To:" with no address) adds no separator. */
    private static String joinAddresses(List<String> values) {
        StringJoiner joined = new StringJoiner(", ");
        for (String value : values) {
            if (!value.isBlank()) {
                joined.add(value);
            }
        }
        return joined.toString();
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
        if (isPlainAscii(value) && value.indexOf("=?") < 0) {
            return value.strip(); // nothing to unfold, recover, decode or replace: most headers of most mails
        }
        return withoutControls(EncodedWords.decode(Charsets.headerBytes(unfold(value)).strip()));
    }

    /** Printable US-ASCII and spaces only: no line break, tab, control character or 8-bit byte. */
    private static boolean isPlainAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /**
     * Control characters (NUL, or a CR LF decoded from an encoded word) become spaces: a header value must stay one
     * line of text, whatever a route later writes it into (another mail, an HTTP header, a log line).
     */
    static String withoutControls(String value) {
        StringBuilder sb = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                if (sb == null) {
                    sb = new StringBuilder(value);
                }
                sb.setCharAt(i, ' ');
            }
        }
        return sb == null ? value : sb.toString();
    }

    /** Each line break (CRLF, LF or a bare CR) with the spaces and tabs that follow a CRLF or LF becomes one space. */
    static String unfold(String value) {
        if (value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean lf = c == '\n' || c == '\r' && i + 1 < value.length() && value.charAt(i + 1) == '\n';
            if (lf) {
                i = c == '\r' ? i + 1 : i; // now at the LF
                while (i + 1 < value.length() && (value.charAt(i + 1) == ' ' || value.charAt(i + 1) == '\t')) {
                    i++;
                }
                sb.append(' ');
            } else {
                sb.append(c == '\r' ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
