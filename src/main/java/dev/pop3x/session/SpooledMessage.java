package dev.pop3x.session;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The raw RFC 822 bytes of one downloaded message: in heap up to a threshold, in a spool file above it (see
 * {@link Spool}), so that a large mail is never held whole in memory. {@link #close()} removes the file.
 */
public final class SpooledMessage implements Closeable {

    private final byte[] bytes; // null when spooled to a file
    private final Path file;
    private final long size;

    private SpooledMessage(byte[] bytes, Path file, long size) {
        this.bytes = bytes;
        this.file = file;
        this.size = size;
    }

    public static SpooledMessage of(byte[] bytes) {
        return new SpooledMessage(bytes, null, bytes.length);
    }

    public long size() {
        return size;
    }

    public boolean inMemory() {
        return bytes != null;
    }

    /** A fresh stream over the whole message. */
    public InputStream openStream() throws IOException {
        return bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
    }

    /** The first bytes of the message (its header block, say): bytes[0, length). */
    public record Head(byte[] bytes, int length) {
    }

    /** Up to max bytes from the start; for a message in memory, without a copy. */
    public Head head(int max) throws IOException {
        if (bytes != null) {
            return new Head(bytes, (int) Math.min(bytes.length, max));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] first = in.readNBytes(max);
            return new Head(first, first.length);
        }
    }

    /** The bytes of a message held in memory, not a copy (only to be read); empty when it is spooled. */
    public Optional<byte[]> bytesInMemory() {
        return Optional.ofNullable(bytes);
    }

    /** The spool file; empty when the message is held in memory. */
    public Optional<Path> spoolFile() {
        return Optional.ofNullable(file);
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
        }
    }

    /** Collects a message while it is being read from the server; made by {@link Spool#sink}. */
    public static final class Sink extends OutputStream {
        private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;
        private final long threshold;
        private final Path directory;
        private byte[] memory;
        private int used;
        private Path file;
        private OutputStream fileOut;
        private long count;

        Sink(long threshold, long expectedSize, Path directory) {
            this.threshold = threshold;
            this.directory = directory;
            long initial = expectedSize > 0 ? Math.min(expectedSize, threshold) : Math.min(8192, threshold);
            this.memory = new byte[(int) Math.max(0, Math.min(initial, MAX_ARRAY))];
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (fileOut == null && count + len > threshold) {
                // Camel removes its spool directory when it stops, and a temp directory may be cleaned up too
                Files.createDirectories(directory);
                file = Files.createTempFile(directory, "pop3x-", ".eml");
                fileOut = new BufferedOutputStream(Files.newOutputStream(file), 65536);
                fileOut.write(memory, 0, used);
                memory = null;
            }
            if (fileOut != null) {
                fileOut.write(b, off, len);
            } else {
                if (used + len > memory.length) {
                    long grown = Math.max((long) used + len, Math.min(2L * memory.length, threshold));
                    memory = Arrays.copyOf(memory, (int) Math.min(grown, MAX_ARRAY));
                }
                System.arraycopy(b, off, memory, used, len);
                used += len;
            }
            count += len;
        }

        /** Ends the download and hands the bytes over. */
        public SpooledMessage finish() throws IOException {
            if (fileOut != null) {
                fileOut.close();
                return new SpooledMessage(null, file, count);
            }
            byte[] bytes = used == memory.length ? memory : Arrays.copyOf(memory, used);
            return new SpooledMessage(bytes, null, count);
        }

        /** Drops a partial download (connection lost mid-RETR). */
        public void discard() {
            if (fileOut != null) {
                try {
                    fileOut.close();
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
            memory = null;
        }
    }
}
