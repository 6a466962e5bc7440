package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A stream that decodes its source block by block: each refill reads a block of raw bytes and a subclass decodes it
 * in one loop into a buffer the reads are served from, so no read costs a call per byte.
 */
abstract class DecodingStream extends InputStream {

    private final InputStream source;
    /** Raw bytes not yet decoded: {@code in[inStart, inEnd)}. */
    final byte[] in;
    int inStart;
    int inEnd;
    /** Decoded bytes not yet read: {@code out[outPos, outEnd)}; a decoder appends at outEnd. */
    final byte[] out;
    int outEnd;
    private int outPos;
    private boolean sourceEnded;
    /** Set by a decoder that needs no more input (uuencode's "end" line). */
    boolean finished;

    DecodingStream(InputStream source, int blockSize) {
        this.source = source;
        this.in = new byte[blockSize];
        this.out = new byte[blockSize + 8]; // a block never decodes to more bytes than it has
    }

    /**
     * Decodes what it can of {@code in[inStart, inEnd)} and advances inStart past it. A tail whose meaning depends on
     * bytes not read yet may stay, but never the whole block; at the end of the source nothing may stay.
     */
    abstract void decode(boolean atEnd);

    @Override
    public int read() throws IOException {
        while (outPos == outEnd) {
            if (!refill()) {
                return -1;
            }
        }
        return out[outPos++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (outPos == outEnd) {
            if (!refill()) {
                return -1;
            }
        }
        int n = Math.min(len, outEnd - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        return n;
    }

    private boolean refill() throws IOException {
        if (sourceEnded || finished) {
            return false;
        }
        outPos = 0;
        outEnd = 0;
        if (inStart > 0) {
            System.arraycopy(in, inStart, in, 0, inEnd - inStart);
            inEnd -= inStart;
            inStart = 0;
        }
        int n = source.read(in, inEnd, in.length - inEnd);
        if (n < 0) {
            sourceEnded = true;
            decode(true);
        } else {
            inEnd += n;
            decode(false);
        }
        return true;
    }

    @Override
    public int available() {
        return outEnd - outPos;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
