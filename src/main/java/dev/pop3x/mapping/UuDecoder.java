package dev.pop3x.mapping;

import java.io.InputStream;

/**
 * Lenient uudecoding: data starts after the {@code begin <mode> <name>} line (or at the top when the first 64 KiB
 * hold none), each line carries as many bytes as its length character says, a damaged line (too short, characters
 * out of range) is skipped, and the {@code end} line ends the data.
 */
final class UuDecoder extends DecodingStream {

    // how far to look for the begin line before deciding there is none
    private static final int LOOKAHEAD = 64 * 1024;

    private boolean seeking = true;
    private boolean skippingLongLine;

    UuDecoder(InputStream source) {
        super(source, LOOKAHEAD);
    }

    @Override
    void decode(boolean atEnd) {
        if (seeking && !seekBegin(atEnd)) {
            return;
        }
        int i = inStart;
        int end = inEnd;
        int o = outEnd;
        while (i < end && !finished) {
            int lineEnd = indexOf(in, '\n', i, end);
            if (lineEnd < 0) {
                if (!atEnd && end - i < in.length / 2) {
                    break; // the rest of the line is still to come
                }
                lineEnd = end;
            }
            if (skippingLongLine) {
                skippingLongLine = lineEnd == end && !atEnd;
            } else if (lineEnd == end && !atEnd) {
                skippingLongLine = true; // longer than any uuencoded line: damaged, skipped to its end
            } else {
                int textEnd = lineEnd > i && in[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
                if (isEnd(in, i, textEnd)) {
                    finished = true;
                } else {
                    int n = decodeLine(in, i, textEnd, out, o);
                    o += Math.max(n, 0);
                }
            }
            i = Math.min(lineEnd + 1, end);
        }
        inStart = finished ? end : i;
        outEnd = o;
    }

    /** Moves past the begin line once it is in the buffer; false while it may still come. */
    private boolean seekBegin(boolean atEnd) {
        int begin = beginLineEnd(in, 0, inEnd);
        if (begin >= 0) {
            inStart = begin;
        } else if (!atEnd && inEnd < in.length) {
            return false; // neither a begin line nor a full lookahead yet: keep reading, decide later
        }
        seeking = false;
        return true;
    }

    /**
     * Decodes one line (without its line break) into out at o: the number of bytes, 0 for an empty line or one of
     * length 0, or -1 for a damaged line, which gives nothing.
     */
    static int decodeLine(byte[] b, int from, int to, byte[] out, int o) {
        if (from >= to) {
            return 0;
        }
        int first = b[from] & 0xFF;
        if (first < 0x20 || first > 0x60) {
            return -1;
        }
        int n = (first - 0x20) & 0x3F;
        int chars = (n * 4 + 2) / 3;
        if (to - from - 1 < chars) {
            return -1;
        }
        for (int k = from + 1; k <= from + chars; k++) {
            if (b[k] < 0x20 || b[k] > 0x60) {
                return -1;
            }
        }
        int written = 0;
        for (int k = from + 1; written < n; k += 4) {
            int group = sextet(b, k, to) << 18 | sextet(b, k + 1, to) << 12 | sextet(b, k + 2, to) << 6
                        | sextet(b, k + 3, to);
            for (int shift = 16; shift >= 0 && written < n; shift -= 8) {
                if (out != null) {
                    out[o + written] = (byte) (group >> shift);
                }
                written++;
            }
        }
        return n;
    }

    /** A group's last characters may be missing when they carry no byte (trailing spaces stripped in transit). */
    private static int sextet(byte[] b, int k, int to) {
        return k < to ? (b[k] - 0x20) & 0x3F : 0;
    }

    /** Why these bytes do not decode cleanly (no begin line, damaged lines, no end line), or null. */
    static String damage(byte[] b, int from, int to) {
        if (isBlank(b, from, to)) {
            return null;
        }
        int i = beginLineEnd(b, from, to);
        if (i < 0) {
            return "uuencode: no begin line";
        }
        int damaged = 0;
        boolean ended = false;
        while (i < to && !ended) {
            int lineEnd = indexOf(b, '\n', i, to);
            int textEnd = lineEnd < 0 ? to : lineEnd;
            if (textEnd > i && b[textEnd - 1] == '\r') {
                textEnd--;
            }
            ended = isEnd(b, i, textEnd);
            if (!ended && decodeLine(b, i, textEnd, null, 0) < 0) {
                damaged++;
            }
            i = lineEnd < 0 ? to : lineEnd + 1;
        }
        if (damaged == 0 && ended) {
            return null;
        }
        String lines = damaged == 0 ? null : damaged + (damaged == 1 ? " damaged line" : " damaged lines");
        String end = ended ? null : "no end line";
        return "uuencode: " + (lines == null ? end : end == null ? lines : lines + ", " + end);
    }

    /** The name of the first {@code begin <mode> <name>} line, or null. */
    static String fileName(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int lineEnd = indexOf(b, '\n', i, to);
            int textEnd = lineEnd < 0 ? to : lineEnd;
            int name = nameStart(b, i, textEnd);
            if (name >= 0) {
                while (textEnd > name && (b[textEnd - 1] <= ' ' && b[textEnd - 1] >= 0)) {
                    textEnd--;
                }
                return textEnd > name ? Charsets.guess(b, name, textEnd - name) : null;
            }
            i = lineEnd < 0 ? to : lineEnd + 1;
        }
        return null;
    }

    private static boolean isBlank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0 || b[i] > ' ') {
                return false;
            }
        }
        return true;
    }

    /** The index after the first begin line of b[from, to), or -1. */
    static int beginLineEnd(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int lineEnd = indexOf(b, '\n', i, to);
            int next = lineEnd < 0 ? to : lineEnd + 1;
            if (nameStart(b, i, lineEnd < 0 ? to : lineEnd) >= 0) {
                return next;
            }
            i = next;
        }
        return -1;
    }

    /**
     * For a line {@code begin <octal mode> <name>}: where the name starts (the line's end when it has none);
     * -1 for any other line.
     */
    static int nameStart(byte[] b, int from, int to) {
        if (to - from < 7 || b[from] != 'b' || b[from + 1] != 'e' || b[from + 2] != 'g' || b[from + 3] != 'i'
            || b[from + 4] != 'n' || b[from + 5] != ' ') {
            return -1;
        }
        int i = from + 6;
        while (i < to && b[i] == ' ') {
            i++;
        }
        int modeStart = i;
        while (i < to && b[i] >= '0' && b[i] <= '7') {
            i++;
        }
        if (i == modeStart || i < to && b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
            return -1;
        }
        while (i < to && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** "end", alone on its line but for trailing spaces. */
    static boolean isEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t' || b[to - 1] == '\r')) {
            to--;
        }
        return to - from == 3 && b[from] == 'e' && b[from + 1] == 'n' && b[from + 2] == 'd';
    }

    static int indexOf(byte[] b, int c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
