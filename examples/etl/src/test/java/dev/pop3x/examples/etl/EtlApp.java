package dev.pop3x.examples.etl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The example app as its README runs it: {@code java [-Dsetting=value ...] -jar target/pop3x-etl.jar}, in a working
 * folder of its own (where {@code etl-data/} is created), output to {@code app.log} there. Stopped with SIGTERM
 * (Ctrl-C), as a user stops it.
 */
final class EtlApp implements AutoCloseable {

    private final Path workDir;
    private final Path log;
    private final Process process;

    private EtlApp(Path workDir, Path log, Process process) {
        this.workDir = workDir;
        this.log = log;
        this.process = process;
    }

    static EtlApp start(Path workDir, Map<String, String> settings) throws IOException {
        String jar = System.getProperty("etl.jar", "target/pop3x-etl.jar");
        if (!Files.isRegularFile(Paths.get(jar))) {
            throw new IllegalStateException(jar + " not found: run mvn verify (it packages the jar before the ITs)");
        }
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", Paths.get(jar).toAbsolutePath().toString()));
        Path log = workDir.resolve("app.log");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new EtlApp(workDir, log, p);
    }

    Path workDir() {
        return workDir;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** SIGTERM, as Ctrl-C: Camel shuts down gracefully; killed if it has not ended after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
