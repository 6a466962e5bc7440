package dev.pop3x.session;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where downloaded messages are kept: in memory up to {@code threshold} octets, above it in a file in
 * {@code directory}.
 *
 * @param threshold the largest message kept in memory, in octets
 * @param directory where larger messages are spooled (created when missing)
 */
public record Spool(long threshold, Path directory) {

    public Spool {
        Objects.requireNonNull(directory, "directory");
    }

    /**
     * A sink for one download.
     *
     * @param expectedSize the size LIST announced (0 or less when unknown), so that a message kept in memory is read
     *                     into one array of the right size instead of a growing and copied one
     */
    public SpooledMessage.Sink sink(long expectedSize) {
        return new SpooledMessage.Sink(threshold, expectedSize, directory);
    }
}
