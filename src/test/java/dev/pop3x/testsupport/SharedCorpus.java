package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * The real-world mail corpus beside the project ({@code corpus/} in the folder the build passes as system property
 * {@code pop3x.shared}, else {@code ../shared}), read in place, never copied into the project. Outside CI a missing
 * corpus skips the tests that need it; with the environment variable {@code CI=true} it fails them.
 */
public final class SharedCorpus {

    private SharedCorpus() {
    }

    public static Path folder() {
        String shared = System.getProperty("pop3x.shared");
        return shared != null ? Paths.get(shared, "corpus") : Paths.get("../shared/corpus");
    }

    /** Every {@code .eml} file of the corpus, sorted; a missing corpus skips the test (fails it under CI=true). */
    public static List<Path> mails() throws IOException {
        return mailsIfPresent().orElseGet(() -> Assumptions.abort("no corpus at " + folder().toAbsolutePath()));
    }

    /** Every {@code .eml} file of the corpus, sorted; empty when it is missing, which fails under CI=true. */
    public static Optional<List<Path>> mailsIfPresent() throws IOException {
        Path folder = folder();
        if (!Files.isDirectory(folder)) {
            if (TestServerProcess.isCi()) {
                throw new IllegalStateException("no corpus at " + folder.toAbsolutePath()
                                                + " (CI=true: the corpus tests must not be skipped)");
            }
            return Optional.empty();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return Optional.of(walk.filter(p -> p.toString().endsWith(".eml") && Files.isRegularFile(p))
                    .sorted().toList());
        }
    }
}
