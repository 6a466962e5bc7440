package dev.pop3x.examples.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.pop3x.testsupport.AppProcess;
import dev.pop3x.testsupport.DovecotExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the example the two ways its README says — a plain {@code java ... org.apache.camel.main.Main} after
 * {@code mvn package}, and {@code mvn camel:run} — against two real Dovecot mailboxes (orders: the YAML route on
 * {@code pop3x:}, invoices: the YAML route on the {@code pop3x-source} Kamelet), and checks what each route wrote and
 * what is left on each server: orders deleted (camel.component.pop3x.delete=true), invoices kept and delivered once
 * (camel.kamelet.pop3x-source.delete=false).
 */
class YamlExampleIT {

    @RegisterExtension
    static final DovecotExtension ORDERS = new DovecotExtension();

    @RegisterExtension
    static final DovecotExtension INVOICES = new DovecotExtension();

    /** Generous: mvn camel:run resolves and compiles before Camel starts, on a machine shared with other builds. */
    private static final Duration STARTED_AND_POLLED = Duration.ofSeconds(150);

    private static final String TRUST_STORE_PASSWORD = "changeit";

    private static final Path EXAMPLE = Paths.get("").toAbsolutePath();
    private static final Path LOGS = EXAMPLE.resolve("target/it-logs");

    @TempDir
    Path data;

    @BeforeEach
    void emptyMailboxes() {
        ORDERS.clearMailbox();
        INVOICES.clearMailbox();
    }

    @Test
    void plainMain() throws Exception {
        // README: mvn package, then java -cp "target/classes:target/dependency/*" org.apache.camel.main.Main
        List<String> command = new ArrayList<>();
        command.add(AppProcess.java());
        // TLS as a real server has it (mail.security=tls, the default); the JVM trusts the test server's certificate
        command.addAll(List.of(
                "-Djavax.net.ssl.trustStore=" + trustBothServers(),
                "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD,
                "-Djavax.net.ssl.trustStoreType=PKCS12"));
        command.addAll(serverProperties(true));
        command.addAll(List.of("-cp", "target/classes" + File.pathSeparator + "target/dependency/*",
                "org.apache.camel.main.Main"));
        runAndCheck("plain-main", command, ORDERS.pop3sPort(), INVOICES.pop3sPort());
    }

    @Test
    void mavenCamelRun() throws Exception {
        // README: mvn compile camel:run -Dmail.host=... (the Camel app runs inside Maven's JVM, so it sees them)
        List<String> command = new ArrayList<>(List.of(mavenBinary(), "-B"));
        String localRepository = System.getProperty("pop3x.localRepository");
        if (localRepository != null && !localRepository.isBlank()) {
            command.add("-Dmaven.repo.local=" + localRepository);
        }
        command.addAll(List.of("compile", "camel:run"));
        // the plaintext port on loopback: a trust store for the test server would be Maven's too, for its downloads
        command.addAll(serverProperties(false));
        runAndCheck("camel-run", command, ORDERS.pop3Port(), INVOICES.pop3Port());
    }

    private void runAndCheck(String name, List<String> command, int ordersPort, int invoicesPort) throws Exception {
        seed(ORDERS, "Order 1001", "Order 1002", "Order 1003");
        seed(INVOICES, "Invoice A-1", "Invoice A-2");

        Path log = LOGS.resolve(name + ".log");
        // the passwords go in as environment variables, as the README shows, so they are not on the command line;
        // closing the app stops everything it started (mvn camel:run may fork)
        try (AppProcess app = AppProcess.start(EXAMPLE, command, Map.of(
                "MAIL_ORDERS_PASSWORD", ORDERS.password(),
                "MAIL_INVOICES_PASSWORD", INVOICES.password()), log)) {
            Path orders = data.resolve("orders");
            Path invoices = data.resolve("invoices");

            awaitWhileRunning(app, STARTED_AND_POLLED, () -> records(orders).size() == 3
                    && records(invoices).size() == 2 && ORDERS.messageCount() == 0);
            // the direct pop3x: route: every order once, then deleted on the server (component option delete=true)
            assertThat(subjects(orders)).containsExactlyInAnyOrder("Order 1001", "Order 1002", "Order 1003");
            assertThat(ORDERS.messageCount()).isZero();
            // the Kamelet route: every invoice once, with the component's headers and the mail text, kept on the server
            assertThat(subjects(invoices)).containsExactlyInAnyOrder("Invoice A-1", "Invoice A-2");
            assertThat(INVOICES.messageCount()).isEqualTo(2);
            for (Path record : records(invoices)) {
                String text = Files.readString(record);
                String uid = record.getFileName().toString().replace(".txt", "");
                assertThat(text).contains("UID: " + uid, "Attempt: 1", "From: billing@example.com",
                        "Text of " + text.lines().findFirst().orElseThrow().substring("Subject: ".length()));
            }

            // a new invoice is picked up by a later poll, and that poll delivers the two kept ones not again
            seed(INVOICES, "Invoice A-3");
            awaitWhileRunning(app, Duration.ofSeconds(60), () -> records(invoices).size() == 3);
            assertThat(subjects(invoices)).containsExactlyInAnyOrder("Invoice A-1", "Invoice A-2", "Invoice A-3");
            assertThat(INVOICES.messageCount()).isEqualTo(3);
            assertThat(records(orders)).hasSize(3);

            // a file is named by UIDL, so a second delivery would only overwrite it: the routes' log lines count them
            assertThat(loggedSubjects(log, "Order mail ")).containsExactlyInAnyOrder(
                    "Order 1001", "Order 1002", "Order 1003");
            assertThat(loggedSubjects(log, "Invoice mail ")).containsExactlyInAnyOrder(
                    "Invoice A-1", "Invoice A-2", "Invoice A-3");
            assertThat(Files.readString(log)).doesNotContain(ORDERS.password());
            // both routes keep their ledger where camel.component.pop3x.ledgerDirectory says, the Kamelet's too
            assertThat(records(data.resolve("ledger"))).map(p -> p.getFileName().toString())
                    .filteredOn(file -> file.endsWith(".ledger"))
                    .containsExactlyInAnyOrder(ledgerFile(ORDERS, ordersPort), ledgerFile(INVOICES, invoicesPort));
        }
    }

