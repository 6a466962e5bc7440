package dev.pop3x.mapping;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.mail.Header;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;

import dev.pop3x.session.SpooledMessage;

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
    private static final Logger LOG = LoggerFactory.getLogger(MailMapper.class);

    /**
     * The largest header block a mail may have. Real mail stays far below (a long Received chain, DKIM and ARC
     * signatures come to a few tens of KiB; Postfix's header_size_limit default is 100 KiB); anything bigger is
     * broken or hostile, and without a bound a mail without an empty line would be parsed whole as headers, in heap.
     */
    static final int MAX_HEADER_BLOCK_BYTES = 256 * 1024;
    private static final String OWN_HEADER_PREFIX = "camelpop3x";
    private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+|\\r?\\n|\\r");

    private MailHeaders() {
    }

    /** The header block alone, without MIME parsing; empty when even that cannot be read. */
    static List<Header> readHeadersOnly(SpooledMessage raw) {
        try (InputStream in = new BoundedInputStream(raw.openStream(), MAX_HEADER_BLOCK_BYTES)) {
            return Collections.list(load(in).getAllHeaders());
        } catch (Exception | StackOverflowError e) {
            LOG.debug("Could not read the mail's header", e);
            return List.of();
        }
    }

    /**
     * What {@code new InternetHeaders(in)} does, without its cost: jakarta.mail looks up its StreamProvider through
     * a ServiceLoader on every call, which profiling showed to be a third of the consumer thread's time on a drain of
     * small mails. Angus's line reader is used directly instead; continuation lines are joined by addHeaderLine.
     */
    static InternetHeaders load(InputStream in) throws IOException {
        InternetHeaders headers = new InternetHeaders();
        // false: header bytes are read as Latin-1, as InternetHeaders does; recover8bit makes UTF-8 of them later
        org.eclipse.angus.mail.util.LineInputStream lines = new org.eclipse.angus.mail.util.LineInputStream(in, false);
        for (String line = lines.readLine(); line != null && !line.isEmpty(); line = lines.readLine()) {
            headers.addHeaderLine(line);
        }
        return headers;
    }

    /** The headers within the size limit of a header block that is longer than that: the last one, cut, is dropped. */
    static List<Header> readHeadersWithinLimit(SpooledMessage raw) {
        List<Header> headers = readHeadersOnly(raw);
        return headers.isEmpty() ? headers : headers.subList(0, headers.size() - 1);
    }

    static List<Header> headersOf(MimeMessage mime) {
        try {
            return Collections.list(mime.getAllHeaders());
        } catch (Exception e) {
            return List.of();
        }
    }

    static void copy(List<Header> headers, Message target, HeaderFilterStrategy headerFilter) {
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
            return withoutControls(MimeUtility.decodeText(text));
        } catch (Exception e) {
            return withoutControls(text); // unknown charset or broken encoded word: the raw text is still useful
        }
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
        String utf8 = MailText.strictUtf8(latin1.getBytes(StandardCharsets.ISO_8859_1));
        return utf8 != null ? utf8 : latin1;
    }

    /** The part's first value of that header, or null (also when the part cannot say). */
    static String firstHeader(Part part, String name) {
        try {
            String[] values = part.getHeader(name);
            return values == null || values.length == 0 ? null : values[0];
        } catch (Exception e) {
            return null;
        }
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
