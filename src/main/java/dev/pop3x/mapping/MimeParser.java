package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.mail.Header;

/**
 * Finds a mail's MIME structure in its bytes: header fields, and the parts of multiparts by their boundaries. It reads
 * the bytes in place and copies only header lines; content is located, not decoded.
 *
 * <p>Written here rather than taken from Jakarta Mail because Jakarta Mail looks up its stream provider through a
 * ServiceLoader for every header block and every decoded part (about half of the consumer's time on small mails), and
 * because real mail needs leniency it does not offer per instance: a header block ends at a line of only spaces or at
 * the first line that is not a header field (the text after it is body, not lost), any boundary RFC 2046 allows or a
 * longer one seen in the wild splits its multipart, a missing close boundary ends at the end of the enclosing part.
 */
final class MimeParser {

    /** Deeper nesting than this is treated as a broken (or hostile) mail rather than recursed into. */
    static final int MAX_DEPTH = 64;

    /** More parts than this make a broken (or hostile) mail: each part's header fields are held in heap. */
    static final int MAX_PARTS = 10_000;

    /** The header blocks of all of a mail's parts together, held in heap however large a spooled mail is. */
    static final long MAX_PART_HEADER_BYTES = 8L * 1024 * 1024;

    private final MailBytes bytes;
    private int entities;
    private long headerBytes;

    private MimeParser(MailBytes bytes) {
        this.bytes = bytes;
    }

    /** The header block and where it ends. */
    /**
     * @param end the first byte after the header block
     * @param cut true when the block was still going at the limit (and the mail goes on after it)
     */
    record Fields(List<Header> headers, long end, boolean cut) {
    }

    /** The whole mail: its header and, for a multipart, its parts (not the parts of attached messages). */
    static MailPart parse(MailBytes bytes) throws MalformedMailException {
        return new MimeParser(bytes).entity(0, bytes.size(), PartType.TEXT_PLAIN, true, 0);
    }

    /** A message/rfc822 part's content as a mail of its own. */
    static MailPart parseAttachedMessage(MailBytes bytes, MailPart message) throws MalformedMailException {
        return new MimeParser(bytes).entity(message.contentStart(), message.contentEnd(), PartType.TEXT_PLAIN, false,
                1);
    }

    /**
     * The header fields in [start, end), reading at most limit bytes. The header block ends at an empty line; at a line
     * of only spaces and tabs that text follows (not a field or a folded line: then it is part of the folding); and at
     * a line that is not a field when text follows it, or (before any field) anything but a field (that line is then the
     * first of the body: a mail without its empty line, or without any header, keeps its text). A stray line before or
     * between fields is skipped, as are lines of spaces before the first field and a first line of a mail that is an
     * mbox "From " line.
     */
    static Fields headers(MailBytes bytes, long start, long end, long limit, boolean mailStart) {
        List<Header> headers = new ArrayList<>();
        long max = Math.min(end, start + limit);
        long pos = start;
        String name = null;
        String value = null;        // the field's first line: most fields have no other
        StringBuilder folded = null; // a folded field's lines so far
        boolean ended = false;
        if (mailStart && startsWith(bytes, pos, max, "From ")
            && fieldColon(bytes, pos, bytes.lineBreak(pos, max)) < 0) {
            pos = bytes.afterLineBreak(bytes.lineBreak(pos, max), max);
        }
        while (pos < max) {
            long lineEnd = bytes.lineBreak(pos, max);
            long next = bytes.afterLineBreak(lineEnd, max);
            if (onlySpaces(bytes, pos, lineEnd)) {
                if (lineEnd > pos && (name == null || fieldOrFoldingFollows(bytes, next, max))) {
                    pos = next; // spaces before the first field, or inside a folded field: not the separator
                    continue;
                }
                pos = next;
                ended = true;
                break; // the separator: an empty line, or one of spaces that text follows
            }
            int first = bytes.at(pos);
            if (first == ' ' || first == '\t') {
                if (name != null) {
                    if (folded == null) {
                        folded = new StringBuilder(value);
                    }
                    folded.append("\r\n").append(bytes.latin1(pos, lineEnd));
                }
                // a continuation with no field before it is dropped: there is nothing it could belong to
                pos = next;
                continue;
            }
            long colon = fieldColon(bytes, pos, lineEnd);
            if (colon < 0) {
                if (name != null ? fieldOrFoldingFollows(bytes, next, max) : fieldFollows(bytes, next, max)) {
                    pos = next; // a stray line among the fields: skipped, the fields after it still read
                    continue;
                }
                ended = true;
                break; // text follows: the body starts here, without its empty line
            }
            if (name != null) {
                headers.add(new Header(name, folded == null ? value : folded.toString()));
            }
            name = bytes.latin1(pos, colon).strip();
            folded = null;
            long v = colon + 1;
            while (v < lineEnd && (bytes.at(v) == ' ' || bytes.at(v) == '\t')) {
                v++;
            }
            value = bytes.latin1(v, lineEnd);
            pos = next;
        }
        if (name != null) {
            headers.add(new Header(name, folded == null ? value : folded.toString()));
        }
        return new Fields(headers, pos, !ended && max < end);
    }

