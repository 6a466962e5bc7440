package dev.pop3x.testsupport;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real PostgreSQL (Debian's {@code postgresql} package, version 15 by default) for one test class, in a fresh
 * temp folder, on a free loopback port, with its Unix socket in that folder.
 *
 * <pre>
 * &#64;RegisterExtension
 * static PostgresExtension postgres = new PostgresExtension().withDatabase("invoices");
 * ...
 * DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
 * </pre>
 *
 * <p>{@code initdb} and {@code postgres} refuse to run as root: as root every server tool runs as {@code nobody}
 * through {@code runuser -u nobody --}, otherwise as the current user. TCP connections (127.0.0.1) need the password
 * ({@code scram-sha-256}), connections through the socket are trusted ({@link #psql} uses them). The server is
 * stopped with {@code pg_ctl stop -m fast} in afterAll (its pid is killed if that fails, also from a shutdown hook
 * after an aborted run) and the folder deleted.
 *
 * <p>This extension needs no JDBC driver; {@link #dataSource()} and {@link #jdbcUrl()} need
 * {@code org.postgresql:postgresql} on the test class path of whoever calls them.
 *
 * <p>If the binaries are missing the test class is skipped, unless the environment variable {@code CI} is
 * {@code true}: then it fails. They are looked up in {@code /usr/lib/postgresql/15/bin}, or in the folder given with
 * the system property {@code pop3x.postgres.bin}. Set {@code pop3x.keepPostgres=true} to keep the temp folder (data,
 * {@code server.log}) after the run.
 */
public class PostgresExtension implements BeforeAllCallback, AfterAllCallback, ExecutionCondition {

    public static final String USER = "pop3x";
    public static final String PASSWORD = "pop3x-test-secret";
    public static final String DEFAULT_BIN = "/usr/lib/postgresql/15/bin";
    public static final String IP = TestServerProcess.IP;

    private HikariDataSource pool;

    private static final String RUN_AS = "nobody";
    private static final String RUN_AS_GROUP = "nogroup";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pop3x.postgres.startupTimeoutSeconds", 60));
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private String database = "postgres";
    private final List<String> settings = new ArrayList<>();

    private Path dir;
    private Path dataDir;
    private Path logFile;
    private int port;
    private Thread shutdownHook;
    private int attempts;

    /** A database of that name is created after start and is the one {@link #jdbcUrl()} points at. */
    public PostgresExtension withDatabase(String name) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain lower-case identifier: " + name);
        }
        this.database = name;
        return this;
    }

    /** Adds server settings ({@code -c name=value}), e.g. {@code "log_statement=all"}. */
    public PostgresExtension withSetting(String nameEqualsValue) {
        settings.add(nameEqualsValue);
        return this;
    }

    // ---------------------------------------------------------------- JUnit

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestServerProcess.condition(missingBinaryMessage(), "PostgreSQL found", "PostgreSQL tests");
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        stop();
    }

    // ---------------------------------------------------------------- API

    public String host() {
        return IP;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}; pass {@link #user()} and {@link #password()}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + IP + ":" + port + "/" + database;
    }

    /** The test class's HikariCP pool ({@link LedgerDatabase#pooled}), made on first use, closed in afterAll. */
    public synchronized HikariDataSource pool() {
        if (pool == null) {
            pool = LedgerDatabase.pooled(this);
        }
        return pool;
    }

    /** Connections from {@code DriverManager} (no pool); needs the PostgreSQL JDBC driver on the class path. */
    public DataSource dataSource() {
        return new DriverManagerDataSource(jdbcUrl(), USER, PASSWORD);
    }

    public Path tempDir() {
        return dir;
    }

    /** The folder of the Unix socket (the temp folder). */
    public Path socketDir() {
        return dir;
    }

    /** Startup attempts of the last start: 2 when the first one lost its port to another process. */
    int attempts() {
        return attempts;
    }

    public boolean isRunning() {
        return dataDir != null && Files.exists(dataDir.resolve("postmaster.pid"));
    }

    /**
     * Runs SQL through {@code psql} over the socket as the superuser ({@code -At}: unaligned, tuples only, columns
     * separated by {@code |}); returns its output. Fails on any SQL error ({@code ON_ERROR_STOP}).
     */
    public String psql(String sql) throws Exception {
        return psql(database, sql);
    }

    public String psql(String db, String sql) throws Exception {
        return run(List.of(tool("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", dir.toString(),
                "-p", String.valueOf(port), "-U", USER, "-d", db, "-c", sql), Map.of()).strip();
    }

    /** Runs SQL through {@code psql} over TCP (127.0.0.1) with the given password, as a client of the port would. */
    String psqlOverTcp(String pass, String sql) throws Exception {
        return run(List.of(tool("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", IP,
                "-p", String.valueOf(port), "-U", USER, "-d", database, "-c", sql), Map.of("PGPASSWORD", pass)).strip();
    }

    /** The server's log (startup, errors, the statements with {@code withSetting("log_statement=all")}). */
    public String log() {
        return TestServerProcess.read(logFile);
    }

    public String logTail(int lines) {
        return TestServerProcess.tail(logFile, lines);
    }

    /** The folder holding initdb, pg_ctl, psql, ... */
    public static String binDir() {
        String bin = System.getProperty("pop3x.postgres.bin");
        return bin == null || bin.isBlank() ? DEFAULT_BIN : bin;
    }

    // ---------------------------------------------------------------- lifecycle

    public synchronized void start() throws Exception {
        if (isRunning()) {
            throw new IllegalStateException("PostgreSQL already started");
        }
        TestServerProcess.requireOrSkip(missingBinaryMessage(), "PostgreSQL tests");
        boolean ok = false;
        try {
            dir = Files.createTempDirectory("pop3x-postgres-");
            dataDir = dir.resolve("data");
            logFile = dir.resolve("server.log");
            Path pwFile = dir.resolve("pwfile");
            Files.writeString(pwFile, PASSWORD + "\n");
            if (isRoot()) {
                // the server runs as nobody: it owns the folder (the socket and the log are written there)
                TestServerProcess.run(dir, List.of("chown", "-R", RUN_AS + ":" + RUN_AS_GROUP, dir.toString()),
                        TOOL_TIMEOUT);
                checkTraversable(dir);
            } else {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            run(List.of(tool("initdb"), "-D", dataDir.toString(), "-U", USER, "--pwfile=" + pwFile,
                    "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale", "--no-sync"),
                    Map.of());
            Files.deleteIfExists(pwFile);
            shutdownHook = new Thread(this::stopServer, "postgres-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            TestServerProcess.launchWithPortRetry(this::launch, this::stopServer,
                    () -> TestServerProcess.tail(logFile, 200),
                    n -> attempts = n);
            if (!"postgres".equals(database)) {
                psql("postgres", "CREATE DATABASE " + database);
            }
            ok = true;
        } finally {
            if (!ok) {
                stop();
            }
        }
    }

    public synchronized void stop() {
        stopServer();
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // JVM already shutting down
            }
        }
        if (dir != null && !Boolean.getBoolean("pop3x.keepPostgres")) {
            TestServerProcess.deleteRecursively(dir, "PostgresExtension");
        }
    }

    private void launch() throws Exception {
        port = TestServerProcess.freePort();
        StringBuilder options = new StringBuilder();
        options.append("-p ").append(port).append(" -k ").append(dir)
                .append(" -c listen_addresses=").append(IP)
                .append(" -c shared_buffers=32MB -c max_connections=50 -c fsync=off");
        for (String s : settings) {
            options.append(" -c ").append(s);
        }
        try {
            run(List.of(tool("pg_ctl"), "-D", dataDir.toString(), "-l", logFile.toString(), "-w",
                    "-t", String.valueOf(STARTUP_TIMEOUT.toSeconds()), "-o", options.toString(), "start"), Map.of());
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n--- " + logFile + " (tail) ---\n"
                                            + TestServerProcess.tail(logFile, 40),
                    e);
        }
    }

    /** {@code pg_ctl stop -m fast}; if that fails, SIGKILL to the postmaster's pid. Quiet when not running. */
    private void stopServer() {
        if (dataDir == null || !Files.exists(dataDir.resolve("postmaster.pid"))) {
            return;
        }
        long pid = postmasterPid();
        try {
            run(List.of(tool("pg_ctl"), "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop"), Map.of());
        } catch (Exception e) {
            System.err.println("PostgresExtension: pg_ctl stop failed (" + e.getMessage().lines().findFirst().orElse("")
                               + "), killing pid " + pid);
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroyForcibly();
                    h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> h).join();
                });
            }
        }
    }

    private long postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- tools

    /** Runs a PostgreSQL tool (as nobody when root), with {@code env} added; returns its output. */
    private String run(List<String> command, Map<String, String> env) throws Exception {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        full.addAll(command);
        if (env.isEmpty()) {
            return TestServerProcess.run(dir, full, TOOL_TIMEOUT);
        }
        List<String> withEnv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> withEnv.add(k + "=" + v));
        withEnv.addAll(full);
        return TestServerProcess.run(dir, withEnv, TOOL_TIMEOUT);
    }

    private static String tool(String name) {
        return Paths.get(binDir(), name).toString();
    }

    private static String missingBinaryMessage() {
        for (String name : List.of("initdb", "pg_ctl", "psql")) {
            if (!Files.isExecutable(Paths.get(binDir(), name))) {
                return name + " not found in " + binDir() + " (-Dpop3x.postgres.bin); install it: "
                       + "apt-get install -y postgresql";
            }
        }
        if (isRoot() && TestServerProcess.findBinary("runuser", "/usr/sbin", "/sbin") == null) {
            return "runuser not found (needed to run PostgreSQL as nobody when root)";
        }
        return null;
    }

    private static boolean isRoot() {
        return TestServerProcess.isRoot();
    }

    private static void checkTraversable(Path dir) throws IOException {
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException("PostgreSQL (user nobody) cannot enter " + p
                                                + "; set java.io.tmpdir to a world-traversable folder such as /tmp");
            }
        }
    }

    /** The smallest DataSource: a new connection from DriverManager per call. */
    private static final class DriverManagerDataSource implements DataSource {

        private final String url;
        private final String user;
        private final String password;
        private int loginTimeout;

        DriverManagerDataSource(String url, String user, String password) {
            this.url = url;
            this.user = user;
            this.password = password;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String username, String pass) throws SQLException {
            return DriverManager.getConnection(url, username, pass);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // DriverManager's own log writer applies
        }

        @Override
        public void setLoginTimeout(int seconds) {
            loginTimeout = seconds;
        }

        @Override
        public int getLoginTimeout() {
            return loginTimeout;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException("not a wrapper for " + iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }

        @Override
        public String toString() {
            return "DataSource[" + url + ", user " + user + "]"; // never the password
        }
    }
}