    /** JVM system properties the README documents for pointing the example at a server (passwords: env). */
    private List<String> serverProperties(boolean tls) {
        List<String> security = tls
                ? List.of("-Dmail.orders.port=" + ORDERS.pop3sPort(), "-Dmail.invoices.port=" + INVOICES.pop3sPort())
                : List.of("-Dmail.security=none", "-Dmail.orders.port=" + ORDERS.pop3Port(),
                        "-Dmail.invoices.port=" + INVOICES.pop3Port());
        List<String> properties = new ArrayList<>(security);
        properties.addAll(List.of(
                "-Dmail.host=" + ORDERS.host(),
                "-Dmail.orders.username=" + ORDERS.user(),
                "-Dmail.invoices.username=" + INVOICES.user(),
                "-Dmail.poll-delay=500",
                "-Dapp.data=" + data,
                // a safety net: an app the test failed to stop ends by itself
                "-Dcamel.main.durationMaxSeconds=300"));
        return properties;
    }

    /** One PKCS12 trust store with both test servers' certificates (each Dovecot made its own). */
    private Path trustBothServers() throws Exception {
        KeyStore both = KeyStore.getInstance("PKCS12");
        both.load(null, null);
        int n = 0;
        for (DovecotExtension server : List.of(ORDERS, INVOICES)) {
            KeyStore one = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(server.trustStorePath())) {
                one.load(in, server.trustStorePassword().toCharArray());
            }
            for (String alias : Collections.list(one.aliases())) {
                both.setCertificateEntry("server-" + n++, one.getCertificate(alias));
            }
        }
        Path file = data.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            both.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
        return file;
    }

    private static void seed(DovecotExtension server, String... subjects) {
        for (String subject : subjects) {
            String from = subject.startsWith("Order") ? "shop@example.com" : "billing@example.com";
            server.deliver("From: " + from + "\r\n"
                    + "To: alice@example.com\r\n"
                    + "Subject: " + subject + "\r\n"
                    + "Message-ID: <" + subject.replace(' ', '-') + "@example.com>\r\n"
                    + "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
                    + "Content-Type: text/plain; charset=UTF-8\r\n"
                    + "\r\n"
                    + "Text of " + subject + "\r\n");
        }
    }

    /** The files a route wrote, one per mail (a file still being written is named .part-...). */
    private static List<Path> records(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> subjects(Path folder) throws IOException {
        List<String> subjects = new ArrayList<>();
        for (Path record : records(folder)) {
            subjects.add(Files.readString(record, StandardCharsets.UTF_8).lines().findFirst().orElse("")
                    .replaceFirst("^Subject: ", ""));
        }
        return subjects;
    }

    /** The file the component's file ledger keeps for a mailbox: user@host:port, URL-encoded. */
    private static String ledgerFile(DovecotExtension server, int port) {
        return URLEncoder.encode(server.user() + "@" + server.host() + ":" + port, StandardCharsets.UTF_8) + ".ledger";
    }

    /** The subjects of the route's log lines "Order mail UID: Subject", one per delivery. */
    private static List<String> loggedSubjects(Path log, String prefix) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(line -> line.contains(prefix))
                    .map(line -> line.substring(line.indexOf(prefix) + prefix.length()).replaceFirst("^\\S+: ", ""))
                    .toList();
        }
    }

    private static void awaitWhileRunning(AppProcess app, Duration timeout,
                                          java.util.concurrent.Callable<Boolean> condition) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                .failFast("the example exited", () -> assertThat(app.isAlive())
                        .withFailMessage(() -> "the example exited:\n" + app.logTail(60))
                        .isTrue())
                .until(condition);
    }

    private static String mavenBinary() {
        String home = System.getProperty("maven.home");
        if (home != null && !home.isBlank() && Files.isExecutable(Paths.get(home, "bin", "mvn"))) {
            return Paths.get(home, "bin", "mvn").toString();
        }
        Optional<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Paths.get(dir, "mvn")).filter(Files::isExecutable).findFirst();
        return onPath.map(Path::toString).orElseThrow(
                () -> new IllegalStateException("mvn not found: neither -Dmaven.home nor PATH has it"));
    }
}
