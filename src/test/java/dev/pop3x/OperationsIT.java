package dev.pop3x;

import java.lang.management.ManagementFactory;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.console.DevConsole;
import org.apache.camel.console.DevConsoleRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees of a mailbox, against a real Dovecot: the endpoint's JMX attributes and operations (through
 * the platform MBeanServer, camel-management) and the {@code pop3x} dev console (camel-console).
 */
class OperationsIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    private final AtomicBoolean refuseBad = new AtomicBoolean(true);
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Override
    void bindBeans(CamelContext context) {
        super.bindBeans(context);
        context.setDevConsole(true); // load the consoles found on the classpath at start, as camel-main does
    }

    /** A route that fails the mails whose subject starts with "bad" while refuseBad is set. */
    private CamelContext startRefusingBad(String options) throws Exception {
        return start(tlsUri(options), (rb, from) -> from.process(e -> {
            received.add(e);
            if (refuseBad.get() && e.getIn().getHeader("Subject", String.class).startsWith("bad")) {
                throw new IllegalStateException("route refuses " + e.getIn().getHeader("Subject"));
            }
        }));
    }

    private static ObjectName mbeanOf(CamelContext context) throws Exception {
        return context.getManagementStrategy().getManagementObjectNameStrategy()
                .getObjectNameForEndpoint(context.getRoutes().get(0).getEndpoint());
    }

    private long attribute(ObjectName name, String attribute) throws Exception {
        return ((Number) jmx.getAttribute(name, attribute)).longValue();
    }

    private List<CompositeData> poisonRows(ObjectName name) throws Exception {
        TabularData table = (TabularData) jmx.invoke(name, "listPoisonMails", null, null);
        return table.values().stream().map(CompositeData.class::cast).toList();
    }

    private boolean release(ObjectName name, String uid) throws Exception {
        return (Boolean) jmx.invoke(name, "releasePoisonMail", new Object[] { uid },
                new String[] { String.class.getName() });
    }

    @Test
    void jmxCountsTheMailsListsThePoisonOneAndReleasesItForAnotherDelivery() throws Exception {
        for (String subject : List.of("good-1", "good-2", "good-3", "bad")) {
            dovecot.deliver(mail(subject));
        }
        CamelContext context = startRefusingBad("delete=true&maxAttempts=2");
        ObjectName mbean = mbeanOf(context);
        assertThat(jmx.isRegistered(mbean)).isTrue();
        assertThat(jmx.getAttribute(mbean, "Mailbox"))
                .isEqualTo(DovecotExtension.USER + "@localhost:" + dovecot.pop3sPort());

        awaitUntil(() -> attribute(mbean, "MailsPoisoned") == 1 && attribute(mbean, "MailsDeleted") == 3);
        assertThat(serverCount()).isEqualTo(1);
        assertThat(attribute(mbean, "MailsDelivered")).isEqualTo(5); // three good ones, the bad one twice
        assertThat(attribute(mbean, "MailsCompleted")).isEqualTo(3);
        assertThat(attribute(mbean, "MailsFailed")).isEqualTo(2);
        assertThat(attribute(mbean, "MailsInFlight")).isZero();
        assertThat(attribute(mbean, "LedgerEntries")).isEqualTo(1); // deleted mails are forgotten
        awaitPolls(1);
        assertThat((String) jmx.getAttribute(mbean, "LastPollResult")).startsWith("OK");
        assertThat(jmx.getAttribute(mbean, "LastPollTime")).isInstanceOf(Date.class);

        String badUid = uidsOnServer().get(0);
        List<CompositeData> poison = poisonRows(mbean);
        assertThat(poison).hasSize(1);
        assertThat(poison.get(0).get("uid")).isEqualTo(badUid);
        assertThat(poison.get(0).get("attempts")).isEqualTo(2);
        assertThat((String) poison.get(0).get("lastError")).contains("route refuses bad");

        assertThat(release(mbean, "no-such-uid")).isFalse();
        int before = received.size();
        awaitPolls(2);
        assertThat(received).as("poison is never delivered again").hasSize(before);

        refuseBad.set(false);
        assertThat(release(mbean, badUid)).isTrue();
        awaitUntil(() -> serverCount() == 0 && attribute(mbean, "MailsDeleted") == 4);
        Exchange again = received.get(received.size() - 1);
        assertThat(uidOf(again)).isEqualTo(badUid);
        assertThat(again.getIn().getHeader(Pop3xConstants.ATTEMPT)).isEqualTo(1);
        assertThat(received).hasSize(before + 1);
        assertThat(attribute(mbean, "MailsDelivered")).isEqualTo(6);
        assertThat(attribute(mbean, "MailsCompleted")).isEqualTo(4);
        assertThat(attribute(mbean, "LedgerEntries")).isZero();
        assertThat(poisonRows(mbean)).isEmpty();
    }

    @Test
    void theDevConsoleShowsEachMailboxWithItsCountsAndPoisonMails() throws Exception {
        dovecot.deliver(mail("good"));
        dovecot.deliver(mail("bad"));
        CamelContext context = startRefusingBad("delete=false&maxAttempts=1");
        awaitUntil(() -> received.size() == 2);
        awaitPolls(2);

        DevConsoleRegistry registry = context.getCamelContextExtension().getContextPlugin(DevConsoleRegistry.class);
        DevConsole console = registry.getConsole("pop3x")
                .orElseThrow(() -> new AssertionError("pop3x console not loaded"));
        assertThat(console).isInstanceOf(Pop3xDevConsole.class);

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) console.call(DevConsole.MediaType.JSON);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> mailboxes = (List<Map<String, Object>>) json.get("mailboxes");
        assertThat(mailboxes).hasSize(1);
        Map<String, Object> mailbox = mailboxes.get(0);
        String badUid = received.stream().filter(e -> "bad".equals(e.getIn().getHeader("Subject")))
                .map(RouteTestSupport::uidOf)
                .findFirst().orElseThrow();
        assertThat(mailbox).containsEntry("mailbox", DovecotExtension.USER + "@localhost:" + dovecot.pop3sPort())
                .containsEntry("delivered", 2L).containsEntry("completed", 1L).containsEntry("failed", 1L)
                .containsEntry("poisoned", 1L).containsEntry("deleted", 0L).containsEntry("inFlight", 0L)
                .containsEntry("ledgerEntries", 2);
        assertThat((String) mailbox.get("lastPollResult")).startsWith("OK");
        assertThat((String) mailbox.get("uri")).contains("password=xxxxxx");
        assertThat(json.toString()).doesNotContain(DovecotExtension.PASSWORD);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> poison = (List<Map<String, Object>>) mailbox.get("poisonMails");
        assertThat(poison).singleElement().satisfies(p -> {
            assertThat(p).containsEntry("uid", badUid).containsEntry("attempts", 1);
            assertThat((String) p.get("lastError")).contains("route refuses bad");
        });

        String text = (String) console.call(DevConsole.MediaType.TEXT);
        assertThat(text).contains("Mailbox: " + DovecotExtension.USER + "@localhost:" + dovecot.pop3sPort())
                .contains("Delivered: 2").contains("Poisoned: 1").contains("Ledger entries: 2")
                .contains("Poison mail: " + badUid).doesNotContain(DovecotExtension.PASSWORD);
        assertThat(serverCount()).isEqualTo(2);
    }
}
