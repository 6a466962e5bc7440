package dev.pop3x.examples.quarkus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.pop3x.testsupport.AppProcess;
import dev.pop3x.testsupport.DovecotExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the packaged app as the README says ({@code java -jar target/quarkus-app/quarkus-run.jar}, mailbox given
 * with -D, password in MAIL_PASSWORD) against a real Dovecot over implicit TLS, and checks what its YAML route logged
 * and what is left on the server. {@code delete=true} is set only in application.properties.
 */
class QuarkusAppIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    /** The line the route's log step writes for each mail (routes/mailbox.yaml). */
    private static final Pattern RECEIVED = Pattern.compile(
            "Received mail (\\S+) \\(attempt (\\d+)\\) from (.*?): (.*?) \\| (.*)$");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void yamlRouteReceivesEveryMailOnceAndTheComponentDeletesItAsConfiguredInApplicationProperties()
            throws Exception {
        dovecot.deliver(mail("Invoice 1", "First invoice."));
        dovecot.deliver(mail("Invoice 2", "Second invoice."));
        Path output = work.resolve("app.log");
        Path ledgerDirectory = work.resolve("ledger");

        AppProcess app = start(output, ledgerDirectory);
        try {
            await("both mails logged by the route").atMost(START_TIMEOUT)
                    .until(() -> received(app).size() == 2 || !app.isAlive());
            assertThat(app.isAlive()).as("app still running; output:%n%s", app.log()).isTrue();
            assertThat(received(app)).extracting(r -> r.subject + " | " + r.body + " | " + r.attempt + " | "
                    + r.from).containsExactlyInAnyOrder(
                            "Invoice 1 | First invoice. | 1 | Bob <bob@example.com>",
                            "Invoice 2 | Second invoice. | 1 | Bob <bob@example.com>");
            // delete=true comes only from application.properties: the component's default would keep both
            await("mails deleted on the server").atMost(Duration.ofSeconds(30))
                    .until(() -> dovecot.messageCount() == 0);
            // the ledger went where -Dcamel.component.pop3x.ledger-directory said
            assertThat(ledgerDirectory).isDirectory();
            try (Stream<Path> files = Files.list(ledgerDirectory)) {
                assertThat(files).isNotEmpty();
            }

            // the app keeps polling (mail.poll-delay=1s): a mail that arrives later is delivered too
            dovecot.deliver(mail("Invoice 3", "Third invoice."));
            await("third mail logged").atMost(Duration.ofSeconds(30)).until(() -> received(app).size() == 3);
            await("third mail deleted").atMost(Duration.ofSeconds(30)).until(() -> dovecot.messageCount() == 0);

            List<Received> all = received(app);
            assertThat(all).extracting(r -> r.subject).containsExactlyInAnyOrder("Invoice 1", "Invoice 2", "Invoice 3");
            assertThat(all).extracting(r -> r.uid).doesNotHaveDuplicates();
            assertThat(app.log()).as("the password never reaches the log").doesNotContain(dovecot.password());
        } finally {
            app.close(); // SIGTERM first (Quarkus shuts Camel down gracefully), then kill
            // the app's own log, for whoever reads the failsafe report
            System.out.println("---- output of the app ----\n" + app.log());
        }
    }

    /** Exactly the README's command, from the example's folder; the password goes in the environment. */
    private AppProcess start(Path output, Path ledgerDirectory) throws IOException {
        Path appDir = Paths.get(System.getProperty("pop3x.appDir", "target/quarkus-app"));
        Path runJar = appDir.resolve("quarkus-run.jar");
        assertThat(runJar).as("built by mvn package").exists();
        List<String> command = new ArrayList<>(List.of(
                AppProcess.java(),
                "-Dmail.host=" + dovecot.host(),
                "-Dmail.port=" + dovecot.pop3sPort(),
                "-Dmail.username=" + dovecot.user(),
                "-Dmail.poll-delay=1s",
                "-Djavax.net.ssl.trustStore=" + dovecot.trustStorePath(),
                "-Djavax.net.ssl.trustStorePassword=" + dovecot.trustStorePassword(),
                "-Dcamel.component.pop3x.ledger-directory=" + ledgerDirectory,
                "-jar", runJar.toString()));
        return AppProcess.start(Paths.get("").toAbsolutePath(), command,
                Map.of("MAIL_PASSWORD", dovecot.password()), output);
    }

    private static String mail(String subject, String body) {
        return "From: Bob <bob@example.com>\r\n"
                + "To: alice@example.com\r\n"
                + "Subject: " + subject + "\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@example.com>\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "\r\n"
                + body + "\r\n";
    }

    private static List<Received> received(AppProcess app) {
        List<Received> result = new ArrayList<>();
        for (String line : app.log().split("\\R")) {
            Matcher m = RECEIVED.matcher(line);
            if (m.find()) {
                result.add(new Received(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4), m.group(5)));
            }
        }
        return result;
    }

    private record Received(String uid, int attempt, String from, String subject, String body) {
    }
}
