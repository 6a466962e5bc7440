package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * An example app started by a test the way its README says ({@code java -jar ...}, {@code mvn camel:run}, ...) in a
 * process of its own, so the test sees what a user sees: its console output and what it does from outside.
 * <p>
 * Why one class: every example IT needs the same start, wait and stop, and the stop is easy to get subtly wrong. A
 * launcher such as {@code mvn camel:run} may fork the app, so {@link #close()} stops the whole process tree, and a
 * test run that is aborted must not leave an app polling a mailbox, so a shutdown hook stops it too (and is removed
 * again by {@code close()}, or the hooks would pile up over a test run).
 * <p>
 * The log file is started afresh at each start (not appended to): tests count the lines an app writes, and a log left
 * by an earlier run must not count.
 */
public final class AppProcess implements AutoCloseable {

    /** How long a SIGTERM gets (an app shuts Camel down gracefully, Quarkus and Spring too) before SIGKILL. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path log;
    private final Thread shutdownHook;

    private AppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.shutdownHook = new Thread(this::stop, "stop-app-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code command} in {@code workDir} with {@code environment} added to this JVM's, stdout and stderr into
     * {@code log} (its folder is created, the file replaced).
     */
    public static AppProcess start(Path workDir, List<String> command, Map<String, String> environment, Path log)
            throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new AppProcess(builder.start(), log);
    }

    /** The {@code java} of the JVM running the tests. */
    public static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return log;
    }

    /** Everything the app printed so far ("" before its first line). */
    public String log() {
        return TestServerProcess.read(log);
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String logTail(int lines) {
        return TestServerProcess.tail(log, lines);
    }

    /**
     * Waits until the log contains {@code text}. Fails at once when the app exits first, and after {@code timeout}
     * (both with the log's tail in the message).
     */
    public void awaitLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text)) {
            if (!isAlive()) {
                // the last lines may have been written just before the exit
                if (log().contains(text)) {
                    return;
                }
                throw new AssertionError("the app exited with " + process.exitValue() + " before it wrote \"" + text
                                         + "\"; its output:\n" + logTail(80));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the app did not write \"" + text + "\" within " + timeout.toSeconds()
                                         + " s; its output:\n" + logTail(80));
            }
            Thread.sleep(100);
        }
    }

    /** Stops the app (see {@link #stop()}) and removes the shutdown hook. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs (or ran) stop() itself
        }
    }

    /**
     * SIGTERM, as Ctrl-C, to the app's descendants first (a forked app must not be left behind when its launcher
     * ends), then to the app; waits up to {@link #STOP_TIMEOUT} for all of them, then SIGKILLs what is left. Does
     * nothing once the tree has ended.
     */
    private void stop() {
        List<ProcessHandle> tree;
        try (Stream<ProcessHandle> descendants = process.descendants()) {
            tree = new ArrayList<>(descendants.toList());
        }
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                System.err.println("AppProcess: killing pid " + p.pid() + " after SIGTERM was ignored for "
                                   + STOP_TIMEOUT.toSeconds() + " s");
                p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tree.forEach(ProcessHandle::destroyForcibly);
                return;
            }
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS); // reap it, so its exit value is there
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
