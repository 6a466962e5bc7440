package dev.pop3x.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real standalone ZooKeeper (Debian's {@code zookeeper} package, 3.8) for one test class: a
 * {@code ZooKeeperServerMain} JVM with a generated {@code zoo.cfg}, in a fresh temp folder, on a free loopback port.
 *
 * <pre>
 * &#64;RegisterExtension
 * static ZooKeeperExtension zookeeper = new ZooKeeperExtension();
 * ...
 * clusterService.setNodes(zookeeper.connectString());
 * </pre>
 *
 * <p>Ready when the four-letter word {@code srvr} answers {@code Mode: standalone}. With {@code tickTime=2000} the
 * server grants client session timeouts between 4 s and 40 s. The server is stopped by its pid (SIGTERM, then SIGKILL)
 * in afterAll, and from a shutdown hook after an aborted run; then the folder is deleted.
 *
 * <p>If {@code /usr/share/java/zookeeper.jar} (or the jar given with the system property {@code pop3x.zookeeper.jar})
 * is missing the test class is skipped, unless the environment variable {@code CI} is {@code true}: then it fails. Set
 * {@code pop3x.keepZooKeeper=true} to keep the temp folder ({@code zoo.cfg}, data, {@code zookeeper.out}).
 */
public class ZooKeeperExtension implements BeforeAllCallback, AfterAllCallback, ExecutionCondition {

    public static final String DEFAULT_JAR = "/usr/share/java/zookeeper.jar";
    public static final String IP = TestServerProcess.IP;
    public static final int TICK_MILLIS = 2000;

    /** Debian's slf4j binding (a dependency of the package): without it the server logs nothing at all. */
    private static final Path SLF4J_SIMPLE = Paths.get("/usr/share/java/slf4j-simple.jar");
    private static final String MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pop3x.zookeeper.startupTimeoutSeconds", 30));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final TestServerProcess server = new TestServerProcess("ZooKeeper");
    private Path dir;
    private Path outFile;
    private int port;
    private long pid = -1;
    private int attempts;

    // ---------------------------------------------------------------- JUnit

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestServerProcess.condition(missingJarMessage(), "ZooKeeper found", "ZooKeeper tests");
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    // ---------------------------------------------------------------- API

    /** {@code 127.0.0.1:<port>}, e.g. for {@code ZooKeeperClusterService.setNodes}. */
    public String connectString() {
        return IP + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The server JVM's pid, e.g. to pause it with SIGSTOP; -1 before start. */
    public long pid() {
        return pid;
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    public Path tempDir() {
        return dir;
    }

    /** Startup attempts of the last start: 2 when the first one lost its port to another process. */
    int attempts() {
        return attempts;
    }

    /** The server's answer to a four-letter word; {@code srvr} and {@code ruok} are enabled. */
    public String fourLetterWord(String word) throws IOException {
        return fourLetterWord(port, word);
    }

    /** The server's log (slf4j-simple, INFO). */
    public String log() {
        return TestServerProcess.read(outFile);
    }

    public String logTail(int lines) {
        return TestServerProcess.tail(outFile, lines);
    }

    /** The ZooKeeper server jar (its manifest's Class-Path names its dependencies in /usr/share/java). */
    public static String jar() {
        String jar = System.getProperty("pop3x.zookeeper.jar");
        return jar == null || jar.isBlank() ? DEFAULT_JAR : jar;
    }

    // ---------------------------------------------------------------- lifecycle

    public synchronized void start() throws Exception {
        if (server.isRunning()) {
            throw new IllegalStateException("ZooKeeper already started");
        }
        TestServerProcess.requireOrSkip(missingJarMessage(), "ZooKeeper tests");
        boolean ok = false;
        try {
            dir = Files.createTempDirectory("pop3x-zookeeper-");
            outFile = dir.resolve("zookeeper.out");
            TestServerProcess.launchWithPortRetry(this::launch, () -> server.destroy(STOP_TIMEOUT),
                    () -> TestServerProcess.tail(outFile, 200), n -> attempts = n);
            ok = true;
        } finally {
            if (!ok) {
                stop();
            }
        }
    }

    public synchronized void stop() {
        server.destroy(STOP_TIMEOUT);
        if (dir != null && !Boolean.getBoolean("pop3x.keepZooKeeper")) {
            TestServerProcess.deleteRecursively(dir, "ZooKeeperExtension");
        }
    }

    private void launch() throws Exception {
        port = TestServerProcess.freePort();
        Path cfg = dir.resolve("zoo.cfg");
        Files.writeString(cfg, config());
        List<String> classPath = new ArrayList<>(List.of(dir.toString(), jar()));
        if (Files.isRegularFile(SLF4J_SIMPLE)) {
            classPath.add(SLF4J_SIMPLE.toString());
        }
        List<String> command = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", String.join(":", classPath), MAIN, cfg.toString());
        Process process = server.start(new ProcessBuilder(command).directory(dir.toFile()), outFile, this::stop);
        pid = process.pid();
        awaitStandalone(process, System.nanoTime() + STARTUP_TIMEOUT.toNanos());
    }

    private String config() {
        return "# generated by " + getClass().getName() + "\n"
               + "tickTime=" + TICK_MILLIS + "\n"
               + "dataDir=" + dir.resolve("data") + "\n"
               + "clientPort=" + port + "\n"
               + "clientPortAddress=" + IP + "\n"
               + "admin.enableServer=false\n"
               + "4lw.commands.whitelist=srvr,ruok\n";
    }

    /** Asks {@code srvr} until the answer says {@code Mode: standalone}; fails when the process exits or at deadline. */
    private void awaitStandalone(Process process, long deadline) throws InterruptedException {
        Exception last = null;
        while (true) {
            if (!process.isAlive()) {
                throw failure("ZooKeeper exited with code " + process.exitValue() + " during startup", last);
            }
            try {
                String answer = fourLetterWord(port, "srvr");
                if (answer.contains("Mode: standalone")) {
                    return;
                }
                last = new IOException("srvr answered: " + answer);
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw failure("ZooKeeper did not answer srvr with \"Mode: standalone\" on port " + port + " within "
                              + STARTUP_TIMEOUT.toSeconds() + " s",
                        last);
            }
            Thread.sleep(50);
        }
    }

    private IllegalStateException failure(String message, Exception cause) {
        return new IllegalStateException(message + "\n--- " + outFile + " (tail) ---\n"
                                         + TestServerProcess.tail(outFile, 40),
                cause);
    }

    // ---------------------------------------------------------------- helpers

    private static String fourLetterWord(int port, String word) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(IP, port), (int) PROBE_TIMEOUT.toMillis());
            s.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // the server answers and closes the connection
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String missingJarMessage() {
        if (!Files.isRegularFile(Paths.get(jar()))) {
            return jar() + " not found (-Dpop3x.zookeeper.jar); install it: "
                   + "apt-get install -y --no-install-recommends zookeeper";
        }
        return null;
    }
}
