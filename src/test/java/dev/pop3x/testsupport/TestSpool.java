package dev.pop3x.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A spool folder for tests that spool mails themselves. Their mails stay readable after the test method (bodies and
 * attachments are read from the file afterwards), so the folder and what is left in it go when the test JVM ends
 * instead of piling up in the system's temp folder.
 */
public final class TestSpool {

    private static final Path FOLDER = create();

    private TestSpool() {
    }

    public static Path folder() {
        return FOLDER;
    }

    private static Path create() {
        try {
            Path folder = Files.createTempDirectory("pop3x-test-spool-");
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(() -> TestServerProcess.deleteRecursively(folder, "test spool")));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
