package dev.pop3x;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.HostileMessages;
import dev.pop3x.testsupport.HostileMessages.Hostile;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every hostile mail, stored in a real Dovecot and consumed by a pop3x route: each one reaches the route or the dead
 * letter endpoint, the mailbox ends empty, the consumer keeps polling, and no Exchange carries a forged Camel header.
 * The route refuses mails the mapper could not read, so those go the dead letter way.
 */
class HostileMailThroughDovecotIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    /** The only Camel* headers an Exchange of the route may carry: the consumer's own. */
    private static final Set<String> OWN_HEADERS = Set.of(Pop3xConstants.UID, Pop3xConstants.MESSAGE_NUMBER,
            Pop3xConstants.SIZE, Pop3xConstants.ATTEMPT, Pop3xConstants.FIRST_SEEN, Pop3xConstants.TRUNCATED,
            Pop3xConstants.MAPPING_ERROR, Pop3xConstants.DECODING_DAMAGE);

    private final List<Map<String, Object>> routeHeaders = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> deadHeaders = new CopyOnWriteArrayList<>();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Test
    void everyHostileMailArrivesAndNothingForgedGetsThrough() throws Exception {
        List<Hostile> hostile = HostileMessages.all();
        hostile.forEach(h -> dovecot.deliver(h.bytes()));
        Set<String> uids = new HashSet<>(uidsOnServer());
        assertThat(uids).hasSize(hostile.size());

        CamelContext context = start(tlsUri("delete=true&maxAttempts=1&poisonAction=delete&deadLetterUri=direct:dead"),
                (rb, from) -> from.process(e -> {
                    routeHeaders.add(new HashMap<>(e.getIn().getHeaders()));
                    if (e.getIn().getHeader(Pop3xConstants.MAPPING_ERROR) != null) {
                        throw new IllegalStateException("cannot read this mail");
                    }
                }));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:dead").process(e -> deadHeaders.add(new HashMap<>(e.getIn().getHeaders())));
            }
        });

        awaitUntil(() -> routeHeaders.size() >= hostile.size() && serverCount() == 0);
        assertThat(uidsOf(routeHeaders)).containsExactlyInAnyOrderElementsOf(uids);
        // dead-lettered: exactly the mails the route refused, each once
        assertThat(uidsOf(deadHeaders)).containsExactlyInAnyOrderElementsOf(
                uidsOf(routeHeaders.stream().filter(h -> h.containsKey(Pop3xConstants.MAPPING_ERROR)).toList()));
        System.out.printf("%d hostile mails through Dovecot, %d dead-lettered: %s%n", hostile.size(),
                deadHeaders.size(), deadHeaders.stream().map(h -> h.get("Subject") + " -> "
                                                                  + h.get(Pop3xConstants.MAPPING_ERROR))
                        .toList());

        for (Map<String, Object> headers : routeHeaders) {
            assertNoForgedHeaders(headers, uids, true);
        }
        // damaged base64 is delivered, decoded as far as it goes, and flagged
        assertThat(routeHeaders).filteredOn(h -> "hostile broken-base64".equals(h.get("Subject")))
                .singleElement().satisfies(h -> assertThat((String) h.get(Pop3xConstants.DECODING_DAMAGE))
                        .startsWith("body: base64"));
        for (Map<String, Object> headers : deadHeaders) {
            assertNoForgedHeaders(headers, uids, false);
        }

        // the consumer is still polling: a normal mail after them arrives, and the mailbox ends empty
        dovecot.deliver(mail("after the hostile ones"));
        awaitUntil(() -> routeHeaders.stream().anyMatch(h -> "after the hostile ones".equals(h.get("Subject")))
                         && serverCount() == 0);
        assertThat(polls.errors()).isEmpty();
    }

    private static List<Object> uidsOf(List<Map<String, Object>> headers) {
        return headers.stream().map(h -> h.get(Pop3xConstants.UID)).toList();
    }

    private static void assertNoForgedHeaders(Map<String, Object> headers, Set<String> uids, boolean strict) {
        assertThat(uids).contains((String) headers.get(Pop3xConstants.UID)); // not the forged "x"
        assertThat(headers.get(Pop3xConstants.MAPPING_ERROR)).isNotEqualTo("none");
        assertThat(headers.get(Pop3xConstants.DECODING_DAMAGE)).isNotEqualTo("none");
        for (String name : headers.keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            assertThat(lower).as("steering header").isNotIn("delete", "copyto", "moveto");
            assertThat(lower).as("forged Camel header").isNotEqualTo("camelfilename");
            if (strict && lower.startsWith("camel")) {
                assertThat(name).as("Camel header on " + headers.get("Subject")).isIn(OWN_HEADERS);
            }
        }
    }
}
