package dev.pop3x.example.springboot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The packaged example, started the way the README says: {@code java -jar target/pop3x-spring-boot-example.jar} in the
 * example's folder, with the mailbox in MAILBOX_* environment variables. Its console output goes to a file the test
 * reads.
 */
final class PackagedApp implements AutoCloseable {

    static final Path JAR = Path.of("target", "pop3x-spring-boot-example.jar");

    private final Process process;
    private final Path output;

    private PackagedApp(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static PackagedApp start(Map<String, String> environment, Path output) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn verify (it packages first)");
        }
        Files.createDirectories(output.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-jar", JAR.toString()))
                .directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        // an aborted test run must not leave the app polling
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-example-app"));
        return new PackagedApp(process, output);
    }

    /** Everything the app printed so far. */
    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    long count(Pattern line) {
        return line.matcher(output()).results().count();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the app as Ctrl-C would (SIGTERM, Spring's graceful shutdown), forcibly if it does not end in time. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