    private MailPart entity(long start, long end, PartType defaultType, boolean mailStart, int depth)
            throws MalformedMailException {
        if (depth > MAX_DEPTH) {
            throw new MalformedMailException("MIME parts nested deeper than " + MAX_DEPTH);
        }
        if (++entities > MAX_PARTS) {
            throw new MalformedMailException("more than " + MAX_PARTS + " MIME parts");
        }
        Fields block = headers(bytes, start, end, MailHeaders.MAX_HEADER_BLOCK_BYTES, mailStart);
        headerBytes += block.end() - start;
        if (headerBytes > MAX_PART_HEADER_BYTES) {
            throw new MalformedMailException("MIME part headers larger than " + MAX_PART_HEADER_BYTES + " bytes");
        }
        MailPart headerOnly = new MailPart(block.headers(), block.end(), end, PartType.TEXT_PLAIN, List.of());
        PartType type = PartType.of(headerOnly.header("Content-Type"), defaultType);
        List<MailPart> children = List.of();
        long contentEnd = end;
        if (type.mimeType().startsWith("multipart/")) {
            PartType childDefault = type.mimeType().equals("multipart/digest") ? PartType.MESSAGE_RFC822
                    : PartType.TEXT_PLAIN;
            Parts parts = parts(block.end(), end, type.boundary(), childDefault, depth);
            children = parts.parts();
            if (children.isEmpty()) {
                contentEnd = parts.preambleEnd(); // no parts: what a person reads is the text before the delimiter
            }
        }
        return new MailPart(block.headers(), block.end(), contentEnd, type, children);
    }

    /** A multipart's parts, and where the text before its first delimiter ends. */
    private record Parts(List<MailPart> parts, long preambleEnd) {
    }

    /**
     * The parts between the delimiter lines of a multipart's content. Without a boundary parameter the first line that
     * starts with "--" is taken as the first delimiter, as Jakarta Mail does. No delimiter line at all gives no parts.
     */
    private Parts parts(long start, long end, String boundary, PartType childDefault, int depth)
            throws MalformedMailException {
        // an empty boundary would make every "-- " signature line a delimiter: read it as no boundary at all
        byte[] dashes = boundary == null || boundary.isBlank() ? firstDashLine(start, end)
                : latin1Bytes("--" + boundary);
        List<MailPart> parts = new ArrayList<>();
        if (dashes == null) {
            return new Parts(parts, end);
        }
        long preambleEnd = end;
        long partStart = -1;
        long pos = start;
        while (pos < end) {
            long lineEnd = bytes.lineBreak(pos, end);
            int kind = delimiter(pos, lineEnd, dashes);
            if (kind != NOT_DELIMITER) {
                if (partStart >= 0) {
                    parts.add(entity(partStart, lineBreakBefore(pos, partStart), childDefault, false, depth + 1));
                } else if (preambleEnd == end) {
                    preambleEnd = lineBreakBefore(pos, start);
                }
                if (kind == CLOSE) {
                    return new Parts(parts, preambleEnd);
                }
                partStart = bytes.afterLineBreak(lineEnd, end);
            }
            pos = bytes.afterLineBreak(lineEnd, end);
        }
        if (partStart >= 0 && partStart < end) {
            parts.add(entity(partStart, end, childDefault, false, depth + 1)); // no close delimiter
        }
        return new Parts(parts, preambleEnd);
    }

