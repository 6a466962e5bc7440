package dev.pop3x.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Pop3ClientOptions;
import dev.pop3x.protocol.Pop3Exception;
import dev.pop3x.protocol.ScriptedPop3Peer;
import dev.pop3x.protocol.Security;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A poll's session against the scripted peer: what the consumer gets back, and what went over the wire. */
class MailboxSessionTest {

    private static final Login LOGIN = new Login(AuthMechanism.USER, "alice", "secret", null, false);

    @TempDir
    Path temp;

    /** Greeting, CAPA, login, then the UIDL of three mails u1..u3. */
    private static ScriptedPop3Peer loggedInPeer(String... capabilities) throws IOException {
        return loggedIn(capabilities).expect("UIDL", "+OK", "1 u1", "2 u2", "3 u3", ".");
    }

    /** Greeting, CAPA and login, nothing after. */
    private static ScriptedPop3Peer loggedIn(String... capabilities) throws IOException {
        return new ScriptedPop3Peer().send("+OK ready").expect("CAPA").send("+OK").send(capabilities).send(".")
                .expect("USER alice", "+OK").expect("PASS secret", "+OK");
    }

    /** The UIDL answer of a mailbox of mails u1..un. */
    private static String[] uidl(int mails) {
        List<String> lines = new ArrayList<>(List.of("+OK"));
        IntStream.rangeClosed(1, mails).forEach(i -> lines.add(i + " u" + i));
        lines.add(".");
        return lines.toArray(String[]::new);
    }

    private MailboxSession open(ScriptedPop3Peer peer, long spoolThreshold) throws Exception {
        Pop3ClientOptions options = Pop3ClientOptions.builder().host("127.0.0.1").port(peer.port())
                .security(Security.NONE).readTimeout(Duration.ofSeconds(5)).build();
        return MailboxSession.open(options, LOGIN, true, new Spool(spoolThreshold, temp.resolve("spool")));
    }

