package dev.pop3x;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.Collectors;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many mailboxes in one JVM: with the component's sharedPollThreads the consumers poll on one pool instead of a
 * scheduler thread each, and the endpoints share the component's ledger-sync threads. GreenMail is enough: this is
 * about threads, not about deletion.
 */
class SharedThreadsTest {

    private static final int MAILBOXES = 6;

    @RegisterExtension
    static GreenMailExtension greenMail = new GreenMailExtension(
            new ServerSetup[] { new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3) });

    @TempDir
    Path ledgerDir;

    private final CamelContext context = new DefaultCamelContext();
    /** Mailbox → the thread its mail was routed on. */
    private final Map<String, String> routedOn = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void mailboxesPollOnTheSharedPoolAndSyncOnTheSharedLedgerThreads() throws Exception {
        Pop3xComponent component = new Pop3xComponent();
        component.setSharedPollThreads(2);
        component.setLedgerSyncThreads(1);
        context.addComponent("pop3x", component);
        startMailboxRoutes("");

        await().atMost(Duration.ofSeconds(30)).until(() -> routedOn.size() == MAILBOXES);
        assertThat(Set.copyOf(routedOn.values())).hasSizeLessThanOrEqualTo(2)
                .allSatisfy(name -> assertThat(name).contains("Pop3xPoll"));
        assertThat(liveThreadNames()).noneMatch(name -> name.contains("pop3x://"));
        // every endpoint syncs its ledger on the component's one pool of ledgerSyncThreads
        Set<ExecutorService> syncPools = context.getEndpoints().stream()
                .map(e -> ((Pop3xEndpoint) e).ledgerSyncExecutor())
                .collect(Collectors.toSet());
        assertThat(syncPools).singleElement().isInstanceOfSatisfying(ThreadPoolExecutor.class,
                pool -> assertThat(pool.getMaximumPoolSize()).isEqualTo(1));
    }

    @Test
    void withoutSharedPollThreadsEachConsumerHasItsSchedulerThreadAsInCamel() throws Exception {
        startMailboxRoutes("");

        await().atMost(Duration.ofSeconds(30)).until(() -> routedOn.size() == MAILBOXES);
        assertThat(Set.copyOf(routedOn.values())).hasSize(MAILBOXES)
                .allSatisfy(name -> assertThat(name).contains("pop3x://"));
        // the ledger-sync pool is the component's in any case: 2 threads by default, not one per endpoint
        Set<ExecutorService> syncPools = context.getEndpoints().stream()
                .map(e -> ((Pop3xEndpoint) e).ledgerSyncExecutor())
                .collect(Collectors.toSet());
        assertThat(syncPools).singleElement().isInstanceOfSatisfying(ThreadPoolExecutor.class,
                pool -> assertThat(pool.getMaximumPoolSize()).isEqualTo(2));
    }

    @Test
    void anEndpointsOwnScheduledExecutorServiceWinsOverTheSharedPool() throws Exception {
        Pop3xComponent component = new Pop3xComponent();
        component.setSharedPollThreads(2);
        context.addComponent("pop3x", component);
        context.getRegistry().bind("own",
                context.getExecutorServiceManager().newScheduledThreadPool(this, "OwnPoll", 1));
        startMailboxRoutes("&scheduledExecutorService=#own");

        await().atMost(Duration.ofSeconds(30)).until(() -> routedOn.size() == MAILBOXES);
        assertThat(Set.copyOf(routedOn.values())).singleElement().asString().contains("OwnPoll");
    }

    private void startMailboxRoutes(String extraOptions) throws Exception {
        for (int i = 0; i < MAILBOXES; i++) {
            String user = "user" + i;
            greenMail.setUser(user + "@example.com", user, "secret")
                    .deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
                            ("Subject: for " + user + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8))));
        }
        // as docs/scale-out.md shows it: one route template, one route per mailbox
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                routeTemplate("mailbox").templateParameter("user")
                        .from("pop3x:127.0.0.1:" + greenMail.getPop3().getPort()
                              + "?security=none&username={{user}}&password=secret&ledgerDirectory=" + ledgerDir
                              + "&initialDelay=0&delay=50" + extraOptions)
                        .process(e -> routedOn.put(e.getFromRouteId(), Thread.currentThread().getName()));
            }
        });
        context.start();
        for (int i = 0; i < MAILBOXES; i++) {
            TemplatedRouteBuilder.builder(context, "mailbox").routeId("user" + i).parameter("user", "user" + i).add();
        }
    }

    private static Set<String> liveThreadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
    }
}
