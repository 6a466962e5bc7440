package dev.pop3x;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pop3x.ledger.Durability;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.ledger.Transition;
import dev.pop3x.testsupport.FaultyPop3Server;
import dev.pop3x.testsupport.ForwardingMailboxLedger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.support.service.ServiceSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one failure after the route that breaks the delivery guarantee, a completion the ledger cannot record, goes to
 * the consumer's ExceptionHandler (as Camel users configure it), and the mail is neither deleted nor lost: it comes
 * again once its claim expires.
 */
class CompletionLedgerFailureTest extends RouteTestSupport {

    private FaultyPop3Server server;
    private final List<String> handled = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() {
        server = FaultyPop3Server.start();
    }

    @AfterEach
    void stopServer() {
        contexts.forEach(CamelContext::stop);
        server.close();
    }

    @Test
    void aCompletionTheLedgerCannotRecordGoesToTheExceptionHandlerAndTheMailComesAgain() throws Exception {
        server.add(mail("invoice"));
        beans.put("failing", new CompletionFailsOnceLedger());
        beans.put("handler", new RecordingHandler());
        startRecording("pop3x:127.0.0.1:" + server.port() + "?security=none&username=alice&password=secret&"
                       + commonOptions("delete=true&ledger=#failing&exceptionHandler=#handler&claimTimeout=500"));

        awaitUntil(() -> received.size() == 2 && server.count() == 0);
        assertThat(uids()).containsExactly(uids().get(0), uids().get(0)); // the same mail, delivered twice
        assertThat(handled).singleElement().asString()
                .contains("cannot record the completion of mail " + uids().get(0))
                .contains("No space left on device (test)")
                .doesNotContain("secret");
    }

    private List<String> uids() {
        return received.stream().map(RouteTestSupport::uidOf).toList();
    }

    /** Records what reaches it: the message, and the exception's text. */
    private final class RecordingHandler implements ExceptionHandler {
        @Override
        public void handleException(Throwable exception) {
            handleException(null, null, exception);
        }

        @Override
        public void handleException(String message, Throwable exception) {
            handleException(message, null, exception);
        }

        @Override
        public void handleException(String message, Exchange exchange, Throwable exception) {
            handled.add(message + " / " + exception.getMessage());
        }
    }

    /** An in-memory ledger whose first completion write fails, as a full disk would. */
    private static final class CompletionFailsOnceLedger extends ServiceSupport implements Ledger {
        private final InMemoryLedger delegate = new InMemoryLedger();
        private final AtomicBoolean failed = new AtomicBoolean();

        @Override
        public MailboxLedger open(String mailboxKey) {
            return new ForwardingMailboxLedger(delegate.open(mailboxKey)) {
                @Override
                public List<Transition> apply(List<Transition> transitions, Durability durability) throws IOException {
                    boolean completion = transitions.stream().anyMatch(t -> t.to() != null
                                                                            && t.to().state()
                                                                               == MessageState.DELETE_PENDING);
                    if (completion && failed.compareAndSet(false, true)) {
                        throw new IOException("No space left on device (test)");
                    }
                    return super.apply(transitions, durability);
                }
            };
        }
    }
}
