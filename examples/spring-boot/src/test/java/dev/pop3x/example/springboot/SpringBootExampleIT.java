package dev.pop3x.example.springboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.LedgerEntry;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.AppProcess;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the packaged example against a real Dovecot, as its README says, and checks from the outside (the mailbox,
 * the app's console, the ledger folder) that each camel.component.pop3x.* setting of its application.properties took
 * effect: delete=true, max-attempts=5, delete-after=14d, ledger-directory=data/pop3x-ledger.
 */
class SpringBootExampleIT {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    /** The ledger-directory of application.properties, relative to the folder the app is started in. */
    private static final Path LEDGER_DIRECTORY = Path.of("data", "pop3x-ledger");
    /** What mvn verify packages before the ITs, and the README starts. */
    private static final Path JAR = Path.of("target", "pop3x-spring-boot-example.jar");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final String NOT_AN_INVOICE = "Hello, no invoice here";
    private static final Pattern POISON_DELIVERED =
            Pattern.compile("Received mail \\S+ \\(attempt \\d+\\): " + Pattern.quote(NOT_AN_INVOICE));

    private AppProcess app;
    private Path ledgerFile;
    private String mailboxKey;

    @BeforeEach
    void freshMailbox() throws IOException {
        dovecot.clearMailbox();
        // the app's URI says host=localhost: the ledger keys the mailbox as user@localhost:port
        mailboxKey = dovecot.user() + "@localhost:" + dovecot.pop3Port();
        ledgerFile = LEDGER_DIRECTORY.resolve(URLEncoder.encode(mailboxKey, StandardCharsets.UTF_8) + ".ledger");
        deleteLedger();
    }

    @AfterEach
    void stopApp() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            deleteLedger();
        }
    }

    /** The ledger file of the test's mailbox and its lock file (the FileLedger keeps both). */
    private void deleteLedger() throws IOException {
        Files.deleteIfExists(ledgerFile);
        Files.deleteIfExists(lockFileOf(ledgerFile));
    }

    private static Path lockFileOf(Path ledger) {
        return ledger.resolveSibling(ledger.getFileName() + ".lock");
    }

    @Test
    void eachPop3xSettingOfApplicationPropertiesTakesEffect(TestInfo test) throws Exception {
        // two mails an earlier run processed and kept on the server, 15 and 13 days ago (delete-after=14d)
        dovecot.deliver(mail("Invoice 2001"));
        dovecot.deliver(mail("Invoice 2002"));
        long now = System.currentTimeMillis();
        try (MailboxLedger ledger = new FileLedger(LEDGER_DIRECTORY).open(mailboxKey)) {
            subjectsByUid().forEach((uid, subject) -> {
                long processed = now - Duration.ofDays(subject.equals("Invoice 2001") ? 15 : 13).toMillis();
                store(ledger, new LedgerEntry(uid, MessageState.DONE, 0, processed, processed, null, 0, null, 1));
            });
        }
        // new mail: two invoices the route processes, and one it fails on (no invoice number)
        dovecot.deliver(mail("Invoice 1001"));
        dovecot.deliver(mail("Invoice 1002"));
        dovecot.deliver(mail(NOT_AN_INVOICE));
        String poisonUid = uidOf(NOT_AN_INVOICE);

        app = start(test);

        // delete=true: the invoices are processed and gone; max-attempts=5: the other mail reached the route 5 times
        // and stays; delete-after=14d: the mail processed 15 days ago is deleted, the one of 13 days ago stays
        eventually().untilAsserted(() -> {
            assertAlive();
            assertThat(app.log()).contains("Processed invoice 1001", "Processed invoice 1002");
            assertThat(count(POISON_DELIVERED)).isEqualTo(5);
            assertThat(subjectsOnServer()).containsExactly("Invoice 2002", NOT_AN_INVOICE);
        });
        assertThat(app.log()).contains("(attempt 5): " + NOT_AN_INVOICE).doesNotContain("(attempt 6)")
                .as("mails processed in an earlier run are not delivered again")
                .doesNotContain("Invoice 2001", "Invoice 2002");

        // a later poll: a new invoice is processed and deleted; the poison mail does not come a 6th time, and the mail
        // of 13 days ago is still kept
        dovecot.deliver(mail("Invoice 1003"));
        eventually().untilAsserted(() -> {
            assertAlive();
            assertThat(app.log()).contains("Processed invoice 1003");
            assertThat(subjectsOnServer()).containsExactly("Invoice 2002", NOT_AN_INVOICE);
        });
        assertThat(count(POISON_DELIVERED)).isEqualTo(5);
        app.close();

        // ledger-directory=data/pop3x-ledger: the app recorded the poison mail in the ledger there, and wrote none in
        // the default ~/.camel-pop3x
        try (MailboxLedger ledger = new FileLedger(LEDGER_DIRECTORY).open(mailboxKey)) {
            LedgerEntry poison = ledger.load(List.of(poisonUid), System.currentTimeMillis()).get(poisonUid);
            assertThat(poison.state()).isEqualTo(MessageState.POISON);
            assertThat(poison.attempts()).isEqualTo(5);
        }
        Path defaultLedger = Path.of(System.getProperty("user.home"), ".camel-pop3x").resolve(ledgerFile.getFileName());
        assertThat(defaultLedger).doesNotExist();
        assertThat(lockFileOf(defaultLedger)).doesNotExist();
    }

    /**
     * The packaged example, started the way the README says: {@code java -jar target/pop3x-spring-boot-example.jar}
     * in the example's folder, with the mailbox in MAILBOX_* environment variables.
     */
    private AppProcess start(TestInfo test) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn verify (it packages first)");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MAILBOX_HOST", "localhost");
        env.put("MAILBOX_PORT", String.valueOf(dovecot.pop3Port()));
        env.put("MAILBOX_SECURITY", "none"); // allowed on loopback only
        env.put("MAILBOX_USERNAME", dovecot.user());
        env.put("MAILBOX_PASSWORD", dovecot.password());
        env.put("MAILBOX_POLL_DELAY", "1s");
        Path output = Path.of("target", "it-logs", test.getTestMethod().orElseThrow().getName() + ".log");
        AppProcess started = AppProcess.start(Path.of("").toAbsolutePath(),
                List.of(AppProcess.java(), "-jar", JAR.toString()), env, output);
        // the app reports the settings it runs with: those of application.properties
        try {
            started.awaitLog("pop3x settings: delete=true, maxAttempts=5, poisonAction=keep,"
                             + " deleteAfter=PT336H, ledgerDirectory=data/pop3x-ledger", TIMEOUT);
        } catch (AssertionError | InterruptedException e) {
            started.close();
            throw e;
        }
        return started;
    }

    private static org.awaitility.core.ConditionFactory eventually() {
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250));
    }

    private long count(Pattern line) {
        return line.matcher(app.log()).results().count();
    }

    private void assertAlive() {
        assertThat(app.isAlive()).as("app running; its output:%n%s", app.log()).isTrue();
    }

    /** The subjects of the mails on the server, oldest first, read over POP3 (TOP n 0) without deleting anything. */
    private static List<String> subjectsOnServer() {
        return List.copyOf(subjectsByUid().values());
    }

    private static String uidOf(String subject) {
        return subjectsByUid().entrySet().stream().filter(mail -> mail.getValue().equals(subject))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** Writes an entry for a mail the ledger does not know yet, as an earlier run of the app would have. */
    private static void store(MailboxLedger ledger, LedgerEntry entry) {
        try {
            ledger.apply(List.of(new Transition(null, entry)), Durability.NOW);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> subjectsByUid() {
        Map<String, String> subjects = new LinkedHashMap<>();
        try (Pop3TestClient.Session pop3 = Pop3TestClient.Session.login(dovecot.host(), dovecot.pop3Port(),
                dovecot.user(), dovecot.password())) {
            for (String line : pop3.multiline("UIDL")) {
                String[] numberAndUid = line.trim().split("\\s+");
                String subject = pop3.multiline("TOP " + numberAndUid[0] + " 0").stream()
                        .filter(header -> header.startsWith("Subject: "))
                        .map(header -> header.substring("Subject: ".length()).trim())
                        .findFirst().orElse("");
                subjects.put(numberAndUid[1], subject);
            }
            pop3.quit();
        }
        return subjects;
    }

    private static String mail(String subject) {
        return "From: billing@example.com\r\nTo: invoices@example.com\r\nSubject: " + subject
               + "\r\nMessage-ID: <" + subject.hashCode() + "." + System.nanoTime() + "@example.com>\r\n\r\n"
               + "Please find the details below.\r\n";
    }
}
