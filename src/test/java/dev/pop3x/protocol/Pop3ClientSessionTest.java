package dev.pop3x.protocol;

import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static dev.pop3x.protocol.Pop3Commands.delete;
import static dev.pop3x.protocol.Pop3Commands.list;
import static dev.pop3x.protocol.Pop3Commands.noop;
import static dev.pop3x.protocol.Pop3Commands.reset;
import static dev.pop3x.protocol.Pop3Commands.retrieve;
import static dev.pop3x.protocol.Pop3Commands.stat;
import static dev.pop3x.protocol.Pop3Commands.top;
import static dev.pop3x.protocol.Pop3Commands.uidl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A whole client session against the scripted peer: what the client returns and what went over the wire. */
class Pop3ClientSessionTest {

    private static final String GREETING = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>";

    @Test
    void greetingWithApopTimestamp() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).start()) {
            Pop3Client c = peer.client();
            assertThat(c.greeting().ok()).isTrue();
            assertThat(c.greeting().text()).isEqualTo("POP3 server ready <1896.697170952@dbc.mtview.ca.us>");
            assertThat(c.apopTimestamp()).contains("<1896.697170952@dbc.mtview.ca.us>");
            assertThat(c.isSecure()).isFalse();
            assertThat(c.isOpen()).isTrue();
            assertThat(c.toString()).isEqualTo("Pop3Client[127.0.0.1:" + peer.port() + "]");
            c.close();
            c.close(); // idempotent
            assertThat(c.isOpen()).isFalse();
            peer.verify();
        }
    }

    @Test
    void greetingWithoutTimestamp() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send("+OK Dovecot ready.").start();
             Pop3Client c = peer.client()) {
            assertThat(c.apopTimestamp()).isEmpty();
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.APOP, "alice", "secret"))
                    .hasMessage("server greeting has no APOP timestamp");
        }
    }

    @Test
    void errGreetingFails() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send("-ERR [SYS/TEMP] too many connections").start()) {
            assertThatThrownBy(peer::client)
                    .isInstanceOf(Pop3Exception.class)
                    .hasMessage("greeting failed: -ERR [SYS/TEMP] too many connections")
                    .satisfies(e -> assertThat(((Pop3Exception) e).command()).isEqualTo("greeting"));
            peer.verify();
        }
    }

    @Test
    void capabilitiesAreReadOnceAndCached() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("CAPA", "+OK Capability list follows", "TOP", "UIDL", "PIPELINING", "SASL PLAIN LOGIN",
                        "LOGIN-DELAY 900", ".")
                .start();
             Pop3Client c = peer.client()) {
            Capabilities caps = c.capabilities();
            assertThat(caps.has("pipelining")).isTrue();
            assertThat(caps.saslMechanisms()).containsExactly("PLAIN", "LOGIN");
            assertThat(caps.argument("LOGIN-DELAY")).contains("900");
            assertThat(c.capabilities()).isSameAs(caps);
            c.close();
            peer.verify();
            assertThat(peer.received()).containsExactly("CAPA");
        }
    }

    @Test
    void capaErrMeansNone() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("CAPA", "-ERR unknown command").expect("NOOP", "+OK").start();
             Pop3Client c = peer.client()) {
            assertThat(c.capabilities()).isSameAs(Capabilities.none());
            noop(c); // the session is still usable
            c.close();
            peer.verify();
        }
    }

    @Test
    void uidlWithSeveralSpacesAndTabs() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("UIDL", "+OK", "1 whqtswO00WBw418f9t5JxYwZ", "2    QhdPYR:00WBw1Ph7x7", "3\t \tsame-id ",
                        "4 same-id", ".")
                .start();
             Pop3Client c = peer.client()) {
            assertThat(uidl(c)).containsExactly(new UidlEntry(1, "whqtswO00WBw418f9t5JxYwZ"),
                    new UidlEntry(2, "QhdPYR:00WBw1Ph7x7"), new UidlEntry(3, "same-id"), new UidlEntry(4, "same-id"));
        }
    }

    @Test
    void uidlWithEightBitAndControlCharactersIsReadAsUtf8Text() throws Exception {
        // not what RFC 1939 allows, but what such a server sends must keep mapping to the same ledger keys
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("UIDL", "+OK", "1 \u00fcber-1", "2 plain\u000b", "\f3 \t\u00e9t\u00e9 tail", ".")
                .start();
             Pop3Client c = peer.client()) {
            assertThat(uidl(c)).containsExactly(new UidlEntry(1, "\u00fcber-1"), new UidlEntry(2, "plain"),
                    new UidlEntry(3, "\u00e9t\u00e9"));
        }
    }

    @Test
    void listWithSeveralSpacesTabsAndEmptyLines() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("LIST", "+OK 3 messages", "1 120", "", "2\t\t 200000 extra", "  3 7  ", ".")
                .start();
             Pop3Client c = peer.client()) {
            assertThat(list(c)).containsExactly(new ListEntry(1, 120), new ListEntry(2, 200000),
                    new ListEntry(3, 7));
        }
    }

    @Test
    void uidlNotSupportedThrowsPop3Exception() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("UIDL", "-ERR Invalid command").expect("LIST", "+OK 2 messages", "1 120", "2  200000", ".")
                .start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> uidl(c)).isInstanceOf(Pop3Exception.class)
                    .hasMessage("UIDL failed: -ERR Invalid command");
            assertThat(list(c)).containsExactly(new ListEntry(1, 120), new ListEntry(2, 200000));
        }
    }

    @Test
    void listOfOneMessageGivesItsSizeAndItsErrKeepsTheConnection() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("LIST 2", "+OK 2 4711")
                .expect("LIST 9", "-ERR There's no message 9.").expect("LIST 3", "+OK 3 many").start();
             Pop3Client c = peer.client()) {
            assertThat(c.execute(Pop3Command.list(2))).isEqualTo(new ListEntry(2, 4711));
            assertThatThrownBy(() -> c.execute(Pop3Command.list(9))).isInstanceOf(Pop3Exception.class)
                    .hasMessage("LIST 9 failed: -ERR There's no message 9.");
            assertThat(c.isOpen()).isTrue();
            assertThatThrownBy(() -> c.execute(Pop3Command.list(3))).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessage("malformed answer to LIST 3: \"+OK 3 many\"");
            assertThat(c.isOpen()).isFalse(); // out of step: dropped
        }
    }

    @Test
    void emptyMaildrop() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("STAT", "+OK 0 0").expect("UIDL", "+OK", ".").expect("LIST", "+OK 0 messages", ".").start();
             Pop3Client c = peer.client()) {
            assertThat(stat(c)).isEqualTo(new MaildropStat(0, 0));
            assertThat(uidl(c)).isEmpty();
            assertThat(list(c)).isEmpty();
        }
    }

    @Test
    void retrieveUnstuffsAndCopiesLineEndsAsReceived() throws Exception {
        byte[] wire = ("+OK 58 octets\r\nSubject: x\r\n\r\n..leading dot\r\n..\r\nbare lf\nend\r\n.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("RETR 1").sendRaw(wire)
                .expect("RETR 2", "+OK", ".").expect("TOP 1 0", "+OK", "Subject: x", "", ".").start();
             Pop3Client c = peer.client()) {
            ByteArrayOutputStream one = new ByteArrayOutputStream();
            long n = retrieve(c, 1, one);
            assertThat(one.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("Subject: x\r\n\r\n.leading dot\r\n.\r\nbare lf\nend\r\n");
            assertThat(n).isEqualTo(one.size());
            ByteArrayOutputStream empty = new ByteArrayOutputStream();
            assertThat(retrieve(c, 2, empty)).isZero();
            ByteArrayOutputStream top = new ByteArrayOutputStream();
            top(c, 1, 0, top);
            assertThat(top.toString(StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\n");
        }
    }

    @Test
    void retrErrIsAPop3ExceptionAndTheSessionGoesOn() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("RETR 9", "-ERR No such message").expect("DELE 1", "+OK Message 1 marked")
                .expect("RSET", "+OK").expect("NOOP", "+OK").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> retrieve(c, 9, new ByteArrayOutputStream()))
                    .isInstanceOf(Pop3Exception.class).hasMessage("RETR 9 failed: -ERR No such message");
            delete(c, 1);
            reset(c);
            noop(c);
            c.close();
            peer.verify();
        }
    }

    @Test
    void eofMidRetrIsAProtocolErrorAndClosesTheClient() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("RETR 3", "+OK", "Subject: cut", "", "half a bo").hangUp().start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> retrieve(c, 3, new ByteArrayOutputStream()))
                    .isInstanceOf(Pop3ProtocolException.class)
                    .hasMessageContaining("connection closed in the middle of RETR 3");
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void tooLongStatusLine() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("NOOP", "+OK " + "x".repeat(5000))
                .start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> noop(c)).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessageContaining("4096 octets");
        }
    }

    @Test
    void quitErrIsReturnedNotThrown() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("QUIT", "-ERR [SYS/PERM] some deleted messages not removed").start();
             Pop3Client c = peer.client()) {
            Pop3Response r = c.quit();
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("SYS/PERM");
            assertThat(c.isOpen()).isFalse();
            peer.verify();
        }
    }

    @Test
    void pipelinedRetrievals() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("CAPA", "+OK", "PIPELINING", ".")
                .expect("RETR 1").expect("RETR 2").expect("DELE 1")
                // answers only after all three commands arrived: proves they went out in one flush
                .send("+OK", "first", "..dot", ".", "+OK", "second", ".", "+OK marked")
                .start();
             Pop3Client c = peer.client()) {
            assertThat(c.usePipelining()).isTrue();
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Pop3Command<Long> retr1 = c.queue(Pop3Command.retr(1, body -> body.copyTo(a)));
            Pop3Command<Long> retr2 = c.queue(Pop3Command.retr(2, body -> body.copyTo(b)));
            Pop3Command<Pop3Response> dele1 = c.queue(Pop3Command.singleLine("DELE 1"));
            c.flush();
            assertThat(c.answer(retr1)).isEqualTo(a.size());
            assertThat(c.answer(retr2)).isEqualTo(b.size());
            assertThat(c.answer(dele1)).isEqualTo(new Pop3Response(true, null, "marked"));
            assertThat(a.toString(StandardCharsets.US_ASCII)).isEqualTo("first\r\n.dot\r\n");
            assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("second\r\n");
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("CAPA\r\nRETR 1\r\nRETR 2\r\nDELE 1\r\n");
        }
    }

    @Test
    void commandLinesWithLineBreaksAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> Pop3Command.singleLine("PASS hunter2\r\nDELE 1"))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("hunter2");
    }

    @Test
    void readTimeoutFires() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("NOOP").silentUntilClientCloses()
                .start();
             Pop3Client c = peer.client(Duration.ofMillis(200))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> noop(c)).isInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(c.isOpen()).isFalse(); // the stream position is unknown now: the client dropped the line
            peer.verify();
        }
    }

    @Test
    void peerFailsTheTestOnAnUnexpectedCommand() throws Exception {
        ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("NOOP", "+OK").start();
        try (Pop3Client c = peer.client()) {
            // the peer drops the connection at once, so the client sees EOF instead of hanging
            assertThatThrownBy(() -> reset(c)).isInstanceOf(Pop3ProtocolException.class);
        }
        assertThatThrownBy(peer::close).isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected \"NOOP\" but the client sent \"RSET\"");
    }
}
