package dev.pop3x.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's command queue against the scripted peer: what goes out when, and which answer goes to which command. */
class Pop3CommandQueueTest {

    private static final String GREETING = "+OK ready";
    private static final String[] CAPA_PIPELINING = { "+OK", "UIDL", "PIPELINING", "." };

    /** A RETR whose handler notes the body it got in the log, in the order the handlers ran. */
    private static Pop3Command<String> retr(int number, List<String> log) {
        return Pop3Command.retr(number, body -> {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            body.copyTo(sink);
            String text = "RETR " + number + ": " + sink.toString(StandardCharsets.US_ASCII).strip();
            log.add(text);
            return text;
        });
    }

    private static Pop3Command<Pop3Response> dele(int number, List<String> log) {
        return Pop3Command.singleLine("DELE " + number, status -> {
            log.add("DELE " + number + ": " + (status.ok() ? "+OK" : "-ERR") + " " + status.text());
            return status;
        });
    }

    @Test
    void answersGoToTheirCommandsInTheOrderTheCommandsWentOut() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("CAPA", CAPA_PIPELINING)
                .expect("DELE 4").expect("RETR 1").expect("DELE 5").expect("RETR 2")
                .send("+OK 4 deleted", "+OK", "one", ".", "-ERR [IN-USE] locked", "+OK", "two", ".")
                .start();
             Pop3Client c = peer.client()) {
            assertThat(c.usePipelining()).isTrue();
            List<String> log = new ArrayList<>();
            Pop3Command<Pop3Response> dele4 = c.queue(dele(4, log));
            Pop3Command<String> retr1 = c.queue(retr(1, log));
            Pop3Command<Pop3Response> dele5 = c.queue(dele(5, log));
            Pop3Command<String> retr2 = c.queue(retr(2, log));
            c.flush();

            // asking for the last answer reads every one before it, each handed to its own command
            assertThat(c.answer(retr2)).isEqualTo("RETR 2: two");
            assertThat(log).containsExactly("DELE 4: +OK 4 deleted", "RETR 1: one", "DELE 5: -ERR locked",
                    "RETR 2: two");
            assertThat(c.answer(retr1)).isEqualTo("RETR 1: one");
            assertThat(c.answer(dele5).code()).isEqualTo("IN-USE");
            assertThat(c.answer(dele4).ok()).isTrue();
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("CAPA\r\nDELE 4\r\nRETR 1\r\nDELE 5\r\nRETR 2\r\n");
        }
    }

    @Test
    void anErrForOneRetrInAPipelinedWindowLeavesTheRestMatched() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("CAPA", CAPA_PIPELINING)
                .expect("RETR 1").expect("RETR 2").expect("RETR 3").expect("DELE 1")
                .send("+OK", "one", ".", "-ERR no such message", "+OK", "three", "..dot", ".", "+OK")
                .expect("NOOP", "+OK")
                .start();
             Pop3Client c = peer.client()) {
            c.usePipelining();
            List<String> log = new ArrayList<>();
            Pop3Command<String> retr1 = c.queue(retr(1, log));
            Pop3Command<String> retr2 = c.queue(retr(2, log));
            Pop3Command<String> retr3 = c.queue(retr(3, log));
            Pop3Command<Pop3Response> dele1 = c.queue(dele(1, log));
            c.flush();

            assertThat(c.answer(retr1)).isEqualTo("RETR 1: one");
            assertThatThrownBy(() -> c.answer(retr2)).isInstanceOf(Pop3Exception.class)
                    .hasMessage("RETR 2 failed: -ERR no such message");
            assertThat(c.isOpen()).isTrue();
            assertThat(c.answer(retr3)).isEqualTo("RETR 3: three\r\n.dot");
            assertThat(c.answer(dele1).ok()).isTrue();
            assertThat(log).containsExactly("RETR 1: one", "RETR 3: three\r\n.dot", "DELE 1: +OK ");
            // the refusal stays with its command, and the session goes on
            assertThatThrownBy(() -> c.answer(retr2)).isInstanceOf(Pop3Exception.class);
            assertThat(c.execute(Pop3Command.singleLine("NOOP")).ok()).isTrue();
            c.close();
            peer.verify();
        }
    }

    @Test
    void quitIsRefusedWhileMessageAnswersAreUnread() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("CAPA", CAPA_PIPELINING)
                .expect("RETR 1").expect("DELE 1").send("+OK", "one", ".", "+OK")
                .expect("QUIT", "+OK bye")
                .start();
             Pop3Client c = peer.client()) {
            c.usePipelining();
            List<String> log = new ArrayList<>();
            Pop3Command<String> retr1 = c.queue(retr(1, log));
            c.queue(dele(1, log));
            c.flush();

            assertThatThrownBy(c::quit).isInstanceOf(IllegalStateException.class)
                    .hasMessage("QUIT while answers with a body are unread");
            assertThatThrownBy(() -> c.queue(Pop3Command.singleLine("QUIT"))).isInstanceOf(IllegalStateException.class);
            assertThat(c.isOpen()).isTrue();

            assertThat(c.answer(retr1)).isEqualTo("RETR 1: one");
            // DELE answers still unread are fine: QUIT reads them on the way
            assertThat(c.quit().text()).isEqualTo("bye");
            assertThat(log).containsExactly("RETR 1: one", "DELE 1: +OK ");
            assertThat(c.isOpen()).isFalse();
            peer.verify();
            assertThat(peer.received()).containsExactly("CAPA", "RETR 1", "DELE 1", "QUIT");
        }
    }

    @Test
    void withoutPipeliningTheNextCommandLeavesOnlyOnceTheAnswerBeforeItIsRead() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("RETR 1", "+OK", "one", ".").expect("DELE 1", "+OK")
                .start();
             Pop3Client c = peer.client()) {
            List<String> log = new ArrayList<>();
            Pop3Command<String> retr1 = c.queue(retr(1, log));
            Pop3Command<Pop3Response> dele1 = c.queue(dele(1, log));
            c.flush();
            assertThat(c.answer(retr1)).isEqualTo("RETR 1: one");
            assertThat(peer.received()).containsExactly("RETR 1"); // DELE 1 waits for its turn
            assertThat(c.answer(dele1).ok()).isTrue();
            c.close();
            peer.verify();
        }
    }

    @Test
    void answersBeforeACommandAreReadWithoutTouchingIt() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("CAPA", CAPA_PIPELINING)
                .expect("DELE 1").expect("DELE 2").expect("RETR 3")
                .send("+OK", "-ERR gone", "+OK", "three", ".")
                .start();
             Pop3Client c = peer.client()) {
            c.usePipelining();
            List<String> log = new ArrayList<>();
            c.queue(dele(1, log));
            c.queue(dele(2, log));
            Pop3Command<String> retr3 = c.queue(retr(3, log));
            c.flush();
            c.readAnswersBefore(retr3);
            assertThat(log).containsExactly("DELE 1: +OK ", "DELE 2: -ERR gone");
            assertThat(c.answer(retr3)).isEqualTo("RETR 3: three");
            c.close();
            peer.verify();
        }
    }

    @Test
    void aBodyItsHandlerLeavesUnreadIsSkipped() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("TOP 1 0", "+OK", "Subject: x", "", ".").expect("NOOP", "+OK still in step")
                .start();
             Pop3Client c = peer.client()) {
            String result = c.execute(Pop3Command.top(1, 0, body -> "not read"));
            assertThat(result).isEqualTo("not read");
            assertThat(c.execute(Pop3Command.singleLine("NOOP")).text()).isEqualTo("still in step");
            c.close();
            peer.verify();
        }
    }

    @Test
    void aCommandIsUsedOnce() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).expect("NOOP", "+OK").start();
             Pop3Client c = peer.client()) {
            Pop3Command<Pop3Response> noop = Pop3Command.singleLine("NOOP");
            c.execute(noop);
            assertThatThrownBy(() -> c.queue(noop)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> c.answer(Pop3Command.singleLine("NOOP"))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("NOOP is not queued on this client");
            c.close();
            peer.verify();
        }
    }

    @Test
    void aMalformedListingDropsTheConnection() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("UIDL", "+OK", "1", ".").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.execute(Pop3Command.uidl())).isInstanceOf(Pop3ProtocolException.class)
                    .hasMessage("malformed UIDL line: \"1\"");
            assertThat(c.isOpen()).isFalse();
            peer.verify();
        }
    }
}
