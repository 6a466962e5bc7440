package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a main class of the test class path in a JVM of its own (same java, same class path), output appended to a
 * log file: for tests that need a small heap or a {@code kill -9}.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * @param jvmOptions e.g. {@code -Xmx64m}
     * @param main       the class whose main runs
     * @param log        where its stdout and stderr go (appended)
     * @param args       the main's arguments
     */
    public static Process start(List<String> jvmOptions, Class<?> main, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