    private static String text(SpooledMessage message) throws Exception {
        try (message) {
            return new String(message.openStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aRefusedRetrInAPipelinedWindowLeavesTheOtherAnswersMatched() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "PIPELINING", "USER")
                .expect("DELE 1").expect("RETR 2").expect("RETR 3")
                .send("+OK", "-ERR [SYS/TEMP] unreadable", "+OK", "three", ".")
                .expect("QUIT", "+OK bye").start();
             MailboxSession session = open(peer, 1024)) {
            assertThat(session.isPipelining()).isTrue();
            MailboxSnapshot snapshot = session.snapshot();
            assertThat(snapshot.uids()).containsExactly("u1", "u2", "u3");
            session.requestDelete("u1", snapshot.numbersOf("u1"));
            MessageRequest two = session.requestMessage(snapshot.find("u2").orElseThrow());
            MessageRequest three = session.requestMessage(snapshot.find("u3").orElseThrow());
            session.flush();

            assertThat(session.readDeleteAnswers()).isEmpty();
            assertThat(session.markedForDeletion()).containsExactly("u1");
            assertThatThrownBy(() -> session.readMessage(three)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("u2"); // answers are taken in the order asked for, never mixed up
            assertThatThrownBy(() -> session.readMessage(two)).isInstanceOf(Pop3Exception.class)
                    .hasMessage("RETR 2 failed: -ERR [SYS/TEMP] unreadable");
            assertThat(session.isOpen()).isTrue();
            assertThat(session.awaitsMessageAnswers()).isTrue();
            assertThat(text(session.readMessage(three))).isEqualTo("three\r\n");
            assertThat(session.awaitsMessageAnswers()).isFalse();
            assertThat(session.quit()).isTrue();
            peer.verify();
        }
    }

    @Test
    void aRefusedDeleOfOneCopyKeepsTheMailUnmarkedAndIsReportedOnce() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "PIPELINING", "USER")
                .expect("DELE 1").expect("DELE 2").send("+OK", "-ERR locked").expect("QUIT", "+OK")
                .start();
             MailboxSession session = open(peer, 1024)) {
            session.snapshot();
            session.requestDelete("u1", List.of(1, 2));
            session.flush();
            assertThat(session.readDeleteAnswers()).containsExactly("u1: DELE 2 -ERR locked");
            assertThat(session.readDeleteAnswers()).isEmpty();
            assertThat(session.markedForDeletion()).isEmpty();
            assertThat(session.quit()).isTrue();
            peer.verify();
        }
    }

    @Test
    void quitIsRefusedWhileAMessageIsUnread() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "PIPELINING", "USER")
                .expect("TOP 1 0", "+OK", "Subject: one", "", ".").expect("QUIT", "+OK").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            MessageRequest headers = session.requestHeaders(snapshot.find("u1").orElseThrow());
            session.flush();
            assertThatThrownBy(session::quit).isInstanceOf(IllegalStateException.class);
            assertThat(session.isOpen()).isTrue();
            assertThat(text(session.readMessage(headers))).isEqualTo("Subject: one\r\n\r\n");
            assertThat(session.quit()).isTrue();
            peer.verify();
        }
    }

    @Test
    void withoutPipeliningCommandsGoOneByOneAndDeleAnswersAreReadAtOnce() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "USER")
                .expect("DELE 1", "+OK").expect("RETR 2", "+OK", "two", ".").expect("QUIT", "+OK").start();
             MailboxSession session = open(peer, 1024)) {
            assertThat(session.isPipelining()).isFalse();
            MailboxSnapshot snapshot = session.snapshot();
            session.requestDelete("u1", snapshot.numbersOf("u1"));
            assertThat(session.markedForDeletion()).containsExactly("u1");
            MessageRequest two = session.requestMessage(snapshot.find("u2").orElseThrow());
            assertThat(text(session.readMessage(two))).isEqualTo("two\r\n");
            assertThat(session.quit()).isTrue();
            peer.verify();
            assertThat(peer.received()).endsWith("UIDL", "DELE 1", "RETR 2", "QUIT");
        }
    }

    @Test
    void aMessageAboveTheThresholdIsSpooledIntoTheSpoolDirectory() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "PIPELINING", "USER")
                .expect("RETR 1", "+OK", "Subject: a mail longer than the threshold", "", "body", ".").start();
             MailboxSession session = open(peer, 16)) {
            MessageRequest one = session.requestMessage(session.snapshot().find("u1").orElseThrow());
            session.flush();
            SpooledMessage message = session.readMessage(one);
            Path file = message.spoolFile().orElseThrow();
            assertThat(file.getParent()).isEqualTo(temp.resolve("spool"));
            assertThat(text(message)).isEqualTo("Subject: a mail longer than the threshold\r\n\r\nbody\r\n");
            assertThat(file).doesNotExist(); // closing the message removed it
            assertThat(Files.list(temp.resolve("spool"))).isEmpty();
        }
    }

    @Test
    void aSnapshotIsTheUidlAloneAndSizesAreAskedPerMailInOneWrite() throws Exception {
        try (ScriptedPop3Peer peer = loggedIn("UIDL", "PIPELINING", "USER").expect("UIDL", uidl(10))
                .expect("LIST 4").expect("LIST 7").send("+OK 4 120", "+OK 7 4096")
                .expect("RETR 7", "+OK", "seven", ".").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            assertThat(snapshot.messages()).allSatisfy(m -> assertThat(m.size()).isEqualTo(-1));
            MailboxSnapshot sized = session.sized(snapshot,
                    List.of(snapshot.find("u4").orElseThrow(), snapshot.find("u7").orElseThrow()));
            assertThat(sized.find("u4").orElseThrow().size()).isEqualTo(120);
            assertThat(sized.find("u7").orElseThrow().size()).isEqualTo(4096);
            assertThat(sized.find("u5").orElseThrow().size()).isEqualTo(-1);
            // sizes known are not asked again
            assertThat(session.sized(sized, List.of(sized.find("u7").orElseThrow()))).isSameAs(sized);
            MessageRequest seven = session.requestMessage(sized.find("u7").orElseThrow());
            session.flush();
            assertThat(text(session.readMessage(seven))).isEqualTo("seven\r\n");
        }
    }

    @Test
    void aListOfOneMailAnsweredErrLeavesItsSizeUnknownAndTheSessionInStep() throws Exception {
        try (ScriptedPop3Peer peer = loggedIn("UIDL", "PIPELINING", "USER").expect("UIDL", uidl(10))
                .expect("LIST 2").expect("LIST 3").send("-ERR There's no message 2.", "+OK 3 300")
                .expect("RETR 3", "+OK", "three", ".").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            MailboxSnapshot sized = session.sized(snapshot, snapshot.messages().subList(1, 3));
            assertThat(sized.find("u2").orElseThrow().size()).isEqualTo(-1);
            assertThat(sized.find("u3").orElseThrow().size()).isEqualTo(300);
            assertThat(session.isOpen()).isTrue();
            MessageRequest three = session.requestMessage(sized.find("u3").orElseThrow());
            session.flush();
            assertThat(text(session.readMessage(three))).isEqualTo("three\r\n");
        }
    }

    @Test
    void whenMostMailsNeedSizesOneListAnswersForAll() throws Exception {
        try (ScriptedPop3Peer peer = loggedInPeer("UIDL", "PIPELINING", "USER")
                .expect("LIST", "+OK", "1 10", "2 20", "3 30", ".").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            MailboxSnapshot sized = session.sized(snapshot, snapshot.messages().subList(1, 3));
            assertThat(sized.messages()).extracting(MailboxMessage::size).containsExactly(10L, 20L, 30L);
        }
    }

    @Test
    void withoutPipeliningSizesAreAskedOneAtATime() throws Exception {
        try (ScriptedPop3Peer peer = loggedIn("UIDL", "USER").expect("UIDL", uidl(10))
                .expect("LIST 1", "+OK 1 100").expect("LIST 9", "+OK 9 900").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            MailboxSnapshot sized = session.sized(snapshot,
                    List.of(snapshot.find("u1").orElseThrow(), snapshot.find("u9").orElseThrow()));
            assertThat(sized.find("u1").orElseThrow().size()).isEqualTo(100);
            assertThat(sized.find("u9").orElseThrow().size()).isEqualTo(900);
        }
    }

    @Test
    void oneWholeListOnceItIsFewerOctetsOrFewerRoundTrips() {
        assertThat(MailboxSession.wholeListIsCheaper(1, 5000, true)).isFalse();
        assertThat(MailboxSession.wholeListIsCheaper(1666, 5000, true)).isFalse();
        assertThat(MailboxSession.wholeListIsCheaper(1667, 5000, true)).isTrue();
        assertThat(MailboxSession.wholeListIsCheaper(16, 5000, false)).isFalse();
        assertThat(MailboxSession.wholeListIsCheaper(17, 5000, false)).isTrue();
    }

    @Test
    void aServerWithoutUidlIsListedOnceAndKeyedByHeaderDigests() throws Exception {
        try (ScriptedPop3Peer peer = loggedIn("TOP", "USER").expect("UIDL", "-ERR unknown command")
                .expect("LIST", "+OK", "1 30", "2 40", ".").expect("TOP 1 0", "+OK", "Subject: one", "", ".")
                .expect("TOP 2 0", "+OK", "Subject: two", "", ".").start();
             MailboxSession session = open(peer, 1024)) {
            MailboxSnapshot snapshot = session.snapshot();
            assertThat(session.usesHeaderDigestKeys()).isTrue();
            assertThat(snapshot.messages()).extracting(MailboxMessage::size).containsExactly(30L, 40L);
            assertThat(session.sized(snapshot, snapshot.messages())).isSameAs(snapshot); // nothing more to ask
        }
    }
}
