package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real Dovecot (POP3 only) for one test class, on free loopback ports, from a fresh temp folder.
 *
 * <pre>
 * &#64;RegisterExtension
 * static DovecotExtension dovecot = new DovecotExtension();            // or .withLockSession(true)
 * </pre>
 *
 * <p>Ports: {@link #pop3Port()} (plain, STLS offered) and {@link #pop3sPort()} (implicit TLS). The server certificate is
 * for CN=localhost with SAN DNS:localhost, IP:127.0.0.1; {@link #trustStorePath()} trusts exactly that certificate,
 * {@link #untrustedTrustStorePath()} trusts only an unrelated certificate (also CN=localhost).
 *
 * <p>If the {@code dovecot} binary (or {@code openssl}) is missing the test class is skipped, unless the environment
 * variable {@code CI} is {@code true}: then it fails. The binary is looked up in PATH, /usr/sbin, /usr/local/sbin and
 * /sbin, or given with the system property {@code pop3x.dovecot}. Set the system property {@code pop3x.keepDovecot=true}
 * to keep the temp folder (config, log, Maildir) after the run.
 */
public class DovecotExtension implements BeforeAllCallback, AfterAllCallback, ExecutionCondition {

    public static final String USER = "alice";
    public static final String PASSWORD = "secret";

    /** Host name matching the server certificate; resolves to 127.0.0.1 (the JVM prefers IPv4). */
    public static final String HOST = TestServerProcess.HOST;
    public static final String IP = TestServerProcess.IP;

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pop3x.dovecot.startupTimeoutSeconds", 30));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    private boolean lockSession;
    private final List<String> extraConfig = new ArrayList<>();

    private Path dir;
    private Path maildir;
    private Path logFile;
    private Path outFile;
    private Path trustStore;
    private Path untrustedTrustStore;
    private int pop3Port;
    private int pop3sPort;
    private final TestServerProcess server = new TestServerProcess("Dovecot");
    private int attempts;

    /** {@code pop3_lock_session = yes}: a second concurrent session gets {@code -ERR [IN-USE]} (after ~10 s). */
    public DovecotExtension withLockSession(boolean lock) {
        this.lockSession = lock;
        return this;
    }

    /** Adds raw lines to dovecot.conf (appended at the end, e.g. {@code "pop3_logout_format = ..."}). */
    public DovecotExtension withConfig(String... lines) {
        extraConfig.addAll(List.of(lines));
        return this;
    }

    // ---------------------------------------------------------------- JUnit

    /** Disables the class (reported as skipped) when a binary is missing, unless CI=true: then beforeAll fails. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestServerProcess.condition(missingBinaryMessage(), "dovecot and openssl found", "Dovecot tests");
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

    public String host() {
        return HOST;
    }

    public String ip() {
        return IP;
    }

    /** Startup attempts of the last {@link #beforeAll}: 2 when the first one lost a port to another process. */
    int attempts() {
        return attempts;
    }

    public int pop3Port() {
        return pop3Port;
    }

    public int pop3sPort() {
        return pop3sPort;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public Path trustStorePath() {
        return trustStore;
    }

    public String trustStorePassword() {
        return TestCertificates.TRUST_STORE_PASSWORD;
    }

    /** PKCS12 store (password {@link #trustStorePassword()}) trusting only an unrelated certificate. */
    public Path untrustedTrustStorePath() {
        return untrustedTrustStore;
    }

    /** An SSLContext trusting only the server certificate. */
    public SSLContext sslContext() {
        return sslContext(trustStore);
    }

    public Path tempDir() {
        return dir;
    }

    public Path maildir() {
        return maildir;
    }

    /** Stores one message (as is: CRLF or LF) into Maildir {@code new/}: written to {@code tmp/}, then renamed. */
    public void deliver(byte[] rfc822) {
        TestMaildir.deliver(maildir, rfc822, isRoot() ? DovecotExtension::chownToMailUser : null);
    }

    public void deliver(String rfc822) {
        deliver(rfc822.getBytes(StandardCharsets.UTF_8));
    }

    /** Messages currently stored (files in new/ and cur/). Dovecot removes deleted mails only when QUIT completes. */
    public int messageCount() {
        return TestMaildir.count(maildir);
    }

    /** Removes all message files (new/, cur/, tmp/). Do not call while a session is open. */
    public void clearMailbox() {
        TestMaildir.clear(maildir);
    }

    /** The whole Dovecot log (logins, auth failures, {@code Disconnected: ... del=n/m} lines). */
    public String log() {
        return TestServerProcess.read(logFile);
    }

    public String logTail(int lines) {
        return TestServerProcess.tail(logFile, lines);
    }

    // ---------------------------------------------------------------- lifecycle

    synchronized void start() throws Exception {
        if (server.isRunning()) {
            throw new IllegalStateException("Dovecot already started");
        }
        String dovecot = dovecotBinary();
        String openssl = TestCertificates.opensslBinary();
        TestServerProcess.requireOrSkip(missingBinaryMessage(), "Dovecot tests");
        boolean ok = false;
        try {
            dir = Files.createTempDirectory("pop3x-dovecot-");
            if (isRoot()) {
                // the mail processes run as nobody and need to traverse into T/home
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                checkTraversable(dir);
            }
            logFile = dir.resolve("dovecot.log");
            outFile = dir.resolve("dovecot.out");
            maildir = dir.resolve("home").resolve(USER).resolve("Maildir");
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("state"));
            TestMaildir.create(maildir);
            Files.writeString(dir.resolve("users"), USER + ":{PLAIN}" + PASSWORD + "\n");
            TestCertificates certificates = TestCertificates.create(openssl, dir);
            trustStore = certificates.trustStore();
            untrustedTrustStore = certificates.untrustedTrustStore();
            if (isRoot()) {
                TestServerProcess.run(dir, List.of("chown", "-R", "nobody:nogroup", dir.resolve("home").toString()),
                        TOOL_TIMEOUT);
            }
            TestServerProcess.launchWithPortRetry(() -> launch(dovecot), this::destroyProcess,
                    () -> TestServerProcess.tail(outFile, 200) + TestServerProcess.tail(logFile, 200),
                    n -> attempts = n);
            ok = true;
        } finally {
            if (!ok) {
                stop();
            }
        }
    }

    synchronized void stop() {
        destroyProcess();
        if (dir != null && !Boolean.getBoolean("pop3x.keepDovecot")) {
            TestServerProcess.deleteRecursively(dir, "DovecotExtension");
        }
    }

    private void launch(String dovecot) throws Exception {
        pop3Port = freePort();
        do {
            pop3sPort = freePort();
        } while (pop3sPort == pop3Port);
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, config());
        server.start(new ProcessBuilder(dovecot, "-F", "-c", conf.toString()).directory(dir.toFile()), outFile,
                this::stop);
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        SSLContext ssl = sslContext(trustStore);
        server.awaitGreeting("pop3", pop3Port, null, deadline, STARTUP_TIMEOUT, null, this::failure);
        server.awaitGreeting("pop3s", pop3sPort, ssl, deadline, STARTUP_TIMEOUT, null, this::failure);
    }

    private IllegalStateException failure(String message, Exception cause) {
        StringBuilder sb = new StringBuilder(message);
        sb.append("\n--- ").append(logFile).append(" (tail) ---\n").append(TestServerProcess.tail(logFile, 40));
        sb.append("\n--- dovecot output (tail) ---\n").append(TestServerProcess.tail(outFile, 40));
        sb.append("\n--- temp folder: ").append(dir)
                .append(Boolean.getBoolean("pop3x.keepDovecot") ? "" : " (deleted; -Dpop3x.keepDovecot=true keeps it)");
        return new IllegalStateException(sb.toString(), cause);
    }

    /**
     * SIGTERM to the master and, at the same time, to its children: the master alone stops them too, but its log
     * process lingers for 1-3 s waiting for its clients; nothing of interest is lost at teardown.
     */
    private void destroyProcess() {
        server.destroy(STOP_TIMEOUT);
    }

    // ---------------------------------------------------------------- config, certificates

    private String config() throws IOException {
        String t = dir.toString();
        String internalUser;
        String loginUser;
        String uid;
        String gid;
        String chroot;
        String internalGroup = null;
        if (isRoot()) {
            internalUser = "dovecot";
            loginUser = "dovenull";
            uid = "nobody";
            gid = "nogroup";
            chroot = "";
        } else {
            internalUser = System.getProperty("user.name");
            loginUser = internalUser;
            uid = String.valueOf(Files.getAttribute(dir, "unix:uid"));
            gid = String.valueOf(Files.getAttribute(dir, "unix:gid"));
            chroot = "  chroot =\n";
            // not in the README's list, but needed: unix listeners are chowned to the internal group ("dovecot")
            internalGroup = ((GroupPrincipal) Files.getAttribute(dir, "posix:group")).getName();
        }
        StringBuilder c = new StringBuilder();
        c.append("# generated by ").append(getClass().getName()).append('\n');
        c.append("protocols = pop3\n");
        c.append("listen = ").append(IP).append('\n');
        c.append("base_dir = ").append(t).append("/run\n");
        c.append("state_dir = ").append(t).append("/state\n");
        c.append("log_path = ").append(t).append("/dovecot.log\n");
        c.append("default_internal_user = ").append(internalUser).append('\n');
        c.append("default_login_user = ").append(loginUser).append('\n');
        if (internalGroup != null) {
            c.append("default_internal_group = ").append(internalGroup).append('\n');
        }
        c.append("ssl = yes\n");
        c.append("ssl_cert = <").append(t).append("/cert.pem\n");
        c.append("ssl_key = <").append(t).append("/key.pem\n");
        c.append("disable_plaintext_auth = no\n");
        c.append("auth_mechanisms = plain login\n");
        c.append("auth_failure_delay = 0\n");
        c.append("auth_verbose = yes\n");
        c.append("mail_location = maildir:~/Maildir\n");
        c.append("pop3_uidl_format = %08Xu%08Xv\n");
        c.append("pop3_lock_session = ").append(lockSession ? "yes" : "no").append('\n');
        c.append("passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ")
                .append(t).append("/users\n}\n");
        c.append("userdb {\n  driver = static\n  args = uid=").append(uid).append(" gid=").append(gid)
                .append(" home=").append(t).append("/home/%u\n}\n");
        c.append("service pop3-login {\n").append(chroot);
        c.append("  inet_listener pop3 {\n    port = ").append(pop3Port).append("\n  }\n");
        c.append("  inet_listener pop3s {\n    port = ").append(pop3sPort).append("\n    ssl = yes\n  }\n}\n");
        if (!chroot.isEmpty()) {
            c.append("service anvil {\n").append(chroot).append("}\n");
        }
        for (String line : extraConfig) {
            c.append(line).append('\n');
        }
        return c.toString();
    }

    static SSLContext sslContext(Path trustStorePath) {
        return TestCertificates.sslContext(trustStorePath);
    }

    // ---------------------------------------------------------------- helpers

    private static void chownToMailUser(Path p) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName("nobody");
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private static String dovecotBinary() {
        return TestServerProcess.binary(System.getProperty("pop3x.dovecot"), "dovecot",
                "/usr/sbin", "/usr/local/sbin", "/sbin");
    }

    private static String missingBinaryMessage() {
        if (dovecotBinary() == null) {
            return "dovecot not found (PATH, /usr/sbin, -Dpop3x.dovecot); install it: apt-get install -y dovecot-pop3d";
        }
        if (TestCertificates.opensslBinary() == null) {
            return "openssl not found (PATH, /usr/bin); install it: apt-get install -y openssl";
        }
        return null;
    }

    static boolean isRoot() {
        return TestServerProcess.isRoot();
    }

    private static void checkTraversable(Path dir) throws IOException {
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException("Dovecot's mail processes (user nobody) cannot enter " + p
                                                + "; set java.io.tmpdir to a world-traversable folder such as /tmp");
            }
        }
    }

    /** A currently free loopback port (package-private so a test can hand out a taken one). */
    int freePort() throws IOException {
        return TestServerProcess.freePort();
    }
}
