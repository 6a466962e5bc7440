package dev.pop3x.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Assumptions;
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
    public static final String HOST = "localhost";
    public static final String IP = "127.0.0.1";

    private static final String TRUST_STORE_PASSWORD = "changeit";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pop3x.dovecot.startupTimeoutSeconds", 30));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicLong DELIVERY_COUNTER = new AtomicLong();

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
    private Process process;
    private Thread shutdownHook;
    private long lastDeliverySecond;
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
        String missing = missingBinaryMessage();
        return missing == null || isCi()
                ? ConditionEvaluationResult.enabled("dovecot and openssl found")
                : ConditionEvaluationResult.disabled(missing + " -- skipping Dovecot tests (set CI=true to fail instead)");
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
        return TRUST_STORE_PASSWORD;
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
        try {
            String name = nextMaildirName();
            Path tmp = maildir.resolve("tmp").resolve(name);
            Files.write(tmp, rfc822);
            if (isRoot()) {
                chownToMailUser(tmp);
            }
            Path target = maildir.resolve("new").resolve(name);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deliver failed", e);
        }
    }

    public void deliver(String rfc822) {
        deliver(rfc822.getBytes(StandardCharsets.UTF_8));
    }

    /** Messages currently stored (files in new/ and cur/). Dovecot removes deleted mails only when QUIT completes. */
    public int messageCount() {
        return (int) (listFiles(maildir.resolve("new")).size() + listFiles(maildir.resolve("cur")).size());
    }

    /** Removes all message files (new/, cur/, tmp/). Do not call while a session is open. */
    public void clearMailbox() {
        try {
            for (String sub : List.of("new", "cur", "tmp")) {
                for (Path p : listFiles(maildir.resolve(sub))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole Dovecot log (logins, auth failures, {@code Disconnected: ... del=n/m} lines). */
    public String log() {
        try {
            return logFile != null && Files.exists(logFile)
                    ? new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    // ---------------------------------------------------------------- lifecycle

    synchronized void start() throws Exception {
        if (process != null) {
            throw new IllegalStateException("Dovecot already started");
        }
        String dovecot = dovecotBinary();
        String openssl = opensslBinary();
        String missing = missingBinaryMessage();
        if (missing != null) {
            if (isCi()) {
                throw new IllegalStateException(missing + " (CI=true: real-server tests must not be skipped)");
            }
            Assumptions.assumeTrue(false, missing + " -- skipping Dovecot tests");
        }
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
            for (String d : List.of("run", "state", "home/" + USER + "/Maildir/new", "home/" + USER + "/Maildir/cur",
                    "home/" + USER + "/Maildir/tmp")) {
                Files.createDirectories(dir.resolve(d));
            }
            Files.writeString(dir.resolve("users"), USER + ":{PLAIN}" + PASSWORD + "\n");
            createCertificates(openssl);
            if (isRoot()) {
                run(List.of("chown", "-R", "nobody:nogroup", dir.resolve("home").toString()));
            }
            Exception first = null;
            for (int attempt = 1; attempt <= 2; attempt++) {
                attempts = attempt;
                try {
                    launch(dovecot);
                    ok = true;
                    return;
                } catch (Exception e) {
                    destroyProcess();
                    if (first != null) {
                        e.addSuppressed(first);
                        throw e;
                    }
                    if (!(tail(outFile, 200) + tail(logFile, 200)).contains("Address already in use")) {
                        throw e;
                    }
                    first = e; // a port was taken between probing and bind: retry once with new ports
                }
            }
        } finally {
            if (!ok) {
                stop();
            }
        }
    }

    synchronized void stop() {
        destroyProcess();
        if (dir != null && !Boolean.getBoolean("pop3x.keepDovecot")) {
            deleteRecursively(dir);
        }
    }

    private void launch(String dovecot) throws Exception {
        pop3Port = freePort();
        do {
            pop3sPort = freePort();
        } while (pop3sPort == pop3Port);
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, config());
        Files.deleteIfExists(outFile);
        ProcessBuilder pb = new ProcessBuilder(dovecot, "-F", "-c", conf.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(outFile.toFile());
        process = pb.start();
        shutdownHook = new Thread(this::stop, "dovecot-shutdown-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        SSLContext ssl = sslContext(trustStore);
        awaitGreeting(pop3Port, null, deadline);
        awaitGreeting(pop3sPort, ssl, deadline);
    }

    private void awaitGreeting(int port, SSLContext ssl, long deadline) throws Exception {
        Exception last = null;
        while (true) {
            if (!process.isAlive()) {
                throw failure("Dovecot exited with code " + process.exitValue() + " during startup", last);
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
                throw failure("Dovecot did not greet on " + (ssl == null ? "pop3" : "pop3s") + " port " + port
                        + " within " + STARTUP_TIMEOUT.toSeconds() + " s", last);
            }
            Thread.sleep(50);
        }
    }

    private String readGreeting(int port, SSLContext ssl) throws IOException {
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
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String line = r.readLine();
                s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                return line;
            }
        }
    }

    private IllegalStateException failure(String message, Exception cause) {
        StringBuilder sb = new StringBuilder(message);
        sb.append("\n--- ").append(logFile).append(" (tail) ---\n").append(tail(logFile, 40));
        sb.append("\n--- dovecot output (tail) ---\n").append(tail(outFile, 40));
        sb.append("\n--- temp folder: ").append(dir)
                .append(Boolean.getBoolean("pop3x.keepDovecot") ? "" : " (deleted; -Dpop3x.keepDovecot=true keeps it)");
        return new IllegalStateException(sb.toString(), cause);
    }

    private synchronized void destroyProcess() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        List<ProcessHandle> children = new ArrayList<>();
        try (Stream<ProcessHandle> d = p.descendants()) {
            d.forEach(children::add);
        }
        // SIGTERM to the master and, at the same time, to its children: the master alone stops them too, but its log
        // process lingers for 1-3 s waiting for its clients; nothing of interest is lost at teardown.
        List<ProcessHandle> all = new ArrayList<>();
        all.add(p.toHandle());
        all.addAll(children);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        try {
            for (ProcessHandle h : all) {
                long left = deadline - System.nanoTime();
                if (h.isAlive() && left > 0) {
                    try {
                        h.onExit().get(left, TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                        // killed below
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                System.err.println("DovecotExtension: killing pid " + h.pid() + " after SIGTERM was ignored");
                h.destroyForcibly();
            }
        }
        try {
            p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // reap the master
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // JVM already shutting down
            }
        }
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

    private void createCertificates(String openssl) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path otherCert = dir.resolve("untrusted-cert.pem");
        Path otherKey = dir.resolve("untrusted-key.pem");
        for (Path[] pair : new Path[][] {{key, cert}, {otherKey, otherCert}}) {
            run(List.of(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", pair[0].toString(), "-out", pair[1].toString(), "-days", "7"));
        }
        trustStore = writeTrustStore(cert, dir.resolve("truststore.p12"));
        untrustedTrustStore = writeTrustStore(otherCert, dir.resolve("untrusted-truststore.p12"));
    }

    private static Path writeTrustStore(Path pem, Path target) throws Exception {
        Certificate certificate;
        try (InputStream in = Files.newInputStream(pem)) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("pop3x-test", certificate);
        try (var out = Files.newOutputStream(target)) {
            ks.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
        return target;
    }

    static SSLContext sslContext(Path trustStorePath) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(trustStorePath)) {
                ks.load(in, TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load trust store " + trustStorePath, e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private synchronized String nextMaildirName() {
        // Dovecot assigns UIDs to new files sorted by the leading seconds, then by the rest of the name:
        // a non-decreasing second and a zero-padded counter keep delivery order.
        long now = Math.max(System.currentTimeMillis() / 1000, lastDeliverySecond);
        lastDeliverySecond = now;
        return now + ".Q" + String.format("%010d", DELIVERY_COUNTER.incrementAndGet()) + "P"
                + ProcessHandle.current().pid() + ".pop3x";
    }

    private static void chownToMailUser(Path p) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName("nobody");
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private static String dovecotBinary() {
        String override = System.getProperty("pop3x.dovecot"); // explicit binary path
        return override == null || override.isBlank()
                ? findBinary("dovecot", "/usr/sbin", "/usr/local/sbin", "/sbin")
                : Files.isExecutable(Paths.get(override)) ? override : null;
    }

    private static String opensslBinary() {
        return findBinary("openssl", "/usr/bin", "/usr/local/bin");
    }

    private static String missingBinaryMessage() {
        if (dovecotBinary() == null) {
            return "dovecot not found (PATH, /usr/sbin, -Dpop3x.dovecot); install it: apt-get install -y dovecot-pop3d";
        }
        if (opensslBinary() == null) {
            return "openssl not found (PATH, /usr/bin); install it: apt-get install -y openssl";
        }
        return null;
    }

    private static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void checkTraversable(Path dir) throws IOException {
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException("Dovecot's mail processes (user nobody) cannot enter " + p
                        + "; set java.io.tmpdir to a world-traversable folder such as /tmp");
            }
        }
    }

    private static String findBinary(String name, String... extraDirs) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
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

    /** A currently free loopback port (package-private so a test can hand out a taken one). */
    int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(IP))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void run(List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "cmd-", ".out");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (!done || p.exitValue() != 0) {
            throw new IllegalStateException("command failed" + (done ? " (exit " + p.exitValue() + ")" : " (timeout)")
                    + ": " + String.join(" ", command) + "\n" + output);
        }
    }

    private static List<Path> listFiles(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file, int lines) {
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

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
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
            System.err.println("DovecotExtension: could not delete " + root + ": " + e);
        }
    }
}
