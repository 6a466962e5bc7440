package dev.pop3x.testsupport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

/**
 * What the real-server extensions ({@link DovecotExtension}, {@link MailutilsExtension}) share: one server process
 * started in the foreground with its output in a file, a shutdown hook, waiting for {@code +OK} greetings (plain, or
 * after a TLS handshake with host name verification), stopping the process and its children by pid; and static
 * helpers for free loopback ports, binary lookup, the skip-unless-CI rule, running a tool, log tails and deleting the
 * temp folder.
 */
final class TestServerProcess {

    /** Host name matching the test certificates; resolves to 127.0.0.1 (the JVM prefers IPv4). */
    static final String HOST = "localhost";
    static final String IP = "127.0.0.1";

    private final String name;
    private Process process;
    private Thread shutdownHook;

    /** @param name the server's name in messages and thread names, e.g. {@code "Dovecot"} */
    TestServerProcess(String name) {
        this.name = name;
    }

    // ---------------------------------------------------------------- one process

    /**
     * Starts the process with stdout and stderr into {@code outFile} (replaced), and registers a shutdown hook running
     * {@code onJvmExit} (normally the extension's stop, so an aborted run leaves no server behind).
     */
    synchronized Process start(ProcessBuilder builder, Path outFile, Runnable onJvmExit) throws IOException {
        if (process != null) {
            throw new IllegalStateException(name + " already started");
        }
        Files.deleteIfExists(outFile);
        process = builder.redirectErrorStream(true).redirectOutput(outFile.toFile()).start();
        shutdownHook = new Thread(onJvmExit, name.toLowerCase() + "-shutdown-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        return process;
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Live child processes (e.g. one per POP3 session for a forking server); empty when not running. */
    synchronized List<ProcessHandle> children() {
        if (process == null) {
            return List.of();
        }
        try (Stream<ProcessHandle> d = process.descendants()) {
            return d.filter(ProcessHandle::isAlive).toList();
        }
    }

    /**
     * Waits until {@code port} greets with {@code +OK} (after a TLS handshake with host name verification when
     * {@code ssl} is given). Fails, using {@code failure} to build the exception, when the process exits, when
     * {@code startupProblem} returns a message (checked between attempts; may be null), or at {@code deadline}.
     */
    void awaitGreeting(String portName, int port, SSLContext ssl, long deadline, Duration timeout,
            Supplier<String> startupProblem, BiFunction<String, Exception, IllegalStateException> failure)
            throws InterruptedException {
        Exception last = null;
        while (true) {
            Process p;
            synchronized (this) {
                p = process;
            }
            if (p == null) {
                throw failure.apply(name + " was stopped during startup", last);
            }
            if (!p.isAlive()) {
                throw failure.apply(name + " exited with code " + p.exitValue() + " during startup", last);
            }
            String problem = startupProblem == null ? null : startupProblem.get();
            if (problem != null) {
                throw failure.apply(name + " failed to start: " + problem, last);
            }
            try {
                String greeting = readGreeting(port, ssl);
                if (greeting != null && greeting.startsWith("+OK")) {
                    return;
                }
                last = new IOException("unexpected greeting on port " + port + ": " + greeting);
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw failure.apply(name + " did not greet on " + portName + " port " + port
                                    + " within " + timeout.toSeconds() + " s",
                        last);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until {@code outFile} contains {@code marker} (e.g. a "started" line written after the listeners are
     * bound). Fails like {@link #awaitGreeting} when the process exits or at {@code deadline}.
     */
    void awaitOutput(Path outFile, String marker, long deadline, Duration timeout,
            BiFunction<String, Exception, IllegalStateException> failure)
            throws InterruptedException {
        while (!read(outFile).contains(marker)) {
            Process p;
            synchronized (this) {
                p = process;
            }
            if (p == null) {
                throw failure.apply(name + " was stopped during startup", null);
            }
            if (!p.isAlive() && !read(outFile).contains(marker)) {
                throw failure.apply(name + " exited with code " + p.exitValue() + " during startup", null);
            }
            if (System.nanoTime() > deadline) {
                throw failure.apply(name + " did not write \"" + marker + "\" within " + timeout.toSeconds() + " s",
                        null);
            }
            Thread.sleep(20);
        }
    }

    /**
     * SIGTERM to the process and, at the same time, to all its descendants; waits up to {@code timeout} for all of
     * them, then kills whatever is left, reaps the process and removes the shutdown hook. No-op when not started.
     */
    void destroy(Duration timeout) {
        Process p;
        Thread hook;
        synchronized (this) {
            p = process;
            hook = shutdownHook;
            process = null;
            shutdownHook = null;
        }
        if (p == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>();
        all.add(p.toHandle());
        try (Stream<ProcessHandle> d = p.descendants()) {
            d.forEach(all::add);
        }
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (ProcessHandle h : all) {
                long left = deadline - System.nanoTime();
                if (h.isAlive() && left > 0) {
                    try {
                        h.onExit().get(left, TimeUnit.NANOSECONDS);
                    } catch (TimeoutException | ExecutionException e) {
                        // killed below
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                System.err.println(name + ": killing pid " + h.pid() + " after SIGTERM was ignored");
                h.destroyForcibly();
            }
        }
        try {
            p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS); // reap the main process
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // JVM already shutting down
            }
        }
    }

    // ---------------------------------------------------------------- startup with a port retry

    /** One launch attempt: picks ports, writes the config, starts the process, waits for the greetings. */
    interface Launch {
        void run() throws Exception;
    }

    /**
     * Runs {@code launch}; when it fails and {@code output} (read after {@code cleanup}) mentions "Address already in
     * use", a port was taken between probing and bind: cleans up and tries once more (with new ports). The attempt
     * number (1 or 2) goes to {@code attempt} before each try.
     */
    static void launchWithPortRetry(Launch launch, Runnable cleanup, Supplier<String> output, IntConsumer attempt)
            throws Exception {
        Exception first = null;
        for (int n = 1; n <= 2; n++) {
            attempt.accept(n);
            try {
                launch.run();
                return;
            } catch (Exception e) {
                cleanup.run();
                if (first != null) {
                    e.addSuppressed(first);
                    throw e;
                }
                if (!output.get().contains("Address already in use")) {
                    throw e;
                }
                first = e;
            }
        }
    }

    // ---------------------------------------------------------------- greeting

    /** Connects to {@code IP:port}, optionally does a TLS handshake for {@link #HOST}, reads one line, sends QUIT. */
    static String readGreeting(int port, SSLContext ssl) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(InetAddress.getByName(IP), port), 2000);
            plain.setSoTimeout(5000);
            Socket s = plain;
            if (ssl != null) {
                SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(plain, HOST, port, true);
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(params);
                tls.startHandshake();
                s = tls;
            }
            try (Socket ignored = s) {
                BufferedReader r = new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String line = r.readLine();
                s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                return line;
            }
        }
    }

    // ---------------------------------------------------------------- environment

    /** A currently free loopback port. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(IP))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * The skip rule as an ExecutionCondition result: enabled when nothing is missing ({@code missing == null}) or under
     * CI=true (then {@link #requireOrSkip} fails in beforeAll); otherwise disabled with the message.
     */
    static ConditionEvaluationResult condition(String missing, String foundMessage, String what) {
        return missing == null || isCi()
                ? ConditionEvaluationResult.enabled(foundMessage)
                : ConditionEvaluationResult
                        .disabled(missing + " -- skipping " + what + " (set CI=true to fail instead)");
    }

    /** In beforeAll: with something missing, fails under CI=true, otherwise aborts the class as skipped. */
    static void requireOrSkip(String missing, String what) {
        if (missing == null) {
            return;
        }
        if (isCi()) {
            throw new IllegalStateException(missing + " (CI=true: real-server tests must not be skipped)");
        }
        Assumptions.assumeTrue(false, missing + " -- skipping " + what);
    }

    /** The first regular executable {@code name} in PATH, then in {@code extraDirs}; null if none. */
    static String findBinary(String name, String... extraDirs) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of(extraDirs));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(d, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** {@code override} if set (null unless executable), else {@link #findBinary}. */
    static String binary(String override, String name, String... extraDirs) {
        return override == null || override.isBlank()
                ? findBinary(name, extraDirs)
                : Files.isExecutable(Paths.get(override)) ? override : null;
    }

    // ---------------------------------------------------------------- files and tools

    /** Runs a tool in {@code dir}; returns its output (stdout and stderr); throws on a non-zero exit or timeout. */
    static String run(Path dir, List<String> command, Duration timeout) throws Exception {
        Path out = Files.createTempFile(dir, "cmd-", ".out");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (!done || p.exitValue() != 0) {
            throw new IllegalStateException("command failed" + (done ? " (exit " + p.exitValue() + ")" : " (timeout)")
                                            + ": " + String.join(" ", command) + "\n" + output);
        }
        return output;
    }

    /** The whole file as UTF-8, "" if it does not exist. */
    static String read(Path file) {
        try {
            return file != null && Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                    : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(Path file, int lines) {
        if (file == null || !Files.exists(file)) {
            return "(no file)";
        }
        try {
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Deletes a folder tree; problems are printed (as {@code who}), not thrown. */
    static void deleteRecursively(Path root, String who) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println(who + ": could not delete " + root + ": " + e);
        }
    }
}
