package dev.pop3x.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.Pop3Client;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Pop3Command;
import dev.pop3x.protocol.Pop3Commands;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.Pop3ProtocolException;
import dev.pop3x.protocol.Pop3Response;
import dev.pop3x.protocol.Security;
import dev.pop3x.protocol.UidlEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.pop3x.testsupport.FaultyPop3Server.AUTH_FAILED;
import static dev.pop3x.testsupport.FaultyPop3Server.PASSWORD;
import static dev.pop3x.testsupport.FaultyPop3Server.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultyPop3ServerTest {

    private static final String MAIL_1 = "Subject: one\r\nMessage-ID: <1@test>\r\n\r\nfirst body\r\nline 2\r\n";
    private static final String MAIL_2 = "Subject: two\r\n\r\nsecond\r\n";

    private FaultyPop3Server server;

    @BeforeEach
    void start() {
        server = FaultyPop3Server.start().add("u1", MAIL_1).add("u2", MAIL_2);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---------------------------------------- RFC 1939 defaults ----------------------------------------

    @Test
    void greetsAndListsDefaultCapabilities() {
        try (Pop3TestClient.Session s = connect()) {
            assertThat(s.greeting()).startsWith("+OK");
            assertThat(s.multiline("CAPA"))
                    .containsExactly("TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER", "SASL PLAIN");
            assertThat(s.quit()).startsWith("+OK");
        }
    }

    @Test
    void userPassLoginAndWrongPassword() {
        try (Pop3TestClient.Session s = connect()) {
            assertThat(s.send("STAT")).startsWith("-ERR"); // not in TRANSACTION yet
            assertThat(s.send("PASS " + PASSWORD)).startsWith("-ERR"); // no USER before
            s.command("USER " + USER);
            assertThat(s.send("PASS wrong")).isEqualTo(AUTH_FAILED);
            s.command("USER " + USER);
            assertThat(s.send("PASS " + PASSWORD)).startsWith("+OK");
            assertThat(s.send("STAT")).isEqualTo("+OK 2 " + (MAIL_1.length() + MAIL_2.length()));
            assertThat(s.send("USER " + USER)).startsWith("-ERR");
        }
        assertThat(server.logins()).isEqualTo(1);
    }

    @Test
    void authPlainWithInitialResponseAndAfterChallenge() throws IOException {
        try (Pop3Client c = client()) {
            c.authenticate(AuthMechanism.PLAIN, USER, PASSWORD);
            assertThat(Pop3Commands.stat(c).messageCount()).isEqualTo(2);
        }
        try (Pop3Client c = client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.PLAIN, USER, "wrong"))
                    .isInstanceOfSatisfying(Pop3Exception.class, e -> assertThat(e.code()).isEqualTo("AUTH"));
        }
        try (Pop3TestClient.Session s = connect()) {
            assertThat(s.send("AUTH PLAIN")).isEqualTo("+ ");
            String response = Base64.getEncoder()
                    .encodeToString(("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(s.send(response)).startsWith("+OK");
        }
        try (Pop3TestClient.Session s = connect()) {
            assertThat(s.send("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(s.send("*")).startsWith("-ERR");
            assertThat(s.send("AUTH LOGIN")).startsWith("-ERR");
        }
        assertThat(server.commands()).contains("AUTH PLAIN ***").noneMatch(c -> c.contains(
                Base64.getEncoder().encodeToString(("\0" + USER + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void listUidlStatAndErrorsForBadNumbers() throws IOException {
        try (Pop3Client c = loggedIn()) {
            assertThat(Pop3Commands.list(c)).containsExactly(new ListEntry(1, MAIL_1.length()),
                    new ListEntry(2, MAIL_2.length()));
            assertThat(Pop3Commands.uidl(c)).containsExactly(new UidlEntry(1, "u1"), new UidlEntry(2, "u2"));
        }
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.send("LIST 2")).isEqualTo("+OK 2 " + MAIL_2.length());
            assertThat(s.send("UIDL 1")).isEqualTo("+OK 1 u1");
            for (String bad : List.of("LIST 0", "LIST 3", "UIDL 9", "RETR x", "RETR", "TOP 1", "TOP 3 0", "DELE -1")) {
                assertThat(s.send(bad)).as(bad).startsWith("-ERR");
            }
            assertThat(s.send("XYZZY")).startsWith("-ERR");
            assertThat(s.send("NOOP")).startsWith("+OK");
        }
    }

    @Test
    void retrAndTop() throws IOException {
        try (Pop3Client c = loggedIn()) {
            assertThat(retr(c, 1)).isEqualTo(MAIL_1);
            assertThat(top(c, 1, 0)).isEqualTo("Subject: one\r\nMessage-ID: <1@test>\r\n\r\n");
            assertThat(top(c, 1, 1)).isEqualTo("Subject: one\r\nMessage-ID: <1@test>\r\n\r\nfirst body\r\n");
            assertThat(top(c, 1, 99)).isEqualTo(MAIL_1);
        }
    }

    @Test
    void dotStuffingRoundTripAndMissingFinalCrlf() throws IOException {
        server.add("dots", "Subject: dots\n\n.x\n..\n.\nlast line without CRLF");
        try (Pop3TestClient.Session s = login()) {
            // on the wire every line starting with "." carries one more, so "." alone never ends the body early
            assertThat(s.multiline("RETR 3")).containsExactly(
                    "Subject: dots", "", "..x", "...", "..", "last line without CRLF");
        }
        try (Pop3Client c = loggedIn()) {
            assertThat(retr(c, 3)).isEqualTo("Subject: dots\r\n\r\n.x\r\n..\r\n.\r\nlast line without CRLF\r\n");
        }
        assertThat(server.contents("dots")).isEqualTo("Subject: dots\r\n\r\n.x\r\n..\r\n.\r\nlast line without CRLF");
    }

    @Test
    void deleOnlyMarksAndRsetUnmarks() {
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            assertThat(s.send("DELE 1")).startsWith("-ERR");
            assertThat(s.send("RETR 1")).startsWith("-ERR");
            assertThat(s.send("LIST 1")).startsWith("-ERR");
            assertThat(s.multiline("LIST")).containsExactly("2 " + MAIL_2.length());
            assertThat(s.multiline("UIDL")).containsExactly("2 u2"); // numbers do not shift within a session
            assertThat(s.send("STAT")).isEqualTo("+OK 1 " + MAIL_2.length());
            assertThat(server.count()).isEqualTo(2); // marked, not gone
            s.command("RSET");
            assertThat(s.send("STAT")).startsWith("+OK 2 ");
        }
    }

    @Test
    void deleThenDroppedConnectionDeletesNothing() {
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            s.command("DELE 2");
        } // closed without QUIT
        assertThat(server.uids()).containsExactly("u1", "u2");
    }

    @Test
    void deleThenQuitDeletesAndNumbersArePerSession() {
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            assertThat(s.quit()).isEqualTo(FaultyPop3Server.QUIT_OK);
        }
        assertThat(server.uids()).containsExactly("u2"); // already removed when +OK arrived
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.multiline("UIDL")).containsExactly("1 u2");
        }
    }

    @Test
    void eachSessionSeesTheSnapshotTakenAtLogin() {
        try (Pop3TestClient.Session a = login(); Pop3TestClient.Session b = login()) {
            server.add("late", MAIL_2);
            a.command("DELE 1");
            a.quit();
            assertThat(b.multiline("UIDL")).containsExactly("1 u1", "2 u2");
        }
        assertThat(server.uids()).containsExactly("u2", "late");
    }

    @Test
    void duplicateUidsAreTwoMails() {
        server.add("same", MAIL_2).add("same", MAIL_2);
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.multiline("UIDL")).containsExactly("1 u1", "2 u2", "3 same", "4 same");
            s.command("DELE 3");
            s.quit();
        }
        assertThat(server.uids()).containsExactly("u1", "u2", "same");
    }

    @Test
    void generatedUids() {
        server.add(MAIL_1).add(MAIL_2);
        assertThat(server.uids()).containsExactly("u1", "u2", "uid-1", "uid-2");
        assertThat(server.contents("uid-2")).isEqualTo(MAIL_2);
        assertThat(server.contents("nope")).isNull();
    }

    @Test
    void concurrentSessions() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> stats = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                stats.add(pool.submit(() -> {
                    try (Pop3TestClient.Session s = login()) {
                        String stat = s.command("STAT");
                        s.multiline("RETR 1");
                        s.quit();
                        return stat;
                    }
                }));
            }
            for (Future<String> f : stats) {
                assertThat(f.get()).startsWith("+OK 2 ");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.sessions()).isEqualTo(16);
        assertThat(server.logins()).isEqualTo(16);
        assertThat(server.count("RETR")).isEqualTo(16);
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws IOException {
        try (Pop3Client c = loggedIn()) {
            assertThat(c.usePipelining()).isTrue();
            ByteArrayOutputStream m1 = new ByteArrayOutputStream();
            ByteArrayOutputStream m2 = new ByteArrayOutputStream();
            Pop3Command<Long> retr1 = c.queue(Pop3Command.retr(1, body -> body.copyTo(m1)));
            Pop3Command<Pop3Response> dele1 = c.queue(Pop3Command.singleLine("DELE 1"));
            Pop3Command<Long> retr2 = c.queue(Pop3Command.retr(2, body -> body.copyTo(m2)));
            Pop3Command<Pop3Response> dele2 = c.queue(Pop3Command.singleLine("DELE 2"));
            c.flush();
            assertThat(c.answer(retr1)).isEqualTo((long) MAIL_1.length());
            assertThat(c.answer(dele1).ok()).isTrue();
            assertThat(c.answer(retr2)).isEqualTo((long) MAIL_2.length());
            assertThat(c.answer(dele2).ok()).isTrue();
            assertThat(c.quit().ok()).isTrue();
            assertThat(m1.toString(StandardCharsets.UTF_8)).isEqualTo(MAIL_1);
            assertThat(m2.toString(StandardCharsets.UTF_8)).isEqualTo(MAIL_2);
        }
        assertThat(server.count()).isZero();
    }

    // ---------------------------------------- capabilities ----------------------------------------

    @Test
    void withoutCapa() {
        server.withoutCapa();
        try (Pop3TestClient.Session s = connect()) {
            assertThat(s.send("CAPA")).startsWith("-ERR");
        }
    }

    @Test
    void withoutUidlAndWithoutTop() {
        server.withoutUidl().withoutTop();
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.multiline("CAPA")).containsExactly("RESP-CODES", "PIPELINING", "USER", "SASL PLAIN");
            assertThat(s.send("UIDL")).startsWith("-ERR");
            assertThat(s.send("UIDL 1")).startsWith("-ERR");
            assertThat(s.send("TOP 1 0")).startsWith("-ERR");
            assertThat(s.multiline("RETR 1")).isNotEmpty();
        }
    }

    @Test
    void freeCapabilitiesAndLoginDelay() throws IOException {
        server.capabilities("USER", "EXPIRE 30").loginDelay(900);
        try (Pop3Client c = client()) {
            assertThat(c.capabilities().names()).containsExactly("USER", "EXPIRE", "LOGIN-DELAY");
            assertThat(c.capabilities().argument("LOGIN-DELAY")).contains("900");
        }
    }

    // ---------------------------------------- login answers ----------------------------------------

    @Test
    void failLoginWithUntilCleared() {
        server.failLoginWith("-ERR [IN-USE] Mailbox locked");
        for (int i = 0; i < 3; i++) {
            assertThat(pass(PASSWORD)).isEqualTo("-ERR [IN-USE] Mailbox locked");
        }
        assertThat(pass("wrong")).isEqualTo(AUTH_FAILED); // credentials are checked first
        server.clearLoginFailure();
        assertThat(pass(PASSWORD)).startsWith("+OK");
    }

    @Test
    void failNextLogins() throws IOException {
        server.failNextLogins(2, "-ERR [SYS/TEMP] try later");
        try (Pop3Client c = client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.USER, USER, PASSWORD))
                    .isInstanceOfSatisfying(Pop3Exception.class, e -> assertThat(e.code()).isEqualTo("SYS/TEMP"));
        }
        assertThat(pass(PASSWORD)).isEqualTo("-ERR [SYS/TEMP] try later");
        assertThat(pass(PASSWORD)).startsWith("+OK");
        assertThat(server.logins()).isEqualTo(1);
    }

    // ---------------------------------------- answer shaping ----------------------------------------

    @Test
    void uidlSeparator() throws IOException {
        server.uidlSeparator("   \t ");
        try (Pop3TestClient.Session s = login()) {
            assertThat(s.multiline("UIDL")).containsExactly("1   \t u1", "2   \t u2");
            assertThat(s.send("UIDL 2")).isEqualTo("+OK 2   \t u2");
        }
        try (Pop3Client c = loggedIn()) {
            assertThat(Pop3Commands.uidl(c)).containsExactly(new UidlEntry(1, "u1"), new UidlEntry(2, "u2"));
        }
    }

    @Test
    void listSizeDelta() throws IOException {
        server.listSizeDelta(-5);
        try (Pop3Client c = loggedIn()) {
            assertThat(Pop3Commands.list(c)).containsExactly(
                    new ListEntry(1, MAIL_1.length() - 5), new ListEntry(2, MAIL_2.length() - 5));
            assertThat(Pop3Commands.stat(c).size()).isEqualTo(MAIL_1.length() + MAIL_2.length() - 10);
            assertThat(retr(c, 2)).isEqualTo(MAIL_2); // the content is not affected
        }
    }

    @Test
    void quitErrDeletesNothing() {
        server.quitAnswer("-ERR some deletes failed");
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            assertThat(s.quit()).isEqualTo("-ERR some deletes failed");
        }
        assertThat(server.uids()).containsExactly("u1", "u2");
    }

    @Test
    void quitErrAfterDeleting() {
        server.quitAnswerAfterDeleting("-ERR some deletes failed");
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            assertThat(s.quit()).isEqualTo("-ERR some deletes failed");
        }
        assertThat(server.uids()).containsExactly("u2");
        server.quitAnswer(FaultyPop3Server.QUIT_OK);
        try (Pop3TestClient.Session s = login()) {
            s.command("DELE 1");
            assertThat(s.quit()).isEqualTo(FaultyPop3Server.QUIT_OK);
        }
        assertThat(server.count()).isZero();
    }

    @Test
    void bareLf() throws IOException {
        server.add("dots", "Subject: d\r\n\r\n.x\r\n").bareLf(true);
        try (Pop3Client c = loggedIn()) {
            assertThat(retr(c, 1)).isEqualTo("Subject: one\nMessage-ID: <1@test>\n\nfirst body\nline 2\n");
            assertThat(retr(c, 3)).isEqualTo("Subject: d\n\n.x\n");
            assertThat(top(c, 2, 0)).isEqualTo("Subject: two\n\n");
            assertThat(Pop3Commands.stat(c).messageCount()).isEqualTo(3); // status lines still work afterwards
        }
    }

    // ---------------------------------------- faults ----------------------------------------

    @Test
    void dropAtTheNthRetrCountedFromTheCall() throws IOException {
        try (Pop3Client c = loggedIn()) {
            retr(c, 1); // before the call: does not count
            server.dropAt("RETR", 2);
            assertThat(retr(c, 1)).isEqualTo(MAIL_1);
            assertThatThrownBy(() -> retr(c, 2)).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessageContaining("connection closed");
        }
        try (Pop3Client c = loggedIn()) {
            assertThat(retr(c, 2)).isEqualTo(MAIL_2); // fired once
        }
        assertThat(server.count("RETR")).isEqualTo(4);
    }

    @Test
    void dropAtQuitDeletesNothing() throws IOException {
        server.dropAt("QUIT", 1);
        try (Pop3Client c = loggedIn()) {
            Pop3Commands.delete(c, 1);
            assertThatThrownBy(c::quit).isInstanceOf(IOException.class);
        }
        assertThat(server.uids()).containsExactly("u1", "u2");
    }

    @Test
    void dropAtPipelinedDeleKeepsEarlierAnswers() throws IOException {
        server.dropAt("DELE", 2);
        try (Pop3Client c = loggedIn()) {
            c.usePipelining();
            Pop3Command<Pop3Response> dele1 = c.queue(Pop3Command.singleLine("DELE 1"));
            Pop3Command<Pop3Response> dele2 = c.queue(Pop3Command.singleLine("DELE 2"));
            c.queue(Pop3Command.singleLine("QUIT"));
            c.flush();
            assertThat(c.answer(dele1).ok()).isTrue();
            assertThatThrownBy(() -> c.answer(dele2)).isInstanceOf(Pop3ProtocolException.class);
        }
        assertThat(server.count()).isEqualTo(2);
        assertThat(server.commands()).endsWith("DELE 1", "DELE 2"); // QUIT was never read
    }

    @Test
    void dropMidRetr() throws IOException {
        server.dropMidRetr(10);
        try (Socket socket = rawLogin()) {
            socket.getOutputStream().write("RETR 1\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("+OK " + MAIL_1.length() + " octets\r\n" + MAIL_1.substring(0, 10));
        }
        try (Pop3Client c = loggedIn()) {
            assertThat(retr(c, 1)).isEqualTo(MAIL_1); // one-shot
            server.dropMidRetr(Integer.MAX_VALUE); // everything but the terminating line
            assertThatThrownBy(() -> retr(c, 2)).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessageContaining("not terminated");
        }
        assertThat(server.count()).isEqualTo(2);
    }

    @Test
    void stallAtMakesTheClientTimeOut() throws IOException {
        server.stallAt("STAT", Duration.ofSeconds(2));
        Pop3ClientOptions shortTimeout = options().toBuilder().readTimeout(Duration.ofMillis(200)).build();
        try (Pop3Client c = Pop3Client.connect(shortTimeout)) {
            c.authenticate(AuthMechanism.USER, USER, PASSWORD);
            assertThatThrownBy(() -> Pop3Commands.stat(c)).isInstanceOf(SocketTimeoutException.class);
        }
        try (Pop3Client c = loggedIn()) {
            assertThat(Pop3Commands.stat(c).messageCount()).isEqualTo(2); // one-shot
        }
    }

    @Test
    void stallAtAnswersLate() throws IOException {
        server.stallAt("NOOP", Duration.ofMillis(300));
        try (Pop3Client c = loggedIn()) {
            long t0 = System.nanoTime();
            Pop3Commands.noop(c);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void idleTimeoutWithFarewell() throws IOException {
        server.idleTimeout(Duration.ofMillis(200), "-ERR [SYS/TEMP] autologout");
        try (Socket socket = rawLogin()) {
            // send nothing: the server speaks last, then closes
            String rest = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(rest).isEqualTo("-ERR [SYS/TEMP] autologout\r\n");
        }
    }

    @Test
    void idleTimeoutSilent() throws IOException {
        server.idleTimeout(Duration.ofMillis(200));
        try (Socket socket = rawLogin()) {
            assertThat(socket.getInputStream().readAllBytes()).isEmpty();
        }
        assertThat(server.count()).isEqualTo(2);
    }

    @Test
    void refuseConnectionsThenListenAgainOnTheSamePort() throws IOException {
        int port = server.port();
        try (Pop3TestClient.Session open = login()) {
            server.refuseConnections(true);
            assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress(server.host(), port), 2000))
                    .isInstanceOf(ConnectException.class);
            assertThat(open.command("STAT")).startsWith("+OK"); // sessions already open carry on
            server.refuseConnections(false);
        }
        assertThat(server.port()).isEqualTo(port);
        try (Pop3Client c = loggedIn()) {
            assertThat(Pop3Commands.stat(c).messageCount()).isEqualTo(2);
        }
    }

    // ---------------------------------------- observation ----------------------------------------

    @Test
    void commandsAreRecordedInOrderWithSecretsMasked() throws IOException {
        try (Pop3Client c = loggedIn()) {
            Pop3Commands.uidl(c);
            c.quit();
        }
        try (Pop3Client c = client()) {
            c.authenticate(AuthMechanism.PLAIN, USER, PASSWORD);
        }
        assertThat(server.commands()).containsExactly(
                "USER alice", "PASS ***", "UIDL", "QUIT", "AUTH PLAIN ***");
        assertThat(server.count("uidl")).isEqualTo(1);
        assertThat(server.count("PASS")).isEqualTo(1);
        assertThat(server.sessions()).isEqualTo(2);
    }

    // ---------------------------------------- helpers ----------------------------------------

    private Pop3ClientOptions options() {
        return Pop3ClientOptions.builder().host(server.host()).port(server.port()).security(Security.NONE)
                .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(10)).build();
    }

    private Pop3Client client() throws IOException {
        return Pop3Client.connect(options());
    }

    private Pop3Client loggedIn() throws IOException {
        Pop3Client c = client();
        c.authenticate(AuthMechanism.USER, USER, PASSWORD);
        return c;
    }

    private Pop3TestClient.Session connect() {
        return Pop3TestClient.Session.connect(server.host(), server.port());
    }

    private Pop3TestClient.Session login() {
        return Pop3TestClient.Session.login(server.host(), server.port(), USER, PASSWORD);
    }

    /** The status line answering PASS in a fresh session. */
    private String pass(String password) {
        try (Pop3TestClient.Session s = connect()) {
            s.command("USER " + USER);
            return s.send("PASS " + password);
        }
    }

    /** A logged-in raw socket whose input is positioned right after the PASS answer. */
    private Socket rawLogin() throws IOException {
        Socket socket = new Socket(server.host(), server.port());
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(("USER " + USER + "\r\nPASS " + PASSWORD + "\r\n").getBytes(StandardCharsets.US_ASCII));
        int lines = 0;
        while (lines < 3) { // greeting, USER answer, PASS answer
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during login");
            }
            if (b == '\n') {
                lines++;
            }
        }
        return socket;
    }

    private static String retr(Pop3Client c, int n) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Pop3Commands.retrieve(c, n, sink);
        return sink.toString(StandardCharsets.UTF_8);
    }

    private static String top(Pop3Client c, int n, int lines) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Pop3Commands.top(c, n, lines, sink);
        return sink.toString(StandardCharsets.UTF_8);
    }
}
