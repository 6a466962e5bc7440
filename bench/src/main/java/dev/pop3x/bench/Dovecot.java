package dev.pop3x.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Dovecot of the benchmark's own (a simplified copy of the test suite's DovecotExtension): temp folder, free loopback
 * port, plain POP3 only (no TLS: the benchmark measures the POP3 work, TLS would cost every client the same), started
 * with {@code dovecot -F}, stopped by its pid. Mail is stored directly into Maildir {@code new/} (written to
 * {@code tmp/}, then renamed) with {@code ,S=size,W=size} in the file name, as Dovecot's own delivery does.
 */
final class Dovecot implements AutoCloseable {

    private final Path dir;
    private final Path maildir;
    private final int port;
    private final Process process;
    private final boolean root = "root".equals(System.getProperty("user.name"));
    private long counter;

    Dovecot() throws Exception {
        dir = Files.createTempDirectory("pop3x-bench-dovecot-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        maildir = dir.resolve("home/alice/Maildir");
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("users"), "alice:{PLAIN}secret\n");
        clearMailbox();
        port = freePort();
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, config());
        process = new ProcessBuilder(binary(), "-F", "-c", conf.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dovecot.out").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopProcess));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                if (greeting != null && greeting.startsWith("+OK")) {
                    break;
                }
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Dovecot did not start; see " + dir.resolve("dovecot.log")
                            + " and " + dir.resolve("dovecot.out"), e);
                }
                Thread.sleep(50);
            }
        }
    }

    int port() {
        return port;
    }

    static String binary() {
        for (String d : List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(d, "dovecot"))) {
                return d + "/dovecot";
            }
        }
        return "dovecot";
    }

    private String config() throws IOException {
        String t = dir.toString();
        String internal = root ? "dovecot" : System.getProperty("user.name");
        String login = root ? "dovenull" : internal;
        String uid = root ? "nobody" : String.valueOf(Files.getAttribute(dir, "unix:uid"));
        String gid = root ? "nogroup" : String.valueOf(Files.getAttribute(dir, "unix:gid"));
        String chroot = root ? "" : "  chroot =\n";
        StringBuilder c = new StringBuilder();
        c.append("protocols = pop3\nlisten = 127.0.0.1\n");
        c.append("base_dir = ").append(t).append("/run\nstate_dir = ").append(t).append("/state\n");
        c.append("log_path = ").append(t).append("/dovecot.log\n");
        c.append("default_internal_user = ").append(internal).append("\ndefault_login_user = ").append(login).append('\n');
        if (!root) {
            c.append("default_internal_group = ")
                    .append(((GroupPrincipal) Files.getAttribute(dir, "posix:group")).getName()).append('\n');
        }
        // the mailboxes workload: up to one connection per mailbox at once (the default allows 100 processes)
        c.append("default_process_limit = 1100\ndefault_client_limit = 2500\n");
        c.append("ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\nauth_failure_delay = 0\n");
        c.append("mail_location = maildir:~/Maildir\npop3_uidl_format = %08Xu%08Xv\npop3_lock_session = no\n");
        c.append("passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ").append(t).append("/users\n}\n");
        c.append("userdb {\n  driver = static\n  args = uid=").append(uid).append(" gid=").append(gid)
                .append(" home=").append(t).append("/home/%u\n}\n");
        c.append("service pop3-login {\n").append(chroot)
                .append("  inet_listener pop3 {\n    port = ").append(port).append("\n  }\n}\n");
        if (!root) {
            c.append("service anvil {\n").append(chroot).append("}\n");
        }
        return c.toString();
    }

    /** Removes the whole Maildir, Dovecot's index and UID list included, and creates an empty one. */
    void clearMailbox() throws IOException {
        if (Files.exists(maildir)) {
            try (Stream<Path> s = Files.walk(maildir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        for (String sub : List.of("new", "cur", "tmp")) {
            Files.createDirectories(maildir.resolve(sub));
        }
        chown(dir.resolve("home"), dir.resolve("home/alice"), maildir, maildir.resolve("new"),
                maildir.resolve("cur"), maildir.resolve("tmp"));
    }

    /**
     * Adds the users {@code user1..userN} (password {@code secret}), each with a fresh Maildir holding this one mail.
     * Dovecot reads the changed users file at the next login.
     */
    void addUsers(int n, byte[] mail) throws IOException {
        StringBuilder users = new StringBuilder("alice:{PLAIN}secret\n");
        for (int i = 1; i <= n; i++) {
            users.append("user").append(i).append(":{PLAIN}secret\n");
            Path home = dir.resolve("home/user" + i);
            Path box = home.resolve("Maildir");
            for (String sub : List.of("new", "cur", "tmp")) {
                Files.createDirectories(box.resolve(sub));
            }
            chown(home, box, box.resolve("new"), box.resolve("cur"), box.resolve("tmp"));
            deliver(box, mail);
        }
        Files.writeString(dir.resolve("users"), users);
    }

    /** One untimed session per user (UIDL, LIST, QUIT), as {@link #prime()} does for alice. */
    void primeUsers(int n) throws IOException {
        for (int i = 1; i <= n; i++) {
            prime("user" + i);
        }
    }

    /** Delivers one mail (CRLF line ends) given as bytes. */
    void deliver(byte[] mail) throws IOException {
        deliver(maildir, mail);
    }

    private void deliver(Path box, byte[] mail) throws IOException {
        String name = name(mail.length);
        Path tmp = box.resolve("tmp").resolve(name);
        Files.write(tmp, mail);
        chown(tmp);
        Files.move(tmp, box.resolve("new").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Delivers one mail from a file (copied). */
    void deliver(Path file) throws IOException {
        String name = name(Files.size(file));
        Path tmp = maildir.resolve("tmp").resolve(name);
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        chown(tmp);
        Files.move(tmp, maildir.resolve("new").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private String name(long size) {
        // Dovecot orders new mails by the seconds, then the rest of the name: a zero-padded counter keeps the order
        return (System.currentTimeMillis() / 1000) + ".M" + String.format("%09d", ++counter) + "P"
               + ProcessHandle.current().pid() + ".bench,S=" + size + ",W=" + size;
    }

    /**
     * One untimed session (UIDL, LIST, QUIT) after seeding, so every client meets the same warm server: the index is
     * built and the files have moved from new/ to cur/, as for mail that has been sitting in a mailbox.
     */
    void prime() throws IOException {
        prime("alice");
    }

    private void prime(String user) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write(("USER " + user + "\r\nPASS secret\r\nUIDL\r\nLIST\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[65536];
            while (s.getInputStream().read(buf) >= 0) {
                // until the server closes after QUIT
            }
        }
    }

    private void chown(Path... paths) throws IOException {
        if (!root) {
            return;
        }
        var lookup = dir.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName("nobody");
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
        for (Path p : paths) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
            view.setOwner(user);
            view.setGroup(group);
        }
    }

    static String version() {
        try {
            Process p = new ProcessBuilder(binary(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return v;
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> all = new java.util.ArrayList<>();
        all.add(process.toHandle());
        try (Stream<ProcessHandle> d = process.descendants()) {
            d.forEach(all::add);
        }
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    @Override
    public void close() throws IOException {
        stopProcess();
        if (!Boolean.getBoolean("bench.keepDovecot")) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
