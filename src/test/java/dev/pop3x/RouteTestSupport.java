package dev.pop3x;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pop3x.testsupport.PollCounter;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;

/**
 * What route tests share: CamelContexts with a {@code pop3x:} route, what reached the route, waiting for polls instead
 * of sleeping. Subclasses say which server the route reads.
 */
abstract class RouteTestSupport {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path ledgerDir;

    final List<CamelContext> contexts = new CopyOnWriteArrayList<>();
    final List<Exchange> received = new CopyOnWriteArrayList<>();
    PollCounter polls;
    /** More beans for the route's URI, bound by {@link #start}. */
    final Map<String, Object> beans = new HashMap<>();

    @AfterEach
    void stopContexts() {
        contexts.forEach(CamelContext::stop);
    }

    static String mail(String subject) {
        return mail(subject, "body of " + subject);
    }

    static String mail(String subject, String body) {
        return "From: sender@example.com\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <"
               + subject
               + "@example.com>\r\n\r\n" + body + "\r\n";
    }

    interface RouteBody {
        void configure(RouteBuilder builder, RouteDefinition from);
    }

    CamelContext start(String uri, RouteBody body) throws Exception {
        CamelContext context = new DefaultCamelContext();
        polls = new PollCounter();
        context.getRegistry().bind("polls", polls);
        beans.forEach(context.getRegistry()::bind);
        bindBeans(context);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                body.configure(this, from(uri));
            }
        });
        context.start();
        contexts.add(context);
        return context;
    }

    /** Beans the route's URI refers to, besides {@code #polls}. */
    void bindBeans(CamelContext context) {
    }

    /**
     * Options every test URI carries: a ledger of the test's own, fast polls, the poll counter, and pipelining as the
     * build says (the suite runs once with it and once with it forced off: -Dpop3x.pipelining=false).
     */
    String commonOptions(String options) {
        return "ledgerDirectory=" + ledgerDir + "&initialDelay=0&delay=50&pollStrategy=#polls&" + PIPELINING + "&"
               + options;
    }

    static final String PIPELINING = "pipelining=" + System.getProperty("pop3x.pipelining", "true");

    /** A route that only records what reached it. */
    CamelContext startRecording(String uri) throws Exception {
        return start(uri, (rb, from) -> from.process(received::add));
    }

    static void awaitUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).until(condition);
    }

    /** Waits until this many more polls have finished: "nothing else happens" becomes checkable without sleeping. */
    void awaitPolls(int more) {
        int target = polls.polls() + more;
        awaitUntil(() -> polls.polls() >= target);
    }

    List<String> subjects() {
        return subjects(received);
    }

    static List<String> subjects(List<Exchange> exchanges) {
        return exchanges.stream().map(e -> e.getIn().getHeader("Subject", String.class)).toList();
    }

    static String uidOf(Exchange e) {
        return e.getIn().getHeader(Pop3xConstants.UID, String.class);
    }
}