    private static final int NOT_DELIMITER = 0;
    private static final int OPEN = 1;
    private static final int CLOSE = 2;

    /**
     * "--boundary" alone on its line, or followed by "--" (the close delimiter) or by a space or tab: what follows that
     * (transport padding, or junk) does not matter. "--boundary" followed by any other character is content: real mail
     * nests boundaries that are prefixes of each other.
     */
    private int delimiter(long lineStart, long lineEnd, byte[] dashes) {
        if (lineEnd - lineStart < dashes.length) {
            return NOT_DELIMITER;
        }
        for (int i = 0; i < dashes.length; i++) {
            if (bytes.at(lineStart + i) != (dashes[i] & 0xFF)) {
                return NOT_DELIMITER;
            }
        }
        long rest = lineStart + dashes.length;
        if (rest == lineEnd) {
            return OPEN;
        }
        int next = bytes.at(rest);
        if (next == '-' && rest + 1 < lineEnd && bytes.at(rest + 1) == '-') {
            return CLOSE;
        }
        return next == ' ' || next == '\t' ? OPEN : NOT_DELIMITER;
    }

    /** The line break before a delimiter line belongs to the delimiter: the part ends before it. */
    private long lineBreakBefore(long delimiterStart, long partStart) {
        long end = delimiterStart;
        if (end > partStart && bytes.at(end - 1) == '\n') {
            end--;
            if (end > partStart && bytes.at(end - 1) == '\r') {
                end--;
            }
        } else if (end > partStart && bytes.at(end - 1) == '\r') {
            end--;
        }
        return end;
    }

    private byte[] firstDashLine(long start, long end) {
        long pos = start;
        while (pos < end) {
            long lineEnd = bytes.lineBreak(pos, end);
            if (lineEnd - pos > 2 && bytes.at(pos) == '-' && bytes.at(pos + 1) == '-') {
                return latin1Bytes(bytes.latin1(pos, lineEnd).stripTrailing());
            }
            pos = bytes.afterLineBreak(lineEnd, end);
        }
        return null;
    }

    /** True when the line at pos is a header field or a folded continuation that holds more than spaces. */
    private static boolean fieldOrFoldingFollows(MailBytes bytes, long pos, long max) {
        if (pos >= max) {
            return false;
        }
        long lineEnd = bytes.lineBreak(pos, max);
        int first = bytes.at(pos);
        if (first == ' ' || first == '\t') {
            return !onlySpaces(bytes, pos, lineEnd);
        }
        return fieldColon(bytes, pos, lineEnd) >= 0;
    }

    private static boolean fieldFollows(MailBytes bytes, long pos, long max) {
        return pos < max && fieldColon(bytes, pos, bytes.lineBreak(pos, max)) >= 0;
    }

    /** The colon of a header field line ("name:" or the obsolete "name :"), or -1 when the line is not a field. */
    private static long fieldColon(MailBytes bytes, long pos, long lineEnd) {
        long i = pos;
        while (i < lineEnd) {
            int c = bytes.at(i);
            if (c == ':') {
                break;
            }
            if (c <= 32 || c >= 127) {
                break;
            }
            i++;
        }
        if (i == pos) {
            return -1;
        }
        while (i < lineEnd && (bytes.at(i) == ' ' || bytes.at(i) == '\t')) {
            i++;
        }
        return i < lineEnd && bytes.at(i) == ':' ? i : -1;
    }

    private static boolean onlySpaces(MailBytes bytes, long from, long to) {
        for (long i = from; i < to; i++) {
            int c = bytes.at(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(MailBytes bytes, long pos, long end, String prefix) {
        if (end - pos < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes.at(pos + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] latin1Bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
