package dev.pop3x.examples.etl;

import static dev.pop3x.examples.etl.InvoiceMails.mail;
import static dev.pop3x.examples.etl.InvoiceMails.pdf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.pop3x.examples.etl.InvoiceMails.Part;
import dev.pop3x.testsupport.AppProcess;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.PostgresExtension;

/**
 * The example app, started as its README says ({@code java -jar target/pop3x-etl.jar} with settings, given both ways
 * the README shows: {@code -Detl...} system properties and {@code ETL_...} environment variables), against a real
 * Dovecot (over TLS, port 995's implicit TLS on a free port) and a real PostgreSQL, and out of the box on H2.
 */
class EtlIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    /** UIDL = the Maildir file name: a mail put back under its old name comes back with its old UIDL. */
    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension().withConfig("pop3_uidl_format = %f");

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("invoices");

    @TempDir
    Path tmp;

    /** A row of invoice_mail, as read back. */
    record Row(String uidl, String sender, String subject, int pdfCount, String pdfNames, String pdfSizes,
            Instant receivedAt) {
    }

    @Test
    void invoicesIntoPostgresFilesAndDeadLetters_andAMailDeliveredAgainAddsNothing() throws Exception {
        dovecot.clearMailbox();
        Part inv1 = pdf("INV-2026-001.pdf", 1);
        Part inv2 = pdf("INV-2026-002.pdf", 2);
        Part inv3 = pdf("INV-2026-003.pdf", 3);
        Part inv4 = pdf("INV-2026-004.pdf", 4);
        Part csv = new Part("summary.csv", "text/csv", "invoice;amount\r\n2;10.00\r\n".getBytes(StandardCharsets.UTF_8));
        byte[] mailA = mail("Acme Billing <billing@acme.example>", "Invoice INV-2026-001", "See attached.", inv1);
        byte[] mailB = mail("\"Globex\" <ap@globex.example>", "=?UTF-8?Q?Rechnungen_f=C3=BCr_M=C3=A4rz?=",
                "Two invoices and a summary.", inv2, inv3, csv);
        byte[] mailC = mail("someone@initech.example", "Question about my invoice", "No attachment here.");
        byte[] mailD = mail(null, "Invoice without a sender", "From header missing.", pdf("INV-2026-099.pdf", 9));
        byte[] mailE = mail("billing@acme.example", "Invoice with a broken PDF", "Not a PDF inside.",
                new Part("broken.pdf", "application/pdf", "this is not a PDF".getBytes(StandardCharsets.US_ASCII)));
        String a = deliverAs("1764583200.M1P1.etl-a", mailA);
        String b = deliverAs("1764583201.M2P1.etl-b", mailB);
        String c = deliverAs("1764583202.M3P1.etl-c", mailC);
        String d = deliverAs("1764583203.M4P1.etl-d", mailD);
        String e = deliverAs("1764583204.M5P1.etl-e", mailE);

        Path work = tmp.resolve("run-1");
        Path output = work.resolve("etl-data/invoices");
        Path deadLetters = work.resolve("etl-data/dead-letter");
        Instant before = Instant.now();
        // the settings as -D system properties (the README's "or the same as -Detl.db.url=...")
        try (AppProcess app = startApp(work, withTrustStore(postgresSettings("ledger-1")), Map.of())) {
            awaitOrExplain(app, () -> dovecot.messageCount() == 0
                    && names(deadLetters).equals(List.of(d + ".eml", d + ".error.txt", e + ".eml", e + ".error.txt")));
        }
        Instant after = Instant.now();

        // one row per good mail; the two failing mails left nothing in the database (E's row was rolled back)
        List<Row> rows = rows();
        assertThat(rows).extracting(Row::uidl).containsExactly(a, b, c);
        assertThat(rows.get(0)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(a,
                "billing@acme.example", "Invoice INV-2026-001", 1, "INV-2026-001.pdf", size(inv1), null));
        assertThat(rows.get(1)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(b,
                "ap@globex.example", "Rechnungen für März", 2, "INV-2026-002.pdf/INV-2026-003.pdf",
                size(inv2) + "/" + size(inv3), null));
        assertThat(rows.get(2)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(c,
                "someone@initech.example", "Question about my invoice", 0, "", "", null));
        for (Row r : rows) {
            assertThat(r.receivedAt()).isBetween(before.minusSeconds(1), after);
        }
        assertThat(processedUidls()).containsExactlyInAnyOrder(a, b, c);

        // the PDFs, byte for byte, one folder per mail; nothing of C (no PDF), D or E
        assertThat(names(output)).containsExactlyInAnyOrder(a, b);
        assertThat(names(output.resolve(a))).containsExactly("INV-2026-001.pdf");
        assertThat(names(output.resolve(b))).containsExactly("INV-2026-002.pdf", "INV-2026-003.pdf");
        assertThat(output.resolve(a).resolve("INV-2026-001.pdf")).hasBinaryContent(inv1.bytes());
        assertThat(output.resolve(b).resolve("INV-2026-002.pdf")).hasBinaryContent(inv2.bytes());
        assertThat(output.resolve(b).resolve("INV-2026-003.pdf")).hasBinaryContent(inv3.bytes());

        // the failing mails: the raw mail as it was sent, and why it failed; gone from the mailbox (poisonAction=delete)
        assertThat(deadLetters.resolve(d + ".eml")).hasBinaryContent(mailD);
        assertThat(deadLetters.resolve(e + ".eml")).hasBinaryContent(mailE);
        assertThat(Files.readString(deadLetters.resolve(d + ".error.txt")))
                .contains("null value in column \"sender\"").contains("not-null constraint");
        assertThat(Files.readString(deadLetters.resolve(e + ".error.txt")))
                .contains("attachment broken.pdf is not a PDF");
        assertThat(dovecot.messageCount()).isZero();

        // mail A is on the server again with its old UIDL, and the app starts without its ledger (lost, or the JVM
        // died after the commit and before the ledger write): no second row, files as they were; a new mail F passes
        byte[] mailF = mail("billing@acme.example", "Invoice INV-2026-004", "After the restart.", inv4);
        assertThat(deliverAs("1764583200.M1P1.etl-a", mailA)).isEqualTo(a);
        String f = deliverAs("1764583205.M6P1.etl-f", mailF);
        Path work2 = tmp.resolve("run-2");
        Path output2 = work2.resolve("etl-data/invoices");
        String log2;
        // the settings as environment variables, as the README's "Run on PostgreSQL" does
        try (AppProcess app = startApp(work2, trustStore(), asEnvironment(postgresSettings("ledger-2")))) {
            awaitOrExplain(app, () -> dovecot.messageCount() == 0
                    && Files.exists(output2.resolve(f).resolve("INV-2026-004.pdf")));
            log2 = app.log();
        }
        List<Row> again = rows();
        assertThat(again).extracting(Row::uidl).containsExactly(a, b, c, f);
        assertThat(again.subList(0, 3)).isEqualTo(rows);
        assertThat(again.get(3)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(f,
                "billing@acme.example", "Invoice INV-2026-004", 1, "INV-2026-004.pdf", size(inv4), null));
        assertThat(processedUidls()).containsExactlyInAnyOrder(a, b, c, f);
        assertThat(names(output2)).containsExactly(f);
        assertThat(output2.resolve(f).resolve("INV-2026-004.pdf")).hasBinaryContent(inv4.bytes());
        assertThat(log2).contains("Mail " + a + " is already stored: deleted without a second row");
        // ETL_POP3_LEDGERDIRECTORY took effect: the ledger is there, not in the default etl-data/ledger
        assertThat(tmp.resolve("ledger-2")).isNotEmptyDirectory();
        assertThat(work2.resolve("etl-data/ledger")).doesNotExist();

        // credentials never in the log
        for (String log : List.of(Files.readString(work.resolve("app.log")), log2)) {
            assertThat(log).doesNotContain(postgres.password()).doesNotContain("RAW(" + dovecot.password() + ")")
                    .doesNotContain("password=" + dovecot.password());
        }
    }

    @Test
    void outOfTheBoxOnH2() throws Exception {
        dovecot.clearMailbox();
        Part inv = pdf("INV-2026-100.pdf", 5);
        String g = deliverAs("1764583300.M7P1.etl-g", mail("Acme Billing <billing@acme.example>", "Invoice INV-2026-100",
                "See attached.", inv));
        String h = deliverAs("1764583301.M8P1.etl-h", mail("someone@initech.example", "Thanks", "No attachment."));

        Path work = tmp.resolve("h2");
        Path output = work.resolve("etl-data/invoices");
        Instant before = Instant.now();
        // no database settings: the embedded H2; the mailbox in environment variables, as the README's "Run (H2)"
        try (AppProcess app = startApp(work, trustStore(), asEnvironment(pop3Settings()))) {
            awaitOrExplain(app, () -> dovecot.messageCount() == 0
                    && Files.exists(output.resolve(g).resolve("INV-2026-100.pdf")));
        }
        Instant after = Instant.now();

        assertThat(output.resolve(g).resolve("INV-2026-100.pdf")).hasBinaryContent(inv.bytes());
        assertThat(names(output)).containsExactly(g);
        String h2 = "jdbc:h2:file:" + work.resolve("etl-data/db/invoices").toAbsolutePath();
        try (Connection conn = DriverManager.getConnection(h2, "sa", "")) {
            List<Row> rows = rows(conn);
            assertThat(rows).extracting(Row::uidl).containsExactly(g, h);
            assertThat(rows.get(0)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(g,
                    "billing@acme.example", "Invoice INV-2026-100", 1, "INV-2026-100.pdf", size(inv), null));
            assertThat(rows.get(1)).usingRecursiveComparison().ignoringFields("receivedAt").isEqualTo(new Row(h,
                    "someone@initech.example", "Thanks", 0, "", "", null));
            for (Row r : rows) {
                assertThat(r.receivedAt()).isBetween(before.minusSeconds(1), after);
            }
            assertThat(processedUidls(conn)).containsExactlyInAnyOrder(g, h);
        }
    }

    // ---------------------------------------------------------------- the app and its settings

    /**
     * The app as its README runs it: {@code java [-Dsetting=value ...] -jar target/pop3x-etl.jar} with
     * {@code environment} added, in a working folder of its own (where {@code etl-data/} is created), output to
     * {@code app.log} there. Closing it stops it with SIGTERM (Ctrl-C), as a user stops it.
     */
    private static AppProcess startApp(Path workDir, Map<String, String> systemProperties,
            Map<String, String> environment) throws IOException {
        Path jar = Paths.get(System.getProperty("etl.jar", "target/pop3x-etl.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not found: run mvn verify (it packages the jar before the ITs)");
        }
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>();
        command.add(AppProcess.java());
        systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        return AppProcess.start(workDir, command, environment, workDir.resolve("app.log"));
    }

    /** The test server's certificate; a real server's is in the JVM's default trust store. */
    private static Map<String, String> trustStore() {
        Map<String, String> s = new HashMap<>();
        s.put("javax.net.ssl.trustStore", dovecot.trustStorePath().toString());
        s.put("javax.net.ssl.trustStorePassword", dovecot.trustStorePassword());
        return s;
    }

    private static Map<String, String> pop3Settings() {
        Map<String, String> s = new HashMap<>();
        s.put("etl.pop3.host", dovecot.host());
        s.put("etl.pop3.port", String.valueOf(dovecot.pop3sPort()));
        s.put("etl.pop3.security", "tls");
        s.put("etl.pop3.username", dovecot.user());
        s.put("etl.pop3.password", dovecot.password());
        s.put("etl.pop3.delay", "300");
        s.put("etl.pop3.maxAttempts", "2");
        return s;
    }

    private Map<String, String> postgresSettings(String ledger) {
        Map<String, String> s = pop3Settings();
        s.put("etl.db.url", postgres.jdbcUrl());
        s.put("etl.db.user", postgres.user());
        s.put("etl.db.password", postgres.password());
        s.put("etl.pop3.ledgerDirectory", tmp.resolve(ledger).toString());
        return s;
    }

    /** The settings as system properties, with the test trust store. */
    private static Map<String, String> withTrustStore(Map<String, String> settings) {
        Map<String, String> all = trustStore();
        all.putAll(settings);
        return all;
    }

    /** The settings as the README's environment variables: upper case, {@code .} as {@code _} (ETL_DB_URL). */
    private static Map<String, String> asEnvironment(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>();
        settings.forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        return env;
    }

    // ---------------------------------------------------------------- mailbox, files, rows

    /** Puts a mail into Maildir new/ under {@code name} (tmp/ then rename, owned by the mail user); returns its UIDL. */
    private static String deliverAs(String name, byte[] rfc822) throws IOException {
        Path maildir = dovecot.maildir();
        Path tmpFile = maildir.resolve("tmp").resolve(name);
        Files.write(tmpFile, rfc822);
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipalLookupService lookup = tmpFile.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(tmpFile, PosixFileAttributeView.class);
            view.setOwner(lookup.lookupPrincipalByName("nobody"));
            GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
            view.setGroup(group);
        }
        Files.move(tmpFile, maildir.resolve("new").resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return name;
    }

    private static void awaitOrExplain(AppProcess app, Callable<Boolean> done) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!app.isAlive()) {
                    throw new IllegalStateException("the app exited:\n" + app.logTail(60));
                }
                return done.call();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nmails left: " + dovecot.messageCount() + "\n--- app log ---\n"
                    + app.logTail(80) + "\n--- dovecot log ---\n" + dovecot.logTail(20), e);
        }
    }

    /** File names in a folder, sorted; empty if it does not exist. */
    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String size(Part p) {
        return String.valueOf(p.bytes().length);
    }

    private static List<Row> rows() throws SQLException {
        try (Connection conn = postgres.dataSource().getConnection()) {
            return rows(conn);
        }
    }

    private static List<Row> rows(Connection conn) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT uidl, sender, subject,"
                + " pdf_count, pdf_names, pdf_sizes, received_at FROM invoice_mail ORDER BY uidl")) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant()));
            }
        }
        return rows;
    }

    private static List<String> processedUidls() throws SQLException {
        try (Connection conn = postgres.dataSource().getConnection()) {
            return processedUidls(conn);
        }
    }

    /** The idempotent repository's keys for this mailbox (processorName = user@host). */
    private static List<String> processedUidls(Connection conn) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT processorName, messageId FROM CAMEL_MESSAGEPROCESSED")) {
            while (rs.next()) {
                assertThat(rs.getString(1)).isEqualTo(dovecot.user() + "@" + dovecot.host());
                ids.add(rs.getString(2));
            }
        }
        return ids;
    }
}
