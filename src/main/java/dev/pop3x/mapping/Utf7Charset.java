package dev.pop3x.mapping;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;

/**
 * UTF-7 (RFC 2152), decoding only: the JDK has no UTF-7, and Outlook and old Microsoft mailers still label text and
 * encoded words with it. Direct characters pass through; {@code +} opens a run of modified base64 holding UTF-16
 * units, which ends at the first character outside the base64 alphabet ({@code -} is absorbed, {@code +-} is a
 * plus sign). Leftover bits of a run are dropped, as every decoder does; 8-bit bytes are malformed.
 */
final class Utf7Charset extends Charset {

    static final Utf7Charset INSTANCE = new Utf7Charset();

    private Utf7Charset() {
        super("UTF-7", new String[] { "unicode-1-1-utf-7", "x-unicode-1-1-utf-7", "csUnicode11UTF7", "x-utf-7" });
    }

    @Override
    public boolean contains(Charset cs) {
        return cs instanceof Utf7Charset;
    }

    @Override
    public CharsetDecoder newDecoder() {
        return new Decoder(this);
    }

    @Override
    public boolean canEncode() {
        return false;
    }

    /** Mail is only ever read here. */
    @Override
    public CharsetEncoder newEncoder() {
        throw new UnsupportedOperationException("UTF-7 is only decoded");
    }

    private static final class Decoder extends CharsetDecoder {
        private boolean inBase64;
        private boolean justOpened;
        private int bits;
        private int bitCount;

        Decoder(Charset cs) {
            super(cs, 1f, 1f);
        }

        @Override
        protected CoderResult decodeLoop(ByteBuffer in, CharBuffer out) {
            while (in.hasRemaining()) {
                int b = in.get(in.position()) & 0xFF;
                if (b >= 0x80) {
                    return CoderResult.malformedForLength(1);
                }
                if (inBase64) {
                    int v = Base64Decoder.value(b);
                    if (v >= 0) {
                        if (bitCount >= 10 && !out.hasRemaining()) {
                            return CoderResult.OVERFLOW; // this character completes a UTF-16 unit
                        }
                        in.get();
                        justOpened = false;
                        bits = bits << 6 | v;
                        bitCount += 6;
                        if (bitCount >= 16) {
                            bitCount -= 16;
                            out.put((char) (bits >>> bitCount));
                            bits &= (1 << bitCount) - 1;
                        }
                        continue;
                    }
                    // "+-" is a plus sign; a '+' that opens nothing (as in "1 + 1" by a careless encoder) stays one too
                    int chars = (justOpened ? 1 : 0) + (b == '-' ? 0 : 1);
                    if (out.remaining() < chars) {
                        return CoderResult.OVERFLOW;
                    }
                    in.get();
                    if (justOpened) {
                        out.put('+');
                    }
                    closeRun();
                    if (b != '-') {
                        out.put((char) b); // a direct character ends the run ('-' is the run's terminator)
                    }
                    continue;
                }
                if (b == '+') {
                    in.get();
                    inBase64 = true;
                    justOpened = true;
                    continue;
                }
                if (!out.hasRemaining()) {
                    return CoderResult.OVERFLOW;
                }
                in.get();
                out.put((char) b);
            }
            return CoderResult.UNDERFLOW;
        }

        private void closeRun() {
            inBase64 = false;
            justOpened = false;
            bits = 0;
            bitCount = 0;
        }

        /** A '+' at the very end opened nothing: it stays a plus sign. */
        @Override
        protected CoderResult implFlush(CharBuffer out) {
            if (justOpened) {
                if (!out.hasRemaining()) {
                    return CoderResult.OVERFLOW;
                }
                out.put('+');
            }
            closeRun();
            return CoderResult.UNDERFLOW;
        }

        @Override
        protected void implReset() {
            closeRun();
        }
    }
}
