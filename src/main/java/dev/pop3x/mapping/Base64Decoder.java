package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lenient base64 (RFC 2045): characters outside the alphabet are skipped, padding ends a group wherever it stands
 * (decoding goes on after it, as concatenated base64 needs), a last group of two or three characters gives the whole
 * bytes it holds and a dangling single character is dropped.
 */
final class Base64Decoder extends DecodingStream {

    private static final byte PAD = -2;
    private static final byte SPACE = -3;
    private static final byte OTHER = -1;
    private static final byte[] VALUES = values();

    private int bits;
    private int count;

    Base64Decoder(InputStream source) {
        super(source, 8192);
    }

    /** The six bits a base64 character stands for, or a negative number for anything else. */
    static int value(int c) {
        return c < 0 || c > 0xFF ? OTHER : VALUES[c];
    }

    @Override
    void decode(boolean atEnd) {
        byte[] in = this.in;
        byte[] out = this.out;
        int o = outEnd;
        int bits = this.bits;
        int count = this.count;
        for (int i = inStart, end = inEnd; i < end; i++) {
            if (count == 0 && i + 3 < end) {
                // the common case, a whole group of four alphabet characters, in one step
                int group = VALUES[in[i] & 0xFF] << 18 | VALUES[in[i + 1] & 0xFF] << 12
                            | VALUES[in[i + 2] & 0xFF] << 6 | VALUES[in[i + 3] & 0xFF];
                if (group >= 0) {
                    out[o] = (byte) (group >> 16);
                    out[o + 1] = (byte) (group >> 8);
                    out[o + 2] = (byte) group;
                    o += 3;
                    i += 3;
                    continue;
                }
            }
            int v = VALUES[in[i] & 0xFF];
            if (v >= 0) {
                bits = bits << 6 | v;
                if (++count == 4) {
                    out[o] = (byte) (bits >> 16);
                    out[o + 1] = (byte) (bits >> 8);
                    out[o + 2] = (byte) bits;
                    o += 3;
                    count = 0;
                    bits = 0;
                }
            } else if (v == PAD) {
                o = flush(out, o, bits, count);
                count = 0;
                bits = 0;
            }
        }
        inStart = inEnd;
        if (atEnd) {
            o = flush(out, o, bits, count);
            count = 0;
            bits = 0;
        }
        outEnd = o;
        this.bits = bits;
        this.count = count;
    }

    /** The whole bytes of an incomplete group; a single character holds none. */
    private static int flush(byte[] out, int o, int bits, int count) {
        if (count == 2) {
            out[o++] = (byte) (bits >> 4);
        } else if (count == 3) {
            out[o++] = (byte) (bits >> 10);
            out[o++] = (byte) (bits >> 2);
        }
        return o;
    }

    /** Decodes characters as the stream decodes bytes (for encoded words); chars above 0xFF are skipped. */
    static byte[] decode(CharSequence s, int from, int to) {
        byte[] latin1 = new byte[to - from];
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            latin1[i - from] = c > 0xFF ? (byte) '!' : (byte) c; // '!' is outside the alphabet: skipped
        }
        try (InputStream in = new Base64Decoder(new ByteArrayInputStream(latin1))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /**
     * Why these bytes do not decode cleanly, or null. Whitespace, line breaks and a missing final padding are fine;
     * characters outside the alphabet, a misplaced '=', data after the padding and groups too short to hold a byte
     * are damage.
     */
    static String damage(byte[] b, int from, int to) {
        int outside = 0;
        int misplacedPads = 0;
        int shortGroups = 0;
        int dataAfterPadding = 0;
        int count = 0;
        boolean padded = false;
        for (int i = from; i < to; i++) {
            int v = VALUES[b[i] & 0xFF];
            if (v >= 0) {
                if (padded) {
                    dataAfterPadding++;
                    padded = false;
                }
                count = (count + 1) & 3;
            } else if (v == PAD) {
                if (count == 1) {
                    shortGroups++;
                } else if (count == 0 && !padded) {
                    misplacedPads++;
                }
                count = 0;
                padded = true;
            } else if (v == OTHER) {
                outside++;
            }
        }
        List<String> reasons = new ArrayList<>(2);
        if (outside > 0) {
            reasons.add(outside + (outside == 1 ? " character" : " characters") + " outside the alphabet");
        }
        if (misplacedPads > 0) {
            reasons.add(misplacedPads + " misplaced '='");
        }
        if (shortGroups > 0) {
            reasons.add(shortGroups + (shortGroups == 1 ? " group" : " groups") + " of 1 character before padding");
        }
        if (dataAfterPadding > 0) {
            reasons.add("data after the padding");
        }
        if (count == 1) {
            reasons.add("1 dangling character at the end");
        }
        return reasons.isEmpty() ? null : "base64: " + String.join(", ", reasons);
    }

    private static byte[] values() {
        byte[] values = new byte[256];
        Arrays.fill(values, OTHER);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            values[alphabet.charAt(i)] = (byte) i;
        }
        values['='] = PAD;
        for (char c : new char[] { ' ', '\t', '\r', '\n', '\f', 0x0B }) {
            values[c] = SPACE;
        }
        return values;
    }
}
