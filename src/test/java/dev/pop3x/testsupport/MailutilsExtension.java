package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real GNU Mailutils {@code pop3d} (3.15) for one test class, on free loopback ports, from a fresh temp
 * folder.
 *
 * <pre>
 * &#64;RegisterExtension
 * static MailutilsExtension mailutils = new MailutilsExtension();      // or .withoutXUidl()
 * </pre>
 *
 * <p>Ports: {@link #pop3Port()} ({@code tls-mode stls}: plain, STLS offered) and {@link #pop3sPort()}
 * ({@code tls-mode connection}: implicit TLS). Certificates and trust stores as for {@link DovecotExtension}.
 *
 * <p>pop3d takes its users from getpwnam(): it runs with {@code LD_PRELOAD=libnss_wrapper.so} and a passwd/group file
 * of its own, so {@link #USER} is a plain {@code alice} (uid 0 when the tests run as root, else the running user's
 * uid) whose password is checked against a SHA-512 crypt hash. The mailbox is the Maildir {@link #maildir()};
 * {@code mandatory-locking} in the temp folder makes a second concurrent login fail at once with
 * {@code -ERR [IN-USE] Mailbox in use}.
 *
 * <p><b>X-UIDL.</b> pop3d's own UIDL is {@code <md5>.<time first computed>.<uid>}, and computing it appends an
 * {@code X-UIDL:} line to the message's header: LIST/STAT sizes and RETR/TOP content grow in the middle of the
 * session, and the stored file is rewritten at QUIT (or when the connection drops), re-serialising the header (some
 * lines altered or lost). To keep served bytes equal to delivered bytes, {@link #deliver(byte[])} by default adds an
 * {@code X-UIDL: <unique id>} line at the top of the header unless the mail already has one; pop3d then serves that
 * id as UIDL and never rewrites the file. {@link #withoutXUidl()} turns this off, to test against pop3d's digest
 * UIDLs and its rewriting.
 *
 * <p>Messages are always stored with LF line ends (pop3d misparses CRLF files and may overwrite them); it sends CRLF on
 * the wire.
 *
 * <p>If {@code pop3d}, {@code libnss_wrapper.so} or {@code openssl} is missing the test class is skipped, unless the
 * environment variable {@code CI} is {@code true}: then it fails. pop3d is looked up in PATH, /usr/sbin,
 * /usr/local/sbin and /sbin, or given with the system property {@code pop3x.pop3d}; libnss_wrapper.so in the usual
 * library folders, or given with {@code pop3x.nssWrapper}. Set {@code pop3x.keepMailutils=true} to keep the temp folder
 * (config, output, Maildir) after the run.
 */
public class MailutilsExtension implements BeforeAllCallback, AfterAllCallback, ExecutionCondition {

    public static final String USER = "alice";
    public static final String PASSWORD = "secret";

    /** Host name matching the server certificate; resolves to 127.0.0.1 (the JVM prefers IPv4). */
    public static final String HOST = TestServerProcess.HOST;
    public static final String IP = TestServerProcess.IP;

    private static final String INSTALL = "apt-get install -y mailutils-pop3d libnss-wrapper openssl";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pop3x.mailutils.startupTimeoutSeconds", 30));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong UIDL_COUNTER = new AtomicLong();
    private static final String[] LIBRARY_DIRS = {
            "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64", "/usr/local/lib" };

    private boolean addXUidl = true;
    private final List<String> extraConfig = new ArrayList<>();

    private Path dir;
    private Path maildir;
    private Path outFile;
    private Path trustStore;
    private Path untrustedTrustStore;
    private int pop3Port;
    private int pop3sPort;
    private final TestServerProcess server = new TestServerProcess("pop3d");
    private int attempts;

    /**
     * Delivers mails as they are, without adding an {@code X-UIDL:} header: UIDLs are then pop3d's own digests, and
     * the first UIDL command rewrites the stored file (sizes grow mid-session; see the class comment).
     */
    public MailutilsExtension withoutXUidl() {
        this.addXUidl = false;
        return this;
    }

    /**
     * Adds raw statements to pop3d.conf (appended at the end; mailutils syntax, each ending with {@code ;}), e.g.
     * {@code "timeout 30;"}, {@code "login-delay 60;"}.
     */
    public MailutilsExtension withConfig(String... lines) {
        extraConfig.addAll(List.of(lines));
        return this;
    }

    // ---------------------------------------------------------------- JUnit

    /** Disables the class (reported as skipped) when something is missing, unless CI=true: then beforeAll fails. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestServerProcess.condition(missingMessage(), "pop3d, libnss_wrapper and openssl found",
                "GNU Mailutils tests");
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

    /** Plain POP3 with STLS offered ({@code tls-mode stls}). */
    public int pop3Port() {
        return pop3Port;
    }

    /** Implicit TLS ({@code tls-mode connection}). */
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

    static SSLContext sslContext(Path trustStorePath) {
        return TestCertificates.sslContext(trustStorePath);
    }

    public Path tempDir() {
        return dir;
    }

    public Path maildir() {
        return maildir;
    }

    /**
     * Stores one message into Maildir {@code new/} (written to {@code tmp/}, then renamed): CRLF line ends are turned
     * into LF, and, unless {@link #withoutXUidl()}, an {@code X-UIDL: <unique id>} line is put first in the header when
     * the header has no {@code X-UIDL:} line yet.
     *
     * @return the UIDL pop3d will serve for it: the added id, or the value of the mail's own {@code X-UIDL:} header;
     *         null with {@link #withoutXUidl()} when the mail has none (pop3d then makes up a digest UIDL)
     */
    public String deliver(byte[] rfc822) {
        // ISO-8859-1 maps bytes 1:1, so 8-bit content passes unchanged
        String mail = new String(rfc822, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        String uidl = existingXUidl(mail);
        if (uidl == null && addXUidl) {
            uidl = "pop3x-" + ProcessHandle.current().pid() + "-"
                   + String.format("%06d", UIDL_COUNTER.incrementAndGet());
            mail = "X-UIDL: " + uidl + "\n" + mail;
        }
        TestMaildir.deliver(maildir, mail.getBytes(StandardCharsets.ISO_8859_1), null);
        return uidl;
    }

    /** {@link #deliver(byte[])} of the UTF-8 bytes. */
    public String deliver(String rfc822) {
        return deliver(rfc822.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Messages currently stored (files in new/ and cur/). pop3d deletes DELEted mails before it answers QUIT; on a
     * dropped connection its session process still renames files (flags) for a moment: see {@link #awaitNoSessions()}.
     */
    public int messageCount() {
        return TestMaildir.count(maildir);
    }

    /** Waits (up to 10 s) until no pop3d session process is alive, then removes all message files. */
    public void clearMailbox() {
        awaitNoSessions();
        TestMaildir.clear(maildir);
    }

    /** pop3d session processes alive now (pop3d forks one per connection; it ends after QUIT or a drop). */
    public int sessionCount() {
        return server.children().size();
    }

    /**
     * Waits until no pop3d session process is alive (up to 10 s, then IllegalStateException): after a dropped
     * connection the session finishes (and releases the mailbox lock) a moment later.
     */
    public void awaitNoSessions() {
        long deadline = System.nanoTime() + IDLE_TIMEOUT.toNanos();
        while (sessionCount() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pop3d sessions still alive after " + IDLE_TIMEOUT.toSeconds() + " s: "
                                                + server.children() + "\n" + logTail(20));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * pop3d's output (stderr, logging to syslog off): {@code POP3 login: user `alice'...}, {@code locking mailbox ...
     * failed}, {@code process N finished with code C (...)}, TLS and protocol errors.
     */
    public String log() {
        return TestServerProcess.read(outFile);
    }

    public String logTail(int lines) {
        return TestServerProcess.tail(outFile, lines);
    }

    // ---------------------------------------------------------------- lifecycle

    synchronized void start() throws Exception {
        if (server.isRunning()) {
            throw new IllegalStateException("pop3d already started");
        }
        TestServerProcess.requireOrSkip(missingMessage(), "GNU Mailutils tests");
        String pop3d = pop3dBinary();
        String nssWrapper = nssWrapperLibrary();
        String openssl = TestCertificates.opensslBinary();
        boolean ok = false;
        try {
            dir = Files.createTempDirectory("pop3x-mailutils-");
            outFile = dir.resolve("pop3d.out");
            maildir = dir.resolve("mail").resolve(USER);
            Files.createDirectories(dir.resolve("nss"));
            Files.createDirectories(dir.resolve("lock"));
            TestMaildir.create(maildir);
            TestCertificates certificates = TestCertificates.create(openssl, dir);
            trustStore = certificates.trustStore();
            untrustedTrustStore = certificates.untrustedTrustStore();
            writeUserDatabase(openssl);
            TestServerProcess.launchWithPortRetry(() -> launch(pop3d, nssWrapper, certificates), this::destroyProcess,
                    () -> TestServerProcess.tail(outFile, 200), n -> attempts = n);
            ok = true;
        } finally {
            if (!ok) {
                stop();
            }
        }
    }

    synchronized void stop() {
        destroyProcess();
        if (dir != null && !Boolean.getBoolean("pop3x.keepMailutils")) {
            TestServerProcess.deleteRecursively(dir, "MailutilsExtension");
        }
    }

    private void launch(String pop3d, String nssWrapper, TestCertificates certificates) throws Exception {
        pop3Port = freePort();
        do {
            pop3sPort = freePort();
        } while (pop3sPort == pop3Port);
        Path conf = dir.resolve("pop3d.conf");
        Files.writeString(conf, config(certificates));
        ProcessBuilder pb = new ProcessBuilder(pop3d, "--config-file", conf.toString()).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("LD_PRELOAD", nssWrapper);
        env.put("NSS_WRAPPER_PASSWD", dir.resolve("nss/passwd").toString());
        env.put("NSS_WRAPPER_GROUP", dir.resolve("nss/group").toString());
        server.start(pb, outFile, this::stop);
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        SSLContext ssl = sslContext(trustStore);
        // pop3d reports bind errors before its "started" line, and keeps running when only one of its servers could
        // not bind: fail at once instead of probing a port that some other process holds
        server.awaitOutput(outFile, ") started", deadline, STARTUP_TIMEOUT, this::failure);
        String problem = bindProblem();
        if (problem != null) {
            throw failure("pop3d failed to start: " + problem, null);
        }
        server.awaitGreeting("pop3 (STLS)", pop3Port, null, deadline, STARTUP_TIMEOUT, this::bindProblem,
                this::failure);
        server.awaitGreeting("pop3s", pop3sPort, ssl, deadline, STARTUP_TIMEOUT, this::bindProblem, this::failure);
    }

    private String bindProblem() {
        return TestServerProcess.read(outFile).lines().filter(l -> l.contains("cannot open connection"))
                .findFirst().orElse(null);
    }

    private IllegalStateException failure(String message, Exception cause) {
        StringBuilder sb = new StringBuilder(message);
        sb.append("\n--- pop3d output (").append(outFile).append(", tail) ---\n")
                .append(TestServerProcess.tail(outFile, 60));
        sb.append("\n--- temp folder: ").append(dir)
                .append(Boolean.getBoolean("pop3x.keepMailutils") ? ""
                        : " (deleted; -Dpop3x.keepMailutils=true keeps it)");
        return new IllegalStateException(sb.toString(), cause);
    }

    /** SIGTERM to pop3d and its session processes (pop3d alone would end them too), by pid. */
    private void destroyProcess() {
        server.destroy(STOP_TIMEOUT);
    }

    // ---------------------------------------------------------------- config, users

    private void writeUserDatabase(String openssl) throws Exception {
        String uid;
        String gid;
        if (TestServerProcess.isRoot()) {
            uid = "0";
            gid = "0";
        } else {
            // README: give alice the running user's ids and map the group "mail" (pop3d's setgid at start) to its gid
            uid = String.valueOf(Files.getAttribute(dir, "unix:uid"));
            gid = String.valueOf(Files.getAttribute(dir, "unix:gid"));
        }
        String hash = TestCertificates.cryptSha512(openssl, dir, PASSWORD);
        Files.writeString(dir.resolve("nss/passwd"),
                USER + ":" + hash + ":" + uid + ":" + gid + ":Alice:" + dir + ":/bin/false\n");
        Files.writeString(dir.resolve("nss/group"),
                "root:x:0:\nmail:x:" + (TestServerProcess.isRoot() ? "8" : gid) + ":\n");
    }

    private String config(TestCertificates certificates) {
        StringBuilder c = new StringBuilder();
        c.append("# generated by ").append(getClass().getName()).append('\n');
        c.append("logging { syslog no; };\n");
        c.append("mode daemon;\n");
        c.append("foreground yes;\n");
        c.append("auth { authorization system; authentication generic; };\n");
        c.append("mailbox { mailbox-pattern ").append(quote(dir.resolve("mail") + "/${user}")).append("; };\n");
        c.append("mandatory-locking { enable yes; lock-directory ").append(quote(dir.resolve("lock").toString()))
                .append("; };\n");
        c.append("tls { ssl-certificate-file ").append(quote(certificates.cert().toString()))
                .append("; ssl-key-file ").append(quote(certificates.key().toString())).append("; };\n");
        c.append("server ").append(IP).append(':').append(pop3Port).append(" { tls-mode stls; };\n");
        c.append("server ").append(IP).append(':').append(pop3sPort).append(" { tls-mode connection; };\n");
        for (String line : extraConfig) {
            c.append(line).append('\n');
        }
        return c.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // ---------------------------------------------------------------- helpers

    /** The value of the first {@code X-UIDL:} line of the header (LF-only text), null if none. */
    static String existingXUidl(String lfMail) {
        for (String line : lfMail.split("\n", -1)) {
            if (line.isEmpty()) {
                return null; // end of header
            }
            if (line.toLowerCase(Locale.ROOT).startsWith("x-uidl:")) {
                return line.substring("x-uidl:".length()).trim();
            }
        }
        return null;
    }

    private static String pop3dBinary() {
        return TestServerProcess.binary(System.getProperty("pop3x.pop3d"), "pop3d",
                "/usr/sbin", "/usr/local/sbin", "/sbin");
    }

    private static String nssWrapperLibrary() {
        String override = System.getProperty("pop3x.nssWrapper");
        if (override != null && !override.isBlank()) {
            return Files.isRegularFile(Path.of(override)) ? override : null;
        }
        for (String d : LIBRARY_DIRS) {
            Path candidate = Path.of(d, "libnss_wrapper.so");
            if (Files.isRegularFile(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static String missingMessage() {
        if (pop3dBinary() == null) {
            return "GNU Mailutils pop3d not found (PATH, /usr/sbin, -Dpop3x.pop3d); install it: " + INSTALL;
        }
        if (nssWrapperLibrary() == null) {
            return "libnss_wrapper.so not found (/usr/lib/<arch>-linux-gnu, -Dpop3x.nssWrapper); install it: "
                   + INSTALL;
        }
        if (TestCertificates.opensslBinary() == null) {
            return "openssl not found (PATH, /usr/bin); install it: " + INSTALL;
        }
        return null;
    }

    /** A currently free loopback port (package-private so a test can hand out a taken one). */
    int freePort() throws IOException {
        return TestServerProcess.freePort();
    }
}
