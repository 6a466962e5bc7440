package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.pop3x.session.SpooledMessage;

/**
 * A downloaded mail's bytes as the MIME parser reads them: in place, in heap or through a small window over the spool
 * file, so that a large mail is never copied into heap. Ranges are half-open, [from, to).
 */
abstract sealed class MailBytes implements Closeable {

    static MailBytes of(SpooledMessage raw) throws IOException {
        if (raw.bytesInMemory().isPresent()) {
            return new InHeap(raw.bytesInMemory().get());
        }
        return new InFile(raw.spoolFile().orElseThrow());
    }

    static MailBytes of(byte[] bytes) {
        return new InHeap(bytes);
    }

    abstract long size();

    /** The byte at pos, 0-255. */
    abstract int at(long pos);

    /** The position of the first CR or LF in [from, to), or to. */
    abstract long lineBreak(long from, long to);

    /** A fresh stream over [from, to); it stays readable after this object is closed. */
    abstract InputStream open(long from, long to) throws IOException;

    /** The range read byte per char (header lines: Latin-1 is how their bytes are kept until decoded). */
    abstract String latin1(long from, long to);

    /** The mail's bytes when they are in heap (not a copy: only to be read), else null. */
    byte[] heapArray() {
        return null;
    }

    /** The position just after the line break at pos (CRLF, LF, a bare CR, or CR CR LF as Jakarta Mail reads it). */
    final long afterLineBreak(long pos, long to) {
        if (pos >= to) {
            return to;
        }
        if (at(pos) == '\r') {
            if (pos + 2 < to && at(pos + 1) == '\r' && at(pos + 2) == '\n') {
                return pos + 3;
            }
            return pos + 1 < to && at(pos + 1) == '\n' ? pos + 2 : pos + 1;
        }
        return pos + 1;
    }

    @Override
    public void close() throws IOException {
    }

    private static final class InHeap extends MailBytes {
        private final byte[] b;

        InHeap(byte[] b) {
            this.b = b;
        }

        @Override
        long size() {
            return b.length;
        }

        @Override
        byte[] heapArray() {
            return b;
        }

        @Override
        int at(long pos) {
            return b[(int) pos] & 0xFF;
        }

        @Override
        long lineBreak(long from, long to) {
            int end = (int) to;
            for (int i = (int) from; i < end; i++) {
                byte c = b[i];
                if (c == '\n' || c == '\r') {
                    return i;
                }
            }
            return to;
        }

        @Override
        InputStream open(long from, long to) {
            return new ByteArrayInputStream(b, (int) from, (int) (to - from));
        }

        @Override
        String latin1(long from, long to) {
            return new String(b, (int) from, (int) (to - from), StandardCharsets.ISO_8859_1);
        }
    }

    /** The parser reads mostly forward: one 64 KiB window, moved when a read falls outside it. */
    private static final class InFile extends MailBytes {
        private static final int WINDOW = 64 * 1024;
        private final Path file;
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer window = ByteBuffer.allocate(WINDOW);
        private long windowStart = -1;
        private int windowLength;

        InFile(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            this.size = channel.size();
        }

        @Override
        long size() {
            return size;
        }

        @Override
        int at(long pos) {
            if (pos < windowStart || pos >= windowStart + windowLength) {
                fill(pos);
            }
            return window.get((int) (pos - windowStart)) & 0xFF;
        }

        private void fill(long pos) {
            try {
                window.clear();
                long read = 0;
                while (window.hasRemaining()) {
                    int n = channel.read(window, pos + read);
                    if (n < 0) {
                        break;
                    }
                    read += n;
                }
                windowStart = pos;
                windowLength = (int) read;
                if (windowLength == 0) {
                    throw new IOException("read past the end of the spool file at " + pos);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the spooled message", e);
            }
        }

        @Override
        long lineBreak(long from, long to) {
            for (long i = from; i < to; i++) {
                int c = at(i);
                if (c == '\n' || c == '\r') {
                    return i;
                }
            }
            return to;
        }

        @Override
        InputStream open(long from, long to) throws IOException {
            FileChannel part = FileChannel.open(file, StandardOpenOption.READ);
            part.position(from);
            return new BoundedInputStream(Channels.newInputStream(part), to - from);
        }

        @Override
        String latin1(long from, long to) {
            StringBuilder sb = new StringBuilder((int) (to - from));
            for (long i = from; i < to; i++) {
                sb.append((char) at(i));
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** At most limit bytes of a stream (the part of the spool file one MIME part occupies). */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
