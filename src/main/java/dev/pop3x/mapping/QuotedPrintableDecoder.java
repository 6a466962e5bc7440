package dev.pop3x.mapping;

import java.io.InputStream;

/**
 * Lenient quoted-printable (RFC 2045): {@code =XX} in either case, soft line breaks ({@code =} before a line break,
 * also with spaces between, and at the very end), trailing spaces and tabs before a line break dropped; an {@code =}
 * not followed by two hex digits stays as it is. Line breaks (CRLF, LF) stay as they were.
 */
final class QuotedPrintableDecoder extends DecodingStream {

    private static final int UNDECIDED = -2;
    private static final int NONE = -1;

    private final Pass pass = new Pass();

    QuotedPrintableDecoder(InputStream source) {
        super(source, 8192);
    }

    /** Where one run of the decoding loop stands. */
    private static final class Pass {
        int i;
        int o;
        int badEquals;
    }

    @Override
    void decode(boolean atEnd) {
        pass.i = inStart;
        pass.o = outEnd;
        run(in, inEnd, atEnd, in.length / 2, out, pass);
        inStart = pass.i;
        outEnd = pass.o;
    }

    /** Why these bytes do not decode cleanly ('=' not followed by hex digits or a line break), or null. */
    static String damage(byte[] b, int from, int to) {
        Pass pass = new Pass();
        pass.i = from;
        run(b, to, true, 0, null, pass);
        int bad = pass.badEquals;
        return bad == 0 ? null : "quoted-printable: " + bad + " '=' not followed by hex digits";
    }

    /**
     * Decodes {@code in[pass.i, end)} into out (null: only count). Stops before a tail whose meaning needs bytes
     * beyond end when more will come and the tail is shorter than maxTail; a longer one is decided as it stands.
     */
    private static void run(byte[] in, int end, boolean atEnd, int maxTail, byte[] out, Pass pass) {
        int i = pass.i;
        int o = pass.o;
        int bad = pass.badEquals;
        while (i < end) {
            byte c = in[i];
            if (c == '=') {
                int next = afterEquals(in, i + 1, end, atEnd);
                if (next == UNDECIDED && end - i < maxTail) {
                    break;
                }
                if (next >= 0) {
                    i = next; // a soft line break
                    continue;
                }
                int hi = i + 2 < end ? hex(in[i + 1]) : -1;
                int lo = hi >= 0 ? hex(in[i + 2]) : -1;
                if (lo >= 0) {
                    if (out != null) {
                        out[o] = (byte) (hi << 4 | lo);
                    }
                    o++;
                    i += 3;
                } else {
                    bad++;
                    if (out != null) {
                        out[o] = c;
                    }
                    o++;
                    i++;
                }
            } else if (c == ' ' || c == '\t') {
                int j = i + 1;
                while (j < end && (in[j] == ' ' || in[j] == '\t')) {
                    j++;
                }
                if (j == end && !atEnd && end - i < maxTail) {
                    break; // trailing or not: the next block tells
                }
                boolean trailing = j == end ? atEnd : in[j] == '\r' || in[j] == '\n';
                if (!trailing) {
                    if (out != null) {
                        System.arraycopy(in, i, out, o, j - i);
                    }
                    o += j - i;
                }
                i = j;
            } else {
                if (out != null) {
                    out[o] = c;
                }
                o++;
                i++;
            }
        }
        pass.i = i;
        pass.o = o;
        pass.badEquals = bad;
    }

    /**
     * After an '=' at j-1: the index after the soft line break it starts ('=', spaces, then a line break or the end
     * of the data), NONE when it starts none, or UNDECIDED when that needs bytes not read yet. A two-hex-digit escape
     * needs no more than {@code =XX} and is NONE here unless the data ends before it.
     */
    private static int afterEquals(byte[] in, int j, int end, boolean atEnd) {
        if (j + 1 < end && hex(in[j]) >= 0 && hex(in[j + 1]) >= 0) {
            return NONE;
        }
        while (j < end && (in[j] == ' ' || in[j] == '\t')) {
            j++;
        }
        if (j >= end) {
            return atEnd ? end : UNDECIDED;
        }
        if (in[j] == '\n') {
            return j + 1;
        }
        if (in[j] == '\r') {
            if (j + 1 < end) {
                return in[j + 1] == '\n' ? j + 2 : j + 1;
            }
            return atEnd ? j + 1 : UNDECIDED;
        }
        if (!atEnd && j + 1 >= end && hex(in[j]) >= 0) {
            return UNDECIDED; // "=4" and the second digit still to come
        }
        return NONE;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
